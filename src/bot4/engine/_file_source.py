"""FileSource: any data file `bot4 backtest` reads, replayed into a running node.

`bot4 run --data PATH...` paper-trades a recording (ours or cryptofeed's), Binance's public CSVs
or Tardis CSVs through the same node as a live feed: the events come already normalised, with
the books kept by the reader, at the recorded pace (`pace` 1.0), faster (2.0: twice as fast) or
as fast as the node reads (None). Each event reaches the node on its own: the reader has
already applied a book event to its book when it yields it, so a batch would show a strategy
the book after the batch's last event — the backtest (`bot4.backtest`) shows each event's book,
and the two must decide alike. The reader streams, so a file larger than memory is fine.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot4.marketdata import FeedStats
from bot4.marketdata.readers import OnError, open_data
from bot4.marketdata.sources.ws import ConnectionStats

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.marketdata import OrderBook
    from bot4.marketdata.readers import MarketData
    from bot4.marketdata.sources.ws import Sink
    from bot4.model import Instrument, InstrumentId
    from bot4.resilience import CircuitBreaker

__all__ = ["FileSource"]

YIELD_EVERY = 256  # unpaced: give the event loop a turn this often (API, ticks, Ctrl-C)


class FileSource:
    """Data files as the node's market data; also the node's view of the books and counters."""

    exchange = "data"  # the feed's name in metrics and the report

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        pace: float | None,
        start_ns: int | None = None,
        end_ns: int | None = None,
        on_error: OnError = "skip",
    ) -> None:
        self.data: MarketData = open_data(
            paths, start_ns=start_ns, end_ns=end_ns, on_error=on_error
        )
        self.pace = pace
        self.stats = FeedStats()  # messages = events read; errors = bad lines skipped
        self._feed: _FileFeed | None = None

    @property
    def feed(self) -> FileSource:
        return self

    @property
    def instruments(self) -> dict[InstrumentId, Instrument]:
        return self.data.instruments

    @property
    def symbols(self) -> dict[InstrumentId, str]:
        return {iid: str(iid) for iid in self.data.instruments}

    @property
    def books(self) -> Mapping[str, OrderBook]:
        """By instrument id (the node's symbol for an instrument of this source is its id)."""
        return cast("Mapping[str, OrderBook]", self.data.books)

    @property
    def frames_total(self) -> int:
        """Batches delivered so far (the total is known only at the end of a stream)."""
        return 0 if self._feed is None else self._feed.stats.frames

    async def connect(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        sink: Sink,
        clock: Clock,
        breakers: Mapping[str, CircuitBreaker],
    ) -> _FileFeed:
        self._feed = _FileFeed(self, sink, clock)
        return self._feed

    def finished(self, frames_read: int) -> bool:
        feed = self._feed
        return feed is not None and feed.done and frames_read >= feed.stats.frames


class _FileFeed:
    """The running replay: events to the sink one at a time, paced by the data."""

    def __init__(self, source: FileSource, sink: Sink, clock: Clock) -> None:
        self._clock = clock  # the node's: the pace is kept on its monotonic time
        self._source = source
        self._sink = sink
        self.stats = ConnectionStats()
        self.done = False
        self._closed = False

    async def run(self) -> None:
        src = self._source
        pace = src.pace
        now = self._clock.monotonic_ns
        start = now()
        first_ts: int | None = None
        last_ts: int | None = None
        try:
            self.stats.connects = 1
            for n, ev in enumerate(src.data, 1):
                if self._closed:
                    return
                ts = ev.ts_init
                if first_ts is None:
                    first_ts = ts
                if pace is None:
                    if not n % YIELD_EVERY:
                        await asyncio.sleep(0)
                elif ts != last_ts:
                    delay_ns = start + (ts - first_ts) / pace - now()
                    if delay_ns > 0:
                        await asyncio.sleep(delay_ns / 1e9)
                last_ts = ts
                self._deliver([ev])
        finally:
            src.stats.errors = src.data.errors.count
            self.done = True

    def _deliver(self, batch: list[Any]) -> None:
        if self._closed:
            return
        self.stats.frames += 1
        self.stats.events += len(batch)
        self._source.stats.messages += len(batch)
        self._source.stats.parsed += len(batch)
        self._sink(batch)

    async def close(self) -> None:
        self._closed = True
