"""ApiServer / serve: uvicorn on a real loopback socket inside the test's own event loop."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading

import httpx
import pytest

from bot4.api import (
    ApiServer,
    ApiToken,
    MemoryNode,
    OrderView,
    PositionView,
    StatusView,
    create_app,
    serve,
)
from bot4.clock import TestClock
from bot4.errors import LifecycleError

AUTH = {"Authorization": "Bearer test-token-0123456789"}


async def test_serves_on_an_ephemeral_port_and_stops(node: MemoryNode, token: ApiToken) -> None:
    before = signal.getsignal(signal.SIGINT)
    server = ApiServer(create_app(node, token), "127.0.0.1", 0)
    await server.start()
    assert server.port != 0
    assert signal.getsignal(signal.SIGINT) is before  # uvicorn left the node's signals alone
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        status = await client.get("/status", headers=AUTH)
        assert status.json()["open_orders"] == 2
    await server.close()
    await server.close()  # idempotent
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), 1):
        pass


async def test_context_manager_and_busy_port(node: MemoryNode, token: ApiToken) -> None:
    app = create_app(node, token)
    async with ApiServer(app, "127.0.0.1", 0) as first:
        with pytest.raises(OSError):
            await ApiServer(app, "127.0.0.1", first.port).start()
        with pytest.raises(LifecycleError, match="twice"):
            await first.start()
    await ApiServer(app).close()  # never started: nothing to do


async def test_ipv6_loopback(node: MemoryNode, token: ApiToken) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = ApiServer(create_app(node, token), "::1", 0)
        await server.start()
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback: {exc}")
    assert server.url == f"http://[::1]:{server.port}"
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.get("/health")).status_code == 200
    await server.close()


async def test_startup_failure_is_reported(node: MemoryNode, token: ApiToken) -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    server = ApiServer(create_app(node, token))
    with udp, pytest.raises(LifecycleError, match="during startup"):
        await server.start(sock=udp)
    await server.close()  # after a failed start: logs, does not raise


async def test_serve_until_cancelled(node: MemoryNode, token: ApiToken) -> None:
    listening: asyncio.Future[ApiServer] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(create_app(node, token), "127.0.0.1", 0, on_listening=listening.set_result)
    )
    server = await asyncio.wait_for(listening, 10)
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.get("/health")).status_code == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), 1):
        pass


async def test_serve_without_callback_and_wait_before_start(
    node: MemoryNode, token: ApiToken
) -> None:
    idle = ApiServer(create_app(node, token))
    await idle.wait_closed()  # never started: returns at once
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    task = asyncio.create_task(serve(create_app(node, token), "127.0.0.1", port))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(200):  # bounded: the task needs a few loop turns to bind
            try:
                response = await client.get("/health")
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.01)
        assert response.status_code == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


class ThreadCheckingNode(MemoryNode):
    """A MemoryNode that records which thread reads it: it must be the event loop's."""

    def __init__(self) -> None:
        super().__init__(TestClock())
        self.reader_threads: set[int] = set()

    def status(self) -> StatusView:
        self.reader_threads.add(threading.get_ident())
        return super().status()

    def positions(self) -> list[PositionView]:
        self.reader_threads.add(threading.get_ident())
        return super().positions()

    def open_orders(self) -> list[OrderView]:
        self.reader_threads.add(threading.get_ident())
        return super().open_orders()


async def test_the_node_is_read_on_its_own_loop_only(token: ApiToken) -> None:
    node = ThreadCheckingNode()
    node.metrics.add_scrape_hook(lambda: node.reader_threads.add(threading.get_ident()))
    async with ApiServer(create_app(node, token), "127.0.0.1", 0) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as client:
            for path in ("/status", "/positions", "/orders", "/metrics"):
                assert (await client.get(path)).status_code == 200
    assert node.reader_threads == {threading.get_ident()}
