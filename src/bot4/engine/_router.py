"""EventRouter: every market-data batch and order event to the venue, the OMS and strategies.

Market data goes first to the paper venue (fills against the books as they are now), then to
the OMS's marks, then to the strategies of that instrument. An order event goes to the
strategy that owns the order. A strategy hook that raises stops that strategy alone: its open
orders are cancelled and its timers dropped, the others go on (`guard`). Every trade also
feeds the bar aggregator (before the trade hooks, so a bar its trade closed comes first).

The feed handler creates its books lazily (and anew after a reconnect): the router looks them
up by symbol and hands every new one to the venue.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from bot4.model import BookDeltas, TradeTick
from bot4.oms import OrderDenied, OrderFilled, OrderRejected

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.engine._bars import BarAggregator
    from bot4.engine._context import NodeContext
    from bot4.engine._node_ops import NodeOps
    from bot4.engine._report import Latencies
    from bot4.engine._strategy import Strategy
    from bot4.marketdata import OrderBook
    from bot4.model import InstrumentId
    from bot4.oms import Order, OrderEvent, OrderManager
    from bot4.venues import ExecutionVenue

__all__ = ["BookIndex", "EventRouter"]

log = logging.getLogger(__name__)


class BookIndex(Protocol):
    """Where the current books are, by the feed's symbol (a feed handler; a data file reader)."""

    @property
    def books(self) -> Mapping[str, OrderBook]: ...


class EventRouter:
    """Routes the feed's batches and the OMS's order events (see the module docstring)."""

    def __init__(
        self,
        *,
        clock: Clock,
        handler: BookIndex,
        symbols: Mapping[InstrumentId, str],
        venue: ExecutionVenue,
        strategies: Mapping[str, Strategy],
        context: NodeContext,
        books: dict[InstrumentId, OrderBook],
        failed: dict[str, str],
        ops: NodeOps,
        latencies: Latencies,
        perf_ns: Callable[[], int],
        bars: BarAggregator,
    ) -> None:
        self._clock = clock
        self._bars = bars
        self._handler = handler
        self._symbol = dict(symbols)  # instrument -> the feed's symbol
        self._venue = venue
        self.strategies = dict(strategies)  # by id, in the order given
        self._ops = ops
        self._latencies = latencies
        self._observe = ops.metrics.observe_latency_ns
        self._perf = perf_ns
        self._context = context  # cancels the orders of a strategy that raised
        self.oms: OrderManager | None = None  # set at run, after recovery
        # Shared with the context: the handler's current book per instrument, and the
        # strategies stopped for raising (strategy id -> why).
        self.books = books
        self.failed = failed
        self._for: dict[InstrumentId, list[Strategy]] = {}  # see _strategies_for
        self._failed_seen = 0
        self.fills = 0
        self.denials: Counter[str] = Counter()
        self.rejections: Counter[str] = Counter()

    # -- market data -------------------------------------------------------------------------
    def on_events(self, events: list[Any]) -> None:
        """The feed connection's sink: one batch of normalised events."""
        perf = self._perf
        t0 = perf()
        oms = self.oms
        if oms is None:  # events before run() wired the OMS cannot happen; never trade blind
            return
        self._ops.on_feed_batch(self._clock.monotonic_ns())
        venue = self._venue
        for ev in events:
            if isinstance(ev, BookDeltas):
                self.book(ev.instrument_id)
            venue.on_market_event(ev)
        t1 = perf()
        guard = self.guard
        bars = self._bars
        traded = self._symbol
        for ev in events:
            if isinstance(ev, TradeTick):
                if ev.instrument_id not in traded:  # the data holds more than the node trades
                    continue
                oms.on_mark(ev.instrument_id, ev.price)
                if bars.wants(ev.instrument_id):
                    bars.on_trade(ev)
                for s in self._strategies_for(ev.instrument_id):
                    guard(s, s.on_trade, ev)
            elif isinstance(ev, BookDeltas):
                book = self.book(ev.instrument_id)
                if book is None or not book.synced:
                    continue
                mid = book.mid()
                if mid is not None:
                    oms.on_mark(ev.instrument_id, mid)
                for s in self._strategies_for(ev.instrument_id):
                    guard(s, s.on_book, book)
        t2 = perf()
        self._latencies.add("venue", t1 - t0)
        self._latencies.add("strategies", t2 - t1)
        observe = self._observe
        observe("venue", t1 - t0)
        observe("strategies", t2 - t1)

    def on_event(self, ev: object) -> None:
        """One event, without stage timing or metrics: the backtest's path. The effects and
        their order are `on_events`' for a batch of one: venue, then marks, then strategies."""
        oms = self.oms
        if oms is None:
            return
        if isinstance(ev, BookDeltas):
            iid = ev.instrument_id
            book = self.book(iid)
            self._venue.on_market_event(ev)
            if book is None or not book.synced:
                return
            mid = book.mid()
            if mid is not None:
                oms.on_mark(iid, mid)
            for s in self._strategies_for(iid):
                self.guard(s, s.on_book, book)
        elif isinstance(ev, TradeTick):
            iid = ev.instrument_id
            if iid not in self._symbol:  # the data holds more than the node trades
                return
            self._venue.on_market_event(ev)
            oms.on_mark(iid, ev.price)
            bars = self._bars
            if bars.wants(iid):
                bars.on_trade(ev)
            for s in self._strategies_for(iid):
                self.guard(s, s.on_trade, ev)

    def book(self, iid: InstrumentId) -> OrderBook | None:
        """The handler's current book of `iid` (a new one is handed to the venue first)."""
        symbol = self._symbol.get(iid)
        book = None if symbol is None else self._handler.books.get(symbol)
        if book is not None and self.books.get(iid) is not book:
            self.books[iid] = book
            self._venue.add_book(iid, book)
        return book

    def _strategies_for(self, iid: InstrumentId) -> list[Strategy]:
        """The running strategies of `iid`, in order; cached until a strategy fails."""
        failed = self.failed
        if len(failed) != self._failed_seen:
            self._for.clear()
            self._failed_seen = len(failed)
        found = self._for.get(iid)
        if found is None:
            found = self._for[iid] = [
                s
                for sid, s in self.strategies.items()
                if sid not in failed and iid in s.instruments
            ]
        return found

    # -- strategies ----------------------------------------------------------------------------
    def guard(self, strategy: Strategy, hook: Callable[..., None], *args: Any) -> None:
        """Run one hook; if it raises, stop that strategy and cancel its orders."""
        if strategy.strategy_id in self.failed:
            return
        try:
            hook(*args)
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            self.failed[strategy.strategy_id] = why
            log.error("strategy %s stopped: %s", strategy.strategy_id, why)
            ctx = self._context
            ctx.cancel_timers(strategy)
            for coid in ctx.open_order_ids(strategy):
                ctx.cancel(strategy, coid)

    def on_order(self, order: Order, event: OrderEvent) -> None:
        """The OMS's subscriber: tallies, metrics, then the owning strategy's hook."""
        if isinstance(event, OrderFilled):
            self.fills += 1
        elif isinstance(event, OrderDenied):
            self.denials[event.reason] += 1
        elif isinstance(event, OrderRejected):
            self.rejections[event.reason] += 1
        self._ops.on_order(order, event)
        s = self.strategies.get(order.strategy_id)
        if s is not None:
            self.guard(s, s.on_order_event, event)
