"""NodeCore: the parts of a node that are the same in every mode, built in one place.

A paper or live `TradingNode` and a backtest (`bot4.backtest`) both trade through exactly
these objects — the risk engine, the portfolio, the strategy context and the event router with
its metrics — so a strategy cannot tell the modes apart. What differs (data source, clock,
venue, storage) is handed in; the OMS is attached once it exists (a node recovers it from the
journal, a backtest starts an empty one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot4.engine._api_view import ACCOUNT_PRECISION
from bot4.engine._bars import BarAggregator
from bot4.engine._context import NodeContext
from bot4.engine._node_ops import NodeOps
from bot4.engine._report import Latencies
from bot4.engine._router import BookIndex, EventRouter
from bot4.engine._timers import TimerQueue
from bot4.oms import ClientOrderIds, Portfolio
from bot4.risk import RiskEngine

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.engine._strategy import Strategy
    from bot4.engine.config import NodeConfig
    from bot4.marketdata import OrderBook
    from bot4.model import Instrument, InstrumentId
    from bot4.oms import OrderManager
    from bot4.venues import ExecutionVenue

__all__ = ["NodeCore"]


class NodeCore:
    """Risk, portfolio, strategy context and router over the given clock, books and venue."""

    def __init__(
        self,
        config: NodeConfig,
        *,
        clock: Clock,
        instruments: Mapping[InstrumentId, Instrument],
        books_of: BookIndex,
        feed_name: str,
        symbols: Mapping[InstrumentId, str],
        venue: ExecutionVenue,
        strategies: Mapping[str, Strategy],
        perf_ns: Callable[[], int],
    ) -> None:
        self.instruments = dict(instruments)
        self.risk = RiskEngine(self.instruments, config.risk, clock)
        self.portfolio = Portfolio(
            self.instruments,
            clock=clock,
            starting_equity=config.starting_equity * 10**ACCOUNT_PRECISION,
            account_precision=ACCOUNT_PRECISION,
        )
        self.latencies = Latencies()
        self.ops = ops = NodeOps(clock, feed_name, strategies)
        self.ids = ClientOrderIds("N-")
        # The feed's current books and the strategies stopped for raising: the router writes
        # them, the context reads them.
        self.books: dict[InstrumentId, OrderBook] = {}
        failed: dict[str, str] = {}
        # The strategies' timers and the bars' closes, on the clock's monotonic time.
        self.timers = TimerQueue()
        self.bars = BarAggregator(clock, self.timers)
        self.context = NodeContext(
            clock=clock, instruments=self.instruments, books=self.books,
            portfolio=self.portfolio, ids=self.ids, failed=failed, ops=ops,
            latencies=self.latencies, perf_ns=perf_ns, timers=self.timers, bars=self.bars,
        )  # fmt: skip
        self.router = EventRouter(
            clock=clock, handler=books_of, symbols=symbols, venue=venue,
            strategies=strategies, context=self.context, books=self.books, failed=failed,
            ops=ops, latencies=self.latencies, perf_ns=perf_ns, bars=self.bars,
        )  # fmt: skip
        self.context.guard = self.router.guard
        self.oms: OrderManager | None = None

    def attach(self, oms: OrderManager) -> None:
        """Wire the OMS into the router and the context (orders flow from here on)."""
        self.oms = self.router.oms = self.context.oms = oms
        oms.subscribe(self.router.on_order)
