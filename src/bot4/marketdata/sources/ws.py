"""The WebSocket connection that drives a Sans-I/O `FeedHandler`: the only I/O of market data.

It reads as a loop (like websockets' `connect.__aiter__`): connect behind the venue's circuit
breaker, send the handler's subscribe frames, feed every frame to the handler and its events to
the sink, fetch the REST snapshots the handler asks for, and when the link drops — or goes stale,
or the handler wants a resync — tell the handler (`on_disconnect`: every book unsynced), back off
with jitter, and connect again. Backoff resets once a new connection has delivered data.

Frames are handled inside picows' `on_ws_frame` callback, synchronously, with no queue in
between: the hot path is socket -> parser -> book -> sink. Per read batch (`last_in_buffer`), not
per frame, it checks for wanted snapshots and `wants_reconnect`, and notes when data last came.

Bounds: frames over `max_frame_bytes` drop the link; at most `max_concurrent_snapshots` REST
requests run at once, each under `snapshot_timeout_s`; a handler's own diff buffer is the
handler's bound. Time comes from the injected `Clock` (ts_recv and the stale watchdog).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from picows import WSError, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from bot4.clock import Clock
from bot4.errors import CircuitOpenError, FeedError
from bot4.marketdata._handler import FeedHandler, SnapshotRequest
from bot4.marketdata.recorder import RecordingWriter
from bot4.marketdata.sources._backoff import Backoff
from bot4.marketdata.sources._ws_config import (
    Breaker,
    ConnectionConfig,
    ConnectionState,
    ConnectionStats,
    Sink,
)
from bot4.resilience import CircuitBreaker, CircuitConfig

if TYPE_CHECKING:
    # aiohttp costs ~0.3 s to import: it is loaded on the first snapshot fetch instead, so
    # importing bot4.marketdata (every CLI command) stays fast.
    import aiohttp

__all__ = [
    "DEFAULT_BREAKER",
    "Breaker",
    "ConnectionState",
    "ConnectionStats",
    "FeedConnection",
    "Sink",
    "default_breaker",
]

logger = logging.getLogger(__name__)


# A venue's default breaker: five failures in a row open it for 30 s (then one trial call).
DEFAULT_BREAKER = CircuitConfig(consecutive_failures=5, open_s=30.0)


def default_breaker(name: str, clock: Clock) -> CircuitBreaker:
    """The breaker a connection uses when none is given (named "<exchange>-ws" / "-rest")."""
    return CircuitBreaker(name, DEFAULT_BREAKER, clock)


class _Listener(WSListener):
    """picows callbacks: the per-frame hot path."""

    def __init__(self, conn: FeedConnection) -> None:
        self.conn = conn
        self.ended = asyncio.Event()  # set when the transport is gone

    def on_ws_connected(self, transport: WSTransport) -> None:
        # Attach here, not after ws_connect() returns: frames can arrive in the same loop turn
        # as the handshake, before the awaiting coroutine resumes.
        self.conn._attach(transport)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        msg_type = frame.msg_type
        if msg_type is WSMsgType.TEXT or msg_type is WSMsgType.BINARY:
            self.conn._on_data(frame.get_payload_as_bytes(), frame.last_in_buffer)
        elif msg_type is WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.ended.set()


class FeedConnection:
    """Keeps one exchange WebSocket connected and its handler's books in sync (see module doc).

    `rest_base` replaces scheme and host of the handler's snapshot URLs (a local replay server
    in tests: `http://127.0.0.1:PORT`). `breaker` guards connect attempts, `rest_breaker` the
    snapshot requests; both are `bot4.resilience.CircuitBreaker`s in production. `recorder`, when
    given, writes every frame sent and received and every snapshot (`bot4 record`).
    """

    def __init__(
        self,
        handler: FeedHandler,
        url: str,
        *,
        sink: Sink,
        clock: Clock,
        config: ConnectionConfig | None = None,
        breaker: Breaker | None = None,
        rest_breaker: Breaker | None = None,
        rest_base: str | None = None,
        http: aiohttp.ClientSession | None = None,
        recorder: RecordingWriter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.handler = handler
        self.url = url
        self.sink = sink
        self.clock = clock
        self.config = config or ConnectionConfig()
        # One breaker per venue around connect attempts and one around its REST API; a caller
        # that registers them elsewhere (GlobalCircuitBreaker, metrics) passes its own.
        self.breaker = breaker or default_breaker(f"{handler.exchange}-ws", clock)
        self.rest_breaker = rest_breaker or default_breaker(f"{handler.exchange}-rest", clock)
        self.rest_base = rest_base.rstrip("/") if rest_base else None
        self.recorder = recorder
        self.state = ConnectionState.IDLE
        self.stats = ConnectionStats()
        cfg = self.config
        self.backoff = Backoff(cfg.backoff_initial_s, cfg.backoff_max_s, cfg.backoff_factor, rng)
        self.generation = 0  # connections so far; a snapshot from an older one is discarded
        self._http = http  # shared session if given (not closed by us)
        self._own_http: aiohttp.ClientSession | None = None
        self._transport: WSTransport | None = None
        self._last_data_ns = 0  # clock.monotonic_ns() at the last data batch
        self._got_data = False  # this connection has delivered data (then backoff resets)
        self._dropping = False  # we are dropping this connection: ignore its remaining frames
        self._closing = asyncio.Event()
        self._in_flight: set[str] = set()  # symbols with a snapshot request running
        self._snapshot_tasks: set[asyncio.Task[None]] = set()
        self._snapshot_slots = asyncio.Semaphore(cfg.max_concurrent_snapshots)

    # ---- the hot path -------------------------------------------------------------------
    def _on_data(self, payload: bytes, last_in_buffer: bool) -> None:
        if self._dropping:
            # picows still hands over the rest of the read buffer after an abort; the handler
            # is about to be reset (on_disconnect), so these frames would only be discarded.
            self.stats.frames_after_drop += 1
            return
        ts = self.clock.time_ns()
        self.stats.frames += 1
        if self.recorder is not None:
            self.recorder.ws_recv(ts, payload.decode("utf-8", errors="replace"))
        events = self.handler.on_message(payload, ts)
        if events:
            self.stats.events += len(events)
            self.sink(events)
        if last_in_buffer:
            self._after_batch()

    def _after_batch(self) -> None:
        self._last_data_ns = self.clock.monotonic_ns()
        if not self._got_data:
            self._got_data = True
            self.backoff.reset()
        if self.handler.wants_reconnect:
            self._drop("the handler asked for a resync")
            self.stats.requested_reconnects += 1
            return
        for request in self.handler.pending_snapshots():
            self._start_snapshot(request)

    # ---- the loop -----------------------------------------------------------------------
    async def run(self) -> None:
        """Connect and reconnect until `close()`; raises FeedError when max_attempts is hit."""
        failures = 0
        try:
            while not self._closing.is_set():
                self.state = ConnectionState.CONNECTING
                try:
                    transport, listener = await self._connect()
                except CircuitOpenError as exc:
                    self.stats.breaker_rejections += 1
                    await self._back_off(max(exc.remaining_s, self.backoff.next_delay_s()))
                    continue
                except (OSError, WSError, TimeoutError) as exc:
                    self.stats.connect_failures += 1
                    failures += 1
                    logger.warning(
                        "%s: connect to %s failed: %r", self.handler.exchange, self.url, exc
                    )
                    limit = self.config.max_attempts
                    if limit is not None and failures >= limit:
                        raise FeedError(
                            f"{self.handler.exchange}: gave up after {failures} failed connects"
                            f" to {self.url}"
                        ) from exc
                    await self._back_off(self.backoff.next_delay_s())
                    continue
                failures = 0
                await self._connected(transport, listener)
                if not self._closing.is_set():
                    await self._back_off(self.backoff.next_delay_s())
        finally:
            self.state = ConnectionState.CLOSED
            await self._cancel_snapshots()
            if self._own_http is not None:
                await self._own_http.close()
                self._own_http = None

    async def _connect(self) -> tuple[WSTransport, _Listener]:
        cfg = self.config
        async with self.breaker.acquire(), asyncio.timeout(cfg.connect_timeout_s):
            transport, listener = await ws_connect(
                lambda: _Listener(self),
                self.url,
                websocket_handshake_timeout=cfg.connect_timeout_s,
                enable_auto_ping=True,
                auto_ping_idle_timeout=cfg.ping_idle_s,
                auto_ping_reply_timeout=cfg.ping_reply_timeout_s,
                max_frame_size=cfg.max_frame_bytes,
                logger_name="bot4.marketdata.sources.ws",
            )
        assert isinstance(listener, _Listener), "ws_connect returns ours"  # nosec B101
        return transport, listener

    def _attach(self, transport: WSTransport) -> None:
        """A handshake completed: this is now the connection; subscribe on it."""
        self.state = ConnectionState.CONNECTED
        self.stats.connects += 1
        self._transport = transport
        self._got_data = False
        self._dropping = False
        self._last_data_ns = self.clock.monotonic_ns()
        ts = self.clock.time_ns()
        if self.recorder is not None:
            self.recorder.ws_connect(self.url, ts)
        for text in self.handler.subscribe_messages():
            transport.send(WSMsgType.TEXT, text.encode())
            if self.recorder is not None:
                self.recorder.ws_sent(self.url, ts, text)

    async def _connected(self, transport: WSTransport, listener: _Listener) -> None:
        """Run one established connection until it ends."""
        assert self._transport is transport, "attached by on_ws_connected"  # nosec B101
        watchdog = asyncio.get_running_loop().create_task(self._watchdog(listener))
        try:
            try:
                await transport.wait_disconnected()
            except WSError as exc:
                # A protocol violation (oversized frame, bad opcode): picows closed the link.
                logger.warning("%s: connection error: %r", self.handler.exchange, exc)
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
            self._transport = None
            self.stats.disconnects += 1
            self.generation += 1
            self._in_flight.clear()
            self.handler.on_disconnect()
            self.state = ConnectionState.BACKING_OFF

    async def _watchdog(self, listener: _Listener) -> None:
        """Drop a connection that is up (pongs arrive) but has sent no data for stale_after_s."""
        while not listener.ended.is_set():
            await asyncio.sleep(self.config.watchdog_interval_s)
            if self.is_stale():
                self.stats.stale_timeouts += 1
                self._drop(f"no data for {self.config.stale_after_s}s")
                return

    def is_stale(self) -> bool:
        """True when the current connection has delivered no data for stale_after_s."""
        idle_ns = self.clock.monotonic_ns() - self._last_data_ns
        return self._transport is not None and idle_ns > self.config.stale_after_s * 1e9

    def _drop(self, reason: str) -> None:
        transport = self._transport
        if transport is not None and not self._dropping:
            self._dropping = True
            logger.info("%s: dropping the connection: %s", self.handler.exchange, reason)
            transport.disconnect(graceful=False)

    async def _back_off(self, delay_s: float) -> None:
        self.state = ConnectionState.BACKING_OFF
        self.stats.last_delay_s = delay_s
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay_s):
                await self._closing.wait()

    async def close(self) -> None:
        """Stop: end the connection and make `run()` return. Idempotent."""
        self._closing.set()
        transport = self._transport
        if transport is not None:
            transport.send_close()
            transport.disconnect()
        await self._cancel_snapshots()

    # ---- REST snapshots -----------------------------------------------------------------
    def rest_url(self, url: str) -> str:
        """The URL actually fetched: `rest_base` in place of the exchange's scheme and host."""
        if self.rest_base is None:
            return url
        parts = urlsplit(url)
        return f"{self.rest_base}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def _start_snapshot(self, request: SnapshotRequest) -> None:
        if request.symbol in self._in_flight:
            return
        self._in_flight.add(request.symbol)
        task = asyncio.get_running_loop().create_task(self._snapshot(request, self.generation))
        self._snapshot_tasks.add(task)
        task.add_done_callback(self._snapshot_tasks.discard)

    async def _snapshot(self, request: SnapshotRequest, generation: int) -> None:
        body = await self._fetch_with_retries(request)
        if generation != self.generation:
            # The connection it was for has ended: the handler reset its books since.
            self.stats.snapshots_discarded += 1
            return
        self._in_flight.discard(request.symbol)
        if body is None:
            self._drop(f"no snapshot for {request.symbol} after retries")
            return
        ts = self.clock.time_ns()
        if self.recorder is not None:
            self.recorder.http(request.url, ts, body.decode("utf-8", errors="replace"))
        self.stats.snapshots_applied += 1
        events = self.handler.on_snapshot(request, body, ts)
        if events:
            self.stats.events += len(events)
            self.sink(events)
        for more in self.handler.pending_snapshots():
            self._start_snapshot(more)

    async def _fetch_with_retries(self, request: SnapshotRequest) -> bytes | None:
        url = self.rest_url(request.url)
        retry = Backoff(
            self.config.backoff_initial_s, self.config.backoff_max_s, 2.0, self.backoff.rng
        )
        for _ in range(self.config.snapshot_retries):
            self.stats.snapshot_requests += 1
            try:
                async with self._snapshot_slots:
                    return await self._fetch(url)
            except (TimeoutError, CircuitOpenError, FeedError) as exc:
                self.stats.snapshot_failures += 1
                logger.warning("%s: snapshot %s failed: %r", self.handler.exchange, url, exc)
                await asyncio.sleep(retry.next_delay_s())
        return None

    async def _fetch(self, url: str) -> bytes:
        """GET one snapshot; any HTTP or transport failure is raised as FeedError."""
        import aiohttp

        if self._http is None:
            self._own_http = self._http = aiohttp.ClientSession()
        try:
            return await self._get(url)
        except aiohttp.ClientError as exc:
            raise FeedError(f"snapshot {url}: {exc!r}") from exc

    async def _get(self, url: str) -> bytes:
        assert self._http is not None, "_fetch opened the session"  # nosec B101
        async with (
            self.rest_breaker.acquire(),
            asyncio.timeout(self.config.snapshot_timeout_s),
            self._http.get(url) as resp,
        ):
            body = await resp.read()
            if resp.status != 200:
                raise FeedError(f"snapshot {url}: HTTP {resp.status}: {body[:200]!r}")
            return body

    async def wait_snapshots(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for the snapshot requests in flight; True if none is left."""
        tasks = list(self._snapshot_tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)
        return not self._snapshot_tasks

    async def _cancel_snapshots(self) -> None:
        tasks = list(self._snapshot_tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
