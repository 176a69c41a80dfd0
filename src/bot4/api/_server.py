"""Serving the API with uvicorn inside the node's own event loop.

uvicorn is built to own its process; embedded in the node it must not. So:
- the listening socket is bound here, before uvicorn starts: a busy port is an `OSError` the
  node can report, not uvicorn's `sys.exit`, and port 0 gives the real port at once;
- uvicorn does not install its SIGINT/SIGTERM handlers (`capture_signals` is a no-op): the node
  owns shutdown and closes the server from its own `close()`;
- `log_config=None`: uvicorn leaves the node's logging configuration alone;
- `lifespan="off"`: the app has no startup work; the node starts and stops things itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Generator

import uvicorn
from starlette.types import ASGIApp

from bot4.api._token import DEFAULT_HOST, DEFAULT_PORT
from bot4.errors import LifecycleError

__all__ = ["ApiServer", "serve"]

log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its host and says when it is listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The node owns SIGINT/SIGTERM; it stops this server through ApiServer.close().
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


class ApiServer:
    """The API app served on `host:port` as a task of the running loop.

    `await start()` returns once the server accepts connections; `await close()` stops it,
    waiting up to `shutdown_timeout_s` for requests in flight. `close()` is idempotent and safe
    after a failed or partial start. Also an async context manager.
    """

    def __init__(
        self,
        app: ASGIApp,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        shutdown_timeout_s: float = 2.0,
    ) -> None:
        self._app = app
        self.host = host
        self.port = port  # the real port once started (differs when 0 was asked)
        self._shutdown_timeout_s = shutdown_timeout_s
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    async def start(self, sock: socket.socket | None = None) -> None:
        """Bind and serve; raises OSError when the address is taken.

        `sock` is an already bound TCP socket to serve on instead (the node may bind early,
        e.g. to fail fast before connecting to exchanges); host and port are then its own.
        """
        if self._task is not None:
            raise LifecycleError("ApiServer.start() called twice")
        if sock is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.create_server((self.host, self.port), family=family)
        self.host, self.port = sock.getsockname()[:2]
        config = uvicorn.Config(
            self._app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=max(1, round(self._shutdown_timeout_s)),
        )
        self._server = server = _EmbeddedServer(config)
        self._task = asyncio.create_task(server.serve(sockets=[sock]), name="bot4-api")
        listening = asyncio.create_task(server.listening.wait())
        try:
            await asyncio.wait({self._task, listening}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            listening.cancel()
        if self._task.done():
            raise LifecycleError(
                "the API server stopped during startup"
            ) from self._task.exception()

    async def wait_closed(self) -> None:
        """Wait until the server stops (after `close()`, or if it fails)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """Stop accepting, finish requests in flight, and release the port."""
        server, task = self._server, self._task
        if server is None or task is None:
            return
        server.should_exit = True
        try:
            await task
        except Exception:
            # Already stopping; report and go on, so the node's own teardown still completes.
            log.exception("the API server failed")

    async def __aenter__(self) -> ApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def serve(
    app: ASGIApp,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    on_listening: Callable[[ApiServer], object] | None = None,
) -> None:
    """Serve `app` until cancelled, then stop cleanly (for `TaskGroup.create_task(serve(...))`).

    `on_listening(server)` runs once the port accepts connections (e.g. to print the URL).
    """
    server = ApiServer(app, host, port)
    try:
        await server.start()
        if on_listening is not None:
            on_listening(server)
        await server.wait_closed()
    finally:
        await server.close()
