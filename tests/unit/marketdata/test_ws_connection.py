"""FeedConnection over real loopback sockets: breaker, backoff, watchdog, snapshots, bounds."""

from __future__ import annotations

import asyncio
import random
import socket

import pytest
from tests.support.waiting import until

from bot4.clock import LiveClock, TestClock
from bot4.errors import FeedError
from bot4.marketdata.feeds.binance import BinanceSpotFeed
from bot4.marketdata.sources._backoff import Backoff
from bot4.marketdata.sources._ws_config import ConnectionConfig
from bot4.marketdata.sources.replay import ReplayServer, SnapshotServer, from_synthetic
from bot4.marketdata.sources.ws import ConnectionState, FeedConnection
from bot4.marketdata.synth import binance_session
from bot4.resilience import CircuitBreaker, CircuitConfig, CircuitState

FAST = ConnectionConfig(
    backoff_initial_s=0.002, backoff_max_s=0.01, connect_timeout_s=2, snapshot_timeout_s=2
)
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def _free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session(messages: int = 600) -> object:
    return from_synthetic(binance_session(messages=messages, seed=5, depth=50, duration_s=1))


# ---- backoff ---------------------------------------------------------------------------------


def test_backoff_grows_caps_jitters_and_resets() -> None:
    b = Backoff(0.5, 4.0, 2.0, random.Random(1))
    delays = [b.next_delay_s() for _ in range(6)]
    caps = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    for d, cap in zip(delays, caps, strict=True):
        assert cap / 2 <= d <= cap
    assert len(set(delays)) == len(delays)  # jittered, not a fixed ladder
    b.reset()
    assert b.attempts == 0
    assert 0.25 <= b.next_delay_s() <= 0.5


def test_backoff_same_seed_same_delays_and_rejects_nonsense() -> None:
    a = Backoff(0.1, 1.0, 3.0, random.Random(7))
    b = Backoff(0.1, 1.0, 3.0, random.Random(7))
    assert [a.next_delay_s() for _ in range(5)] == [b.next_delay_s() for _ in range(5)]
    with pytest.raises(ValueError, match="bad backoff"):
        Backoff(2.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="bad backoff"):
        Backoff(0.1, 1.0, 0.5)


# ---- connect failures, breaker, max attempts ---------------------------------------------------


async def test_repeated_connect_failures_open_the_breaker() -> None:
    clock = TestClock()
    breaker = CircuitBreaker(
        "binance-ws",
        CircuitConfig(consecutive_failures=3, min_calls=100, open_s=60.0),
        clock=clock,
    )
    handler = BinanceSpotFeed(SYMBOLS)
    conn = FeedConnection(
        handler,
        f"ws://127.0.0.1:{_free_port()}/stream",
        sink=lambda events: None,
        clock=clock,
        config=FAST,
        breaker=breaker,
    )
    task = asyncio.create_task(conn.run())
    await until(lambda: conn.stats.breaker_rejections >= 1)
    # Refused three times, then the open breaker refuses without touching the network and the
    # connection waits out the breaker's remaining open time (60 s here) instead of hammering.
    assert conn.stats.connect_failures == 3
    assert breaker.state is CircuitState.OPEN
    assert conn.state is ConnectionState.BACKING_OFF
    assert conn.stats.last_delay_s >= 59.0
    await conn.close()
    await asyncio.wait_for(task, 5)
    assert conn.state is ConnectionState.CLOSED


async def test_each_venue_gets_its_own_breakers_by_default() -> None:
    clock = TestClock()
    conn = FeedConnection(
        BinanceSpotFeed(SYMBOLS), f"ws://127.0.0.1:{_free_port()}/stream",
        sink=lambda events: None, clock=clock, config=FAST,
    )  # fmt: skip
    assert isinstance(conn.breaker, CircuitBreaker) and conn.breaker.name == "binance-ws"
    assert isinstance(conn.rest_breaker, CircuitBreaker)
    assert conn.rest_breaker.name == "binance-rest"
    task = asyncio.create_task(conn.run())
    await until(lambda: conn.stats.breaker_rejections >= 1)
    await conn.close()
    await task
    assert conn.stats.connect_failures == 5  # DEFAULT_BREAKER: five in a row open it
    assert conn.breaker.state is CircuitState.OPEN


async def test_gives_up_after_max_attempts() -> None:
    conn = FeedConnection(
        BinanceSpotFeed(SYMBOLS),
        f"ws://127.0.0.1:{_free_port()}/stream",
        sink=lambda events: None,
        clock=LiveClock(),
        config=ConnectionConfig(backoff_initial_s=0.001, backoff_max_s=0.002, max_attempts=3),
    )
    with pytest.raises(FeedError, match="gave up after 3 failed connects"):
        await asyncio.wait_for(conn.run(), 10)
    assert conn.stats.connect_failures == 3
    assert conn.state is ConnectionState.CLOSED


async def test_backoff_resets_after_a_connection_delivers_data() -> None:
    session = _session()
    async with (
        ReplayServer(session.frames) as ws,  # type: ignore[attr-defined]
        SnapshotServer(session.snapshots) as http,  # type: ignore[attr-defined]
    ):
        conn = FeedConnection(
            BinanceSpotFeed(SYMBOLS), ws.url, sink=lambda e: None, clock=LiveClock(),
            config=FAST, rest_base=http.base,
        )  # fmt: skip
        conn.backoff.attempts = 5  # as if five attempts had failed before this one
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.frames > 0)
        assert conn.backoff.attempts == 0
        await conn.close()
        await task


# ---- watchdog and handler-requested reconnects ------------------------------------------------


async def test_watchdog_drops_a_silent_stream_and_reconnects() -> None:
    clock = TestClock()
    # A server that accepts and answers pings but sends no data: only the watchdog notices.
    async with ReplayServer([]) as ws:
        conn = FeedConnection(
            BinanceSpotFeed(SYMBOLS),
            ws.url,
            sink=lambda e: None,
            clock=clock,
            config=ConnectionConfig(
                stale_after_s=5.0, watchdog_interval_s=0.002, backoff_initial_s=0.001,
                backoff_max_s=0.002,
            ),
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.connects == 1)
        assert not conn.is_stale()
        clock.advance(4.9)
        assert not conn.is_stale()
        clock.advance(0.2)  # 5.1 s without data, on the test clock
        await until(lambda: conn.stats.connects == 2)
        assert conn.stats.stale_timeouts == 1
        assert ws.stats.connections == 2
        await conn.close()
        await task
    # After the drop the handler was told: its books are unsynced until a resync.
    assert conn.stats.disconnects == 2


async def test_unanswered_ping_drops_the_link_and_reconnects() -> None:
    # The peer accepts, then never answers a ping (a half-dead link): picows' keepalive, idle
    # after 50 ms and waiting 50 ms for the pong, closes it; the watchdog is not involved.
    async with ReplayServer([], answer_pings=False) as ws:
        conn = FeedConnection(
            BinanceSpotFeed(SYMBOLS), ws.url, sink=lambda e: None, clock=LiveClock(),
            config=ConnectionConfig(ping_idle_s=0.05, ping_reply_timeout_s=0.05,
                                    backoff_initial_s=0.001, backoff_max_s=0.002),
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.connects >= 2)
        await conn.close()
        await task
    assert conn.stats.disconnects >= 1
    assert conn.stats.stale_timeouts == 0


class _ResyncAfter(BinanceSpotFeed):
    """The Binance handler, asking once for a reconnect after `n` frames (as Kraken does on a
    checksum mismatch); its on_disconnect clears the flag."""

    def __init__(self, n: int) -> None:
        super().__init__(SYMBOLS)
        self.n = n

    def on_message(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        events = super().on_message(data, ts_recv_ns)
        if self.stats.messages == self.n:
            self.wants_reconnect = True
        return events


async def test_wants_reconnect_is_honoured_and_subscriptions_are_resent() -> None:
    session = _session()
    async with (
        ReplayServer(session.frames) as ws,  # type: ignore[attr-defined]
        SnapshotServer(session.snapshots) as http,  # type: ignore[attr-defined]
    ):
        handler = _ResyncAfter(100)
        conn = FeedConnection(
            handler, ws.url, sink=lambda e: None, clock=LiveClock(), config=FAST,
            rest_base=http.base,
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.connects == 2 and len(ws.stats.received) == 2)
        await conn.close()
        await task
    assert conn.stats.requested_reconnects == 1
    # The flag is checked once per read batch: the frames after the drop are not parsed.
    assert 100 <= conn.stats.frames < 600
    assert ws.stats.connections == 2
    subscribe = handler.subscribe_messages()[0]
    assert ws.stats.received.count(subscribe) == 2  # resubscribed after the reconnect
    assert not handler.wants_reconnect


# ---- snapshots ---------------------------------------------------------------------------------


async def test_snapshot_failures_are_retried_then_the_book_syncs() -> None:
    session = _session()
    async with (
        ReplayServer(session.frames) as ws,  # type: ignore[attr-defined]
        SnapshotServer(session.snapshots) as http,  # type: ignore[attr-defined]
    ):
        http.fail_next = 2
        handler = BinanceSpotFeed(SYMBOLS)
        conn = FeedConnection(
            handler, ws.url, sink=lambda e: None, clock=LiveClock(), config=FAST,
            rest_base=http.base,
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        await until(lambda: all(b.synced for b in handler.books.values()) and
                         len(handler.books) == 3)  # fmt: skip
        await conn.close()
        await task
    assert conn.stats.snapshot_failures == 2
    assert conn.stats.snapshot_requests == 5  # 3 symbols + 2 retries
    assert conn.stats.connects == 1


async def test_snapshot_that_never_comes_forces_a_reconnect() -> None:
    session = _session()
    async with (
        ReplayServer(session.frames) as ws,  # type: ignore[attr-defined]
        SnapshotServer(session.snapshots) as http,  # type: ignore[attr-defined]
    ):
        http.fail_next = 10**6
        conn = FeedConnection(
            BinanceSpotFeed(SYMBOLS), ws.url, sink=lambda e: None, clock=LiveClock(),
            config=ConnectionConfig(backoff_initial_s=0.001, backoff_max_s=0.002,
                                    snapshot_retries=2),
            rest_base=http.base,
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.connects >= 2)
        await conn.close()
        await task
    assert conn.stats.snapshot_failures >= 2
    assert conn.stats.snapshots_applied == 0


async def test_snapshot_breaker_refusals_count_as_failures() -> None:
    clock = TestClock()
    rest = CircuitBreaker(
        "binance-rest",
        CircuitConfig(consecutive_failures=1, min_calls=100, open_s=60.0),
        clock=clock,
    )
    session = _session()
    async with (
        ReplayServer(session.frames) as ws,  # type: ignore[attr-defined]
        SnapshotServer(session.snapshots) as http,  # type: ignore[attr-defined]
    ):
        http.fail_next = 1  # trips the breaker; later attempts are refused without a request
        conn = FeedConnection(
            BinanceSpotFeed(SYMBOLS), ws.url, sink=lambda e: None, clock=clock,
            config=ConnectionConfig(backoff_initial_s=0.001, backoff_max_s=0.002,
                                    snapshot_retries=2, max_concurrent_snapshots=1),
            rest_breaker=rest, rest_base=http.base,
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.snapshot_failures >= 3)
        await conn.close()
        await task
    assert rest.state is CircuitState.OPEN
    assert len(http.requests) == 1  # only the first attempt reached the server


async def test_hung_snapshot_times_out_and_is_retried() -> None:
    session = _session()
    async with (
        ReplayServer(session.frames) as ws,  # type: ignore[attr-defined]
        SnapshotServer(session.snapshots) as http,  # type: ignore[attr-defined]
    ):
        http.delay_s = 2.0  # the exchange hangs (far beyond the 50 ms timeout)
        conn = FeedConnection(
            BinanceSpotFeed(SYMBOLS), ws.url, sink=lambda e: None, clock=LiveClock(),
            config=ConnectionConfig(snapshot_timeout_s=0.05, snapshot_retries=2,
                                    backoff_initial_s=0.001, backoff_max_s=0.002),
            rest_base=http.base,
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        # Three symbols x two attempts, each cut at 50 ms; then the link is dropped to resync.
        await until(lambda: conn.stats.snapshot_failures >= 6 and conn.stats.connects >= 2)
        await conn.close()
        await task
    assert conn.stats.snapshots_applied == 0


async def test_handshake_that_never_completes_times_out() -> None:
    # A TCP listener that accepts and says nothing: the WebSocket upgrade never comes back.
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conn = FeedConnection(
        BinanceSpotFeed(SYMBOLS), f"ws://127.0.0.1:{port}/", sink=lambda e: None,
        clock=LiveClock(),
        config=ConnectionConfig(connect_timeout_s=0.05, max_attempts=2, backoff_initial_s=0.001,
                                backoff_max_s=0.002),
    )  # fmt: skip
    try:
        with pytest.raises(FeedError, match="gave up after 2"):
            await asyncio.wait_for(conn.run(), 10)
    finally:
        for w in accepted:
            w.close()
        server.close()
        await server.wait_closed()
    assert conn.stats.connect_failures == 2 and conn.stats.connects == 0
    assert len(accepted) == 2


async def test_unreachable_rest_host_counts_failures_with_a_shared_session() -> None:
    import aiohttp

    session = _session()
    async with ReplayServer(session.frames) as ws, aiohttp.ClientSession() as shared:  # type: ignore[attr-defined]
        conn = FeedConnection(
            BinanceSpotFeed(SYMBOLS), ws.url, sink=lambda e: None, clock=LiveClock(),
            config=ConnectionConfig(snapshot_retries=1, backoff_initial_s=0.001,
                                    backoff_max_s=0.002),
            rest_base=f"http://127.0.0.1:{_free_port()}", http=shared,
        )  # fmt: skip
        assert await conn.wait_snapshots(timeout_s=0.01)  # nothing in flight yet
        task = asyncio.create_task(conn.run())
        await until(lambda: conn.stats.snapshot_failures >= 3)
        await conn.close()
        await task
        assert not shared.closed  # a session it was given is the caller's to close
    assert conn.stats.snapshots_applied == 0


def test_rest_url_points_snapshots_at_the_local_server() -> None:
    conn = FeedConnection(
        BinanceSpotFeed(SYMBOLS), "ws://x", sink=lambda e: None, clock=TestClock(),
        rest_base="http://127.0.0.1:9999/",
    )  # fmt: skip
    url = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000"
    assert conn.rest_url(url) == "http://127.0.0.1:9999/api/v3/depth?symbol=BTCUSDT&limit=1000"
    assert conn.rest_url("https://h/x") == "http://127.0.0.1:9999/x"
    plain = FeedConnection(
        BinanceSpotFeed(SYMBOLS), "ws://x", sink=lambda e: None, clock=TestClock()
    )
    assert plain.rest_url(url) == url
    assert plain.state is ConnectionState.IDLE


async def test_close_is_idempotent_and_works_before_run() -> None:
    conn = FeedConnection(
        BinanceSpotFeed(SYMBOLS), "ws://127.0.0.1:1/", sink=lambda e: None, clock=TestClock()
    )
    await conn.close()
    await conn.close()
    await asyncio.wait_for(conn.run(), 5)  # returns at once: already closing
    assert conn.state is ConnectionState.CLOSED
    assert conn.stats.connects == 0
