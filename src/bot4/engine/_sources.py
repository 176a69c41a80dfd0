"""Where the node's market data comes from: one small class per kind of source.

A source starts what serves the data (inside the node's exit stack, so the node's teardown path
closes it) and returns the running `Feed` that turns it into events for the node's sink. It
also says when the data is over (a replay ends; a live feed runs until stopped) and how many
frames it had, for the report.

Today both sources are WebSocket feeds (`ws_feed`): `ReplaySource` serves a recorded dataset on
a local WebSocket, `LiveSource` connects to the exchange (or a stand-in the config names).
Recorded files elsewhere are a `ReplaySource` with another dataset; a message bus is one more
class whose `connect` returns its own `Feed` (events already normalised, the same counters),
registered in `_builder.SOURCES`; the node does not change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot4.marketdata.sources.replay import ReplayServer, SnapshotServer, load_session
from bot4.marketdata.sources.ws import FeedConnection

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.marketdata import FeedHandler, FeedStats, OrderBook
    from bot4.marketdata.sources.ws import ConnectionStats, Sink
    from bot4.model import Instrument, InstrumentId
    from bot4.resilience import CircuitBreaker

__all__ = ["DataSource", "Feed", "FeedState", "LiveSource", "ReplaySource", "ws_feed"]


class Feed(Protocol):
    """A running market-data feed: events to its sink until closed; counters for status."""

    stats: ConnectionStats

    async def run(self) -> None:
        """Deliver events until `close` (reconnecting as the feed's rules say)."""
        ...

    async def close(self) -> None:
        """Stop and end `run` (idempotent)."""
        ...


class FeedState(Protocol):
    """What the node reads of a source's feed: its name, current books and counters."""

    @property
    def exchange(self) -> str: ...

    @property
    def books(self) -> Mapping[str, OrderBook]: ...

    @property
    def stats(self) -> FeedStats: ...


class DataSource(Protocol):
    """A source of market data for the node: what it holds, and how to start it."""

    @property
    def feed(self) -> FeedState:
        """The books and counters (a feed handler; the file reader)."""
        ...

    @property
    def instruments(self) -> Mapping[InstrumentId, Instrument]:
        """The instruments the node trades on this source."""
        ...

    @property
    def symbols(self) -> Mapping[InstrumentId, str]:
        """Each instrument's key in `feed.books`."""
        ...

    @property
    def frames_total(self) -> int:
        """Frames the source holds (0 when unknown: a live feed)."""
        ...

    async def connect(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        sink: Sink,
        clock: Clock,
        breakers: Mapping[str, CircuitBreaker],
    ) -> Feed:
        """Start serving (servers entered into `stack`); the feed that reads it, not yet run."""
        ...

    def finished(self, frames_read: int) -> bool:
        """True once every frame the source will ever send has been read."""
        ...


def ws_feed(
    handler: FeedHandler,
    url: str,
    rest_base: str | None,
    *,
    sink: Sink,
    clock: Clock,
    breakers: Mapping[str, CircuitBreaker],
) -> FeedConnection:
    """A WebSocket feed for `handler`, guarded by its `<exchange>-ws` / `-rest` breakers;
    `rest_base` replaces the exchange's host in snapshot URLs (None: the exchange's own)."""
    exchange = handler.exchange
    return FeedConnection(
        handler, url, sink=sink, clock=clock, rest_base=rest_base,
        breaker=breakers[f"{exchange}-ws"], rest_breaker=breakers[f"{exchange}-rest"],
    )  # fmt: skip


class ReplaySource:
    """A recorded Binance dataset (`BINANCE.ws.1.0` + `BINANCE.http.0.0`) served locally.

    Frames are re-read from the file as they are sent (constant memory); `pace` keeps the
    recorded gaps (1.0), shrinks them (2.0: twice as fast) or drops them (None).
    """

    def __init__(
        self,
        dataset: Path,
        pace: float | None,
        handler: FeedHandler,
        instruments: Mapping[InstrumentId, Instrument],
    ) -> None:
        self.handler = self.feed = handler  # parses the frames and keeps the books
        self.instruments = instruments
        self.symbols = {iid: inst.symbol for iid, inst in instruments.items()}
        self.dataset = dataset
        self.pace = pace
        self._frames_total = 0
        self._ws: ReplayServer | None = None

    @property
    def frames_total(self) -> int:
        return self._frames_total

    async def connect(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        sink: Sink,
        clock: Clock,
        breakers: Mapping[str, CircuitBreaker],
    ) -> Feed:
        session = load_session(
            self.dataset / "BINANCE.ws.1.0", self.dataset / "BINANCE.http.0.0", stream=True
        )
        self._frames_total = len(session.frames)
        ws = self._ws = await stack.enter_async_context(
            ReplayServer(session.frames, pace=self.pace)
        )
        http = await stack.enter_async_context(SnapshotServer(session.snapshots))
        return ws_feed(self.handler, ws.url, http.base, sink=sink, clock=clock, breakers=breakers)

    def finished(self, frames_read: int) -> bool:
        ws = self._ws
        return ws is not None and ws.done.is_set() and frames_read >= ws.stats.frames_sent


class LiveSource:
    """The exchange's public market data (no keys needed); it never finishes by itself."""

    def __init__(
        self,
        ws_url: str,
        rest_base: str | None,
        handler: FeedHandler,
        instruments: Mapping[InstrumentId, Instrument],
    ) -> None:
        self.handler = self.feed = handler
        self.instruments = instruments
        self.symbols = {iid: inst.symbol for iid, inst in instruments.items()}
        self.ws_url = ws_url
        self.rest_base = rest_base  # None: the exchange's own REST host

    @property
    def frames_total(self) -> int:
        return 0

    async def connect(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        sink: Sink,
        clock: Clock,
        breakers: Mapping[str, CircuitBreaker],
    ) -> Feed:
        return ws_feed(
            self.handler, self.ws_url, self.rest_base, sink=sink, clock=clock, breakers=breakers
        )

    def finished(self, frames_read: int) -> bool:
        return False
