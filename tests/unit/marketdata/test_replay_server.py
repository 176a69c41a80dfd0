"""The replay WebSocket server and the snapshot HTTP server, over loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from tests.support.waiting import until

from bot4.clock import LiveClock, TestClock
from bot4.marketdata.feeds import BinanceSpotFeed
from bot4.marketdata.sources._ws_config import ConnectionConfig
from bot4.marketdata.sources.replay import (
    FileFrames,
    ReplayServer,
    SnapshotServer,
    _Frames,
    load_session,
)
from bot4.marketdata.sources.ws import FeedConnection

FAST = ConnectionConfig(backoff_initial_s=0.002, backoff_max_s=0.01)


def _conn(url: str, clock: LiveClock | TestClock | None = None) -> FeedConnection:
    return FeedConnection(
        BinanceSpotFeed(["BTCUSDT"]), url, sink=lambda e: None, clock=clock or LiveClock(),
        config=FAST,
    )  # fmt: skip


async def test_recorded_pace_keeps_the_gaps() -> None:
    clock = LiveClock()
    frames = [(i * 30_000_000, f'{{"x":{i}}}') for i in range(4)]  # 30 ms apart
    async with ReplayServer(frames, pace=1.0) as ws:
        conn = _conn(ws.url)
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.connects == 1)
        start = clock.monotonic_ns()
        await until(lambda: conn.stats.frames == 4)
        elapsed_ms = (clock.monotonic_ns() - start) / 1e6
        await conn.close()
        await task
    assert elapsed_ms >= 80  # 3 gaps of 30 ms (less the handshake's head start)
    with pytest.raises(ValueError, match="pace"):
        ReplayServer(frames, pace=0)


async def test_close_at_end_ends_the_connection_and_later_clients_get_nothing() -> None:
    async with ReplayServer(["a", "b"], close_at_end=True) as ws:
        conn = _conn(ws.url)
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.connects >= 2)
        await conn.close()
        await task
    assert ws.done.is_set()
    assert ws.stats.frames_sent == 2 and conn.stats.frames == 2
    assert conn.stats.disconnects >= 1


async def test_slow_client_gets_back_pressure_and_leaving_stops_the_stream() -> None:
    frame = '{"stream":"x","data":"' + "y" * 16_000 + '"}'
    async with ReplayServer([frame] * 3000) as ws:  # ~48 MB: more than any socket buffer
        conn = _conn(ws.url)
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.frames >= 100)
        await conn.close()
        await task
        await until(lambda: not ws._tasks)  # the sending task ended with the client
    assert ws.stats.write_pauses >= 1
    assert ws.stats.frames_sent < 3000
    assert not ws.done.is_set()


async def test_received_client_frames_are_bounded() -> None:
    async with ReplayServer([]) as ws:
        conn = _conn(ws.url)
        task = asyncio.create_task(conn.run())
        await until(lambda: len(ws.stats.received) == 1)
        ws.stats.received.extend(["x"] * 998)
        conn.handler.subscribe_messages = lambda: ["a", "b", "c"]  # type: ignore[method-assign]
        conn._drop("test")
        await until(lambda: conn.stats.connects == 2)
        await until(lambda: len(ws.stats.received) == 1000)
        await conn.close()
        await task
    assert ws.stats.received[-1] == "a"  # the 1000th kept; "b" and "c" were not
    await ws.close()  # idempotent


async def test_snapshot_server_order_repeat_404_and_failures() -> None:
    snaps = [
        ("https://api.binance.com/api/v3/depth?symbol=A&limit=1000", 2, "second"),
        ("https://api.binance.com/api/v3/depth?symbol=A&limit=1000", 1, "first"),
        ("https://api.binance.com/api/v3/exchangeInfo", 0, "info"),
    ]
    async with SnapshotServer(snaps) as http, aiohttp.ClientSession() as client:
        url = f"{http.base}/api/v3/depth?symbol=A&limit=1000"
        got = []
        for _ in range(3):
            async with client.get(url) as r:
                got.append(await r.text())
        assert got == ["first", "second", "second"]  # recorded order, then the last repeated
        async with client.get(f"{http.base}/api/v3/exchangeInfo") as r:
            assert await r.text() == "info"
        async with client.get(f"{http.base}/nope") as r:
            assert r.status == 404
        http.fail_next = 1
        async with client.get(url) as r:
            assert r.status == 503
        async with client.get(url) as r:
            assert r.status == 200
    assert http.requests[0] == "/api/v3/depth?symbol=A&limit=1000"
    await http.close()  # idempotent


def test_load_session_reads_the_shared_format(recordings: Path) -> None:
    s = load_session(recordings / "BINANCE.ws.1.0", recordings / "BINANCE.http.0.0")
    assert s.ws_url.startswith("wss://stream.binance.com")
    assert len(s.frames) == 265 and len(s.snapshots) == 4
    kraken = load_session(recordings / "KRAKEN.ws.50.0")
    assert kraken.sent and kraken.snapshots == []


def test_load_session_can_stream_from_the_file(recordings: Path) -> None:
    held = load_session(recordings / "BINANCE.ws.1.0", recordings / "BINANCE.http.0.0")
    streamed = load_session(
        recordings / "BINANCE.ws.1.0", recordings / "BINANCE.http.0.0", stream=True
    )
    assert isinstance(streamed.frames, FileFrames) and len(streamed.frames) == 265
    assert list(streamed.frames) == held.frames == list(streamed.frames)  # re-readable
    assert (streamed.ws_url, streamed.sent, streamed.snapshots) == (
        held.ws_url,
        held.sent,
        held.snapshots,
    )


def test_lazy_frames_hold_only_a_window() -> None:
    pulled = []

    def source():  # a generator: read only as the server asks
        for i in range(100):
            pulled.append(i)
            yield (i * 10, f"f{i}")

    frames = _Frames(source(), read_ahead=5)
    assert pulled == []
    assert frames.time(0) == 0 and len(pulled) == 6  # frame 0 and the read-ahead
    assert frames.chunk(0, 3) == [b"f0", b"f1", b"f2"]
    assert frames.chunk(3, 5) == [b"f3", b"f4"]
    assert len(frames._payloads) <= 2 + 5  # frames before the cursor are forgotten
    assert frames.available(40, 10) == 10  # skips 5..39 unread-or-forgotten
    assert frames.chunk(40, 41) == [b"f40"]  # already held: nothing more is read
    assert frames.chunk(50, 52) == [b"f50", b"f51"]
    assert frames.time(99) == 990 and frames.time(100) is None
    assert frames.chunk(99, 120) == [b"f99"] and frames.chunk(100, 101) == []
    assert frames.available(99, 5) == 1 and frames.available(200, 5) == 0
    skipping = _Frames(iter(["a", "b"]), read_ahead=0)
    assert skipping.chunk(5, 6) == [] and skipping.time(7) is None  # past the end
    held = _Frames(["a", "b", "c"], read_ahead=0)
    assert held.chunk(1, 5) == [b"b", b"c"] and held.time(2) == 0 and held.available(2, 4) == 1


async def test_streamed_frames_play_like_a_list_with_a_forced_disconnect() -> None:
    texts = [f'{{"x":{i}}}' for i in range(3000)]
    async with ReplayServer(
        iter(texts), disconnect_after=[1000], skip_on_reconnect=50, read_ahead=100
    ) as ws:
        conn = _conn(ws.url)
        task = asyncio.create_task(conn.run())
        await until(lambda: ws.done.is_set() and conn.stats.frames == 2950)
        await conn.close()
        await task
    assert ws.stats.frames_sent == 2950 and ws.stats.frames_skipped == 50
    assert ws.stats.forced_disconnects == 1 and conn.stats.connects == 2
    assert len(ws._frames._payloads) <= 100 + 512  # never the whole session


async def test_streamed_frames_keep_the_recorded_pace() -> None:
    clock = LiveClock()
    frames = ((i * 30_000_000, f'{{"x":{i}}}') for i in range(3))  # 30 ms apart
    async with ReplayServer(frames, pace=1.0) as ws:
        conn = _conn(ws.url)
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.connects == 1)
        start = clock.monotonic_ns()
        await until(lambda: conn.stats.frames == 3)
        elapsed_ms = (clock.monotonic_ns() - start) / 1e6
        await conn.close()
        await task
    assert elapsed_ms >= 50 and ws.done.is_set()
