"""Serve a recorded (or synthetic) session over a real local WebSocket, for tests and benchmarks.

`ReplayServer` plays the exchange: every client that connects receives the session's frames from
a cursor shared by all connections, as fast as the socket takes them or at the recorded pace
(scaled by `pace`). It can cut a connection after chosen frames and skip some frames before the
next connection (what a client misses while it reconnects), which is how the end-to-end tests
force a resync. `SnapshotServer` (in `_snapshot_server.py`) answers the REST snapshot URLs.

Only 127.0.0.1 is meant here; the servers are test and benchmark infrastructure, not a product.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

from bot4.clock import Clock, LiveClock
from bot4.errors import FeedConfigError
from bot4.marketdata.sources._snapshot_server import SnapshotServer
from bot4.marketdata.sources.recording import read_records
from bot4.marketdata.synth import Session

__all__ = [
    "FileFrames",
    "RecordedSession",
    "ReplayServer",
    "ReplayStats",
    "SnapshotServer",
    "load_session",
]

logger = logging.getLogger(__name__)

_CHUNK = 512  # frames sent between yields to the loop (keeps the server fair to the client)
_MAX_RECEIVED = 1000  # client frames kept for inspection (bounded)


class FileFrames:
    """The received frames of a `.ws.N.0` file, read from disk each time they are iterated.

    For sessions too big to hold (a 3M-frame soak is ~2.6 GB as a list): `ReplayServer` reads
    it as it sends, and `len()` is the count made by one scan when it is built.
    """

    def __init__(self, path: Path) -> None:
        self.path = path  # the `.ws.N.0` file
        self._count = sum(1 for rec in read_records(path) if rec.kind == "recv")

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return ((rec.ts_ns, rec.body) for rec in read_records(self.path) if rec.kind == "recv")


@dataclass(slots=True)
class RecordedSession:
    """What a replay serves: received frames with their times, and the REST snapshots."""

    frames: list[tuple[int, str]] | FileFrames  # (ts_ns, text), in recorded order
    snapshots: list[tuple[str, int, str]] = field(default_factory=list)  # (url, ts_ns, body)
    ws_url: str = ""  # the URL the recorded client connected to
    sent: list[str] = field(default_factory=list)  # what the recorded client sent
    # frame index -> what the venue sends first to a client (re)connecting there (synthetic only)
    resubscribe_frames: dict[int, list[str]] = field(default_factory=dict)


def load_session(
    ws_file: Path, http_file: Path | None = None, stream: bool = False
) -> RecordedSession:
    """Read a `.ws.N.0` file (and optionally its `.http.0.0`); bad lines are skipped, not fatal.

    `stream=True` keeps no frame in memory: `frames` is a `FileFrames` over `ws_file`.
    """
    session = RecordedSession(frames=FileFrames(ws_file) if stream else [])
    frames = session.frames
    for rec in read_records(ws_file):
        if rec.kind == "recv":
            if isinstance(frames, list):
                frames.append((rec.ts_ns, rec.body))
        elif rec.kind == "connect" and not session.ws_url:
            session.ws_url = rec.url
        elif rec.kind == "sent":
            session.sent.append(rec.body)
    if http_file is not None:
        session.snapshots = [
            (r.url, r.ts_ns, r.body) for r in read_records(http_file) if r.kind == "http"
        ]
    return session


def from_synthetic(session: Session) -> RecordedSession:
    """A generated session as a replay serves it."""
    return RecordedSession(
        frames=list(session.frames),
        snapshots=list(session.snapshots),
        ws_url=session.ws_url,
        sent=list(session.sent),
        resubscribe_frames=dict(session.resubscribe_frames),
    )


@dataclass(slots=True)
class ReplayStats:
    """Counters of a replay server."""

    connections: int = 0  # clients accepted
    frames_sent: int = 0  # frames written to clients
    forced_disconnects: int = 0  # connections cut on purpose (`disconnect_after`)
    frames_skipped: int = 0  # frames no client received because of a forced disconnect
    write_pauses: int = 0  # times a client's socket buffer filled up (back-pressure applied)
    received: list[str] = field(default_factory=list)  # client text frames (first 1000)


class _Frames:
    """The frames a server plays, by index: payloads encoded once, and recorded times.

    A sequence is encoded up front. Any other iterable (a `FileFrames`, a generator) is read
    lazily: only frames from the cursor on are held, since the server's cursor only moves
    forward, and reading stops `read_ahead` frames past what was asked for.
    """

    def __init__(self, frames: Iterable[tuple[int, str] | str], read_ahead: int) -> None:
        self._read_ahead = read_ahead
        self._payloads: list[bytes] = []  # a sequence's frames, or held ones from `_base` on
        self._times: list[int] = []  # their recorded ts_ns (0 when unknown)
        self._base = 0  # index of `_payloads[0]`; moves only for a lazy source
        self._source: Iterator[tuple[int, str] | str] | None = None
        if isinstance(frames, Sequence):
            self._extend(frames)
        else:
            self._source = iter(frames)

    def _extend(self, items: Iterable[tuple[int, str] | str]) -> None:
        for item in items:
            ts, text = item if isinstance(item, tuple) else (0, item)
            self._payloads.append(text.encode())
            self._times.append(ts)

    def _hold(self, start: int, stop: int) -> None:
        """For a lazy source: drop frames before `start`, read on until `stop` is held."""
        assert start >= self._base, "frames are asked in order"  # nosec B101 - cursor only advances
        if self._source is None:
            return
        drop = min(start - self._base, len(self._payloads))
        if drop > 0:
            del self._payloads[:drop]
            del self._times[:drop]
            self._base += drop
        while self._base < start:  # skipping frames never read: read and forget them
            if next(self._source, None) is None:
                self._source = None
                return
            self._base += 1
        want = stop + self._read_ahead - self._base - len(self._payloads)
        if want > 0:
            before = len(self._payloads)
            self._extend(itertools.islice(self._source, want))
            if len(self._payloads) - before < want:
                self._source = None  # exhausted

    def time(self, i: int) -> int | None:
        """Recorded time of frame `i`, None past the last frame."""
        self._hold(i, i + 1)
        k = i - self._base
        return self._times[k] if 0 <= k < len(self._times) else None

    def chunk(self, start: int, stop: int) -> list[bytes]:
        """Payloads of frames start..stop-1 (fewer, or none, at the end)."""
        self._hold(start, stop)
        base = self._base
        return self._payloads[start - base : stop - base]

    def available(self, start: int, count: int) -> int:
        """How many of the `count` frames from `start` exist."""
        self._hold(start, start + count)
        return max(0, min(count, self._base + len(self._payloads) - start))


class _Listener(WSListener):
    def __init__(self, server: ReplayServer) -> None:
        self.server = server
        self.transport: WSTransport | None = None
        self.writable = asyncio.Event()  # cleared while the socket's write buffer is full
        self.writable.set()
        self.task: asyncio.Task[None] | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.task = asyncio.get_running_loop().create_task(self.server._serve(self))
        self.server._tasks.add(self.task)
        self.task.add_done_callback(self.server._tasks.discard)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.TEXT:
            received = self.server.stats.received
            if len(received) < _MAX_RECEIVED:
                received.append(frame.get_payload_as_utf8_text())
        elif frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.writable.set()
        if self.task is not None and not self.task.done():
            self.task.cancel()

    def pause_writing(self) -> None:
        self.server.stats.write_pauses += 1
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()


class ReplayServer:
    """A WebSocket server on 127.0.0.1 that plays frames to whoever connects.

    `pace=None` sends as fast as the client reads (back-pressure from the socket's write buffer);
    `pace=1.0` keeps the recorded gaps between frames, `2.0` twice as fast. After frame index `i`
    in `disconnect_after` is sent, the connection is cut (no close handshake, like a dropped
    link) and the next `skip_on_reconnect` frames are lost. A client that reconnects when the
    cursor is at `c` resumes at the first `i >= c` of `resubscribe_frames` and gets its frames
    first (Kraken's fresh snapshots); the frames in between are lost, as on a real reconnect.
    With `close_at_end` the server sends a normal close after the last frame; otherwise it stays
    connected and silent.
    `answer_pings=False` ignores the client's pings, like a peer whose link died silently.
    `frames` may be any iterable: a list is held (encoded once), anything else (a `FileFrames`
    from `load_session(..., stream=True)`, a generator) is read as it is sent, holding at most
    `read_ahead` frames beyond the cursor, so a long soak session needs constant memory.
    """

    def __init__(
        self,
        frames: Iterable[tuple[int, str] | str],
        *,
        pace: float | None = None,
        read_ahead: int = 4 * _CHUNK,
        disconnect_after: Sequence[int] = (),
        skip_on_reconnect: int = 0,
        close_at_end: bool = False,
        answer_pings: bool = True,
        resubscribe_frames: Mapping[int, Sequence[str]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        if pace is not None and pace <= 0:
            raise FeedConfigError(f"pace must be > 0 or None, got {pace}")
        # The frames by index; a non-sequence iterable is read as they are sent (bounded).
        self._frames = _Frames(frames, read_ahead)
        self.pace = pace
        self.disconnect_after = sorted(set(disconnect_after))  # frame indices to cut after
        self.skip_on_reconnect = skip_on_reconnect
        self.close_at_end = close_at_end
        self.answer_pings = answer_pings  # False plays a half-dead peer: the client's pings die
        # cursor -> frames sent first to a client that connects when the cursor is there
        self.resubscribe_frames = {
            i: [t.encode() for t in texts] for i, texts in (resubscribe_frames or {}).items()
        }
        self._resubscribe_points = sorted(self.resubscribe_frames)
        self.host = host
        self.port = port  # 0 = any free port; the bound one after start()
        self.clock = clock or LiveClock()
        self.stats = ReplayStats()
        self.cursor = 0  # next frame to send, shared by all connections
        self.done = asyncio.Event()  # set when the last frame has been sent
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/stream"

    async def start(self) -> None:
        def factory(request: WSUpgradeRequest) -> _Listener:
            return _Listener(self)

        self._server = await ws_create_server(
            factory, self.host, self.port, enable_auto_pong=self.answer_pings
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and end every connection; safe to call twice or before start()."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _serve(self, listener: _Listener) -> None:
        transport = listener.transport
        assert transport is not None, "on_ws_connected set it"  # nosec B101
        self.stats.connections += 1
        frames = self._frames
        send, text = transport.send, WSMsgType.TEXT
        if self.stats.connections > 1 and self._resubscribe_points:
            # A venue that resyncs in-stream (Kraken) answers the new subscription with fresh
            # snapshots of the book as it is now, before the live updates resume. "Now" is the
            # next point that has them: the frames before it are what the client missed.
            k = bisect.bisect_left(self._resubscribe_points, self.cursor)
            if k < len(self._resubscribe_points):
                point = self._resubscribe_points[k]
                self.stats.frames_skipped += point - self.cursor
                self.cursor = point
                for payload in self.resubscribe_frames[point]:
                    send(text, payload)
        start_mono = self.clock.monotonic_ns()
        start_ts = frames.time(self.cursor) or 0
        while True:
            i = self.cursor
            stop = i + _CHUNK
            if self.disconnect_after and self.disconnect_after[0] < stop:
                stop = self.disconnect_after[0] + 1
            if self.pace is not None:
                stop = i + 1
                ts = frames.time(i)
                if ts is None:
                    break
                wait_ns = (ts - start_ts) / self.pace - (self.clock.monotonic_ns() - start_mono)
                if wait_ns > 0:
                    await asyncio.sleep(wait_ns / 1e9)
            payloads = frames.chunk(i, stop)
            if not payloads:
                break
            for payload in payloads:
                send(text, payload)
            stop = i + len(payloads)
            self.stats.frames_sent += stop - i
            self.cursor = stop
            if self.disconnect_after and self.disconnect_after[0] == stop - 1:
                self.disconnect_after.pop(0)
                skipped = frames.available(stop, self.skip_on_reconnect)
                self.cursor += skipped
                self.stats.frames_skipped += skipped
                self.stats.forced_disconnects += 1
                # End the stream without a close frame, like a dropped link, but by a
                # half-close (FIN after the buffered frames): closing the socket outright
                # while the client's frames sit unread in it makes the kernel send RST, and
                # the client would lose frames we already counted as sent.
                transport.underlying_transport.write_eof()
                return
            await listener.writable.wait()
            await asyncio.sleep(0)
        self.done.set()
        if self.close_at_end:
            transport.send_close()
            transport.disconnect()
