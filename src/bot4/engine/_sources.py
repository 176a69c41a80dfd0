"""Where the node's market-data frames come from: one small class per kind of source.

A source opens what serves the frames (inside the node's exit stack, so the node's `close`
path tears it down) and says where the feed connection reads them: a WebSocket URL and the base
that replaces the exchange's in REST snapshot URLs. It also says when the data is over (a
replay ends; a live feed runs until stopped) and how many frames it had, for the report.

Today: `ReplaySource` (a recorded dataset on a local WebSocket) and `LiveSource` (the exchange
itself, or a stand-in the config names). Recorded files at another path are a `ReplaySource`
with another dataset; a message bus is one more class with this shape, registered in
`_builder.SOURCES`; the node does not change.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import NamedTuple, Protocol

from bot4.marketdata.replay import ReplayServer, SnapshotServer, load_session

__all__ = ["DataSource", "Endpoint", "LiveSource", "ReplaySource"]


class Endpoint(NamedTuple):
    """Where the feed connection reads: the WebSocket URL and the REST snapshot base."""

    ws_url: str
    rest_base: str | None  # None: the feed handler's own REST host


class DataSource(Protocol):
    """A source of market-data frames for the node's feed connection."""

    @property
    def frames_total(self) -> int:
        """Frames the source holds (0 when unknown: a live feed)."""
        ...

    async def open(self, stack: contextlib.AsyncExitStack) -> Endpoint:
        """Start serving (servers entered into `stack`); where the feed connects."""
        ...

    def finished(self, frames_read: int) -> bool:
        """True once every frame the source will ever send has been read."""
        ...


class ReplaySource:
    """A recorded Binance dataset (`BINANCE.ws.1.0` + `BINANCE.http.0.0`) served locally.

    Frames are re-read from the file as they are sent (constant memory); `pace` keeps the
    recorded gaps (1.0), shrinks them (2.0: twice as fast) or drops them (None).
    """

    def __init__(self, dataset: Path, pace: float | None) -> None:
        self.dataset = dataset
        self.pace = pace
        self._frames_total = 0
        self._ws: ReplayServer | None = None

    @property
    def frames_total(self) -> int:
        return self._frames_total

    async def open(self, stack: contextlib.AsyncExitStack) -> Endpoint:
        session = load_session(
            self.dataset / "BINANCE.ws.1.0", self.dataset / "BINANCE.http.0.0", stream=True
        )
        self._frames_total = len(session.frames)
        ws = self._ws = await stack.enter_async_context(
            ReplayServer(session.frames, pace=self.pace)
        )
        http = await stack.enter_async_context(SnapshotServer(session.snapshots))
        return Endpoint(ws.url, http.base)

    def finished(self, frames_read: int) -> bool:
        ws = self._ws
        return ws is not None and ws.done.is_set() and frames_read >= ws.stats.frames_sent


class LiveSource:
    """The exchange's public market data (no keys needed); it never finishes by itself."""

    def __init__(self, ws_url: str, rest_base: str | None) -> None:
        self.endpoint = Endpoint(ws_url, rest_base)

    @property
    def frames_total(self) -> int:
        return 0

    async def open(self, stack: contextlib.AsyncExitStack) -> Endpoint:
        return self.endpoint

    def finished(self, frames_read: int) -> bool:
        return False
