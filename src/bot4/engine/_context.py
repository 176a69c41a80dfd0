"""NodeContext: what a strategy sees of the node (the `StrategyContext` it is bound to).

Orders go through `submit` -> `OrderManager.submit` (the risk check first) and nowhere else: a
strategy never reaches the venue. Before the run wires the OMS, and after a strategy was
stopped for raising, `submit` refuses (returns False) and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot4.oms import OrderStatus

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.engine._node_ops import NodeOps
    from bot4.engine._report import Latencies
    from bot4.engine._strategy import Strategy
    from bot4.marketdata import OrderBook
    from bot4.model import ClientOrderId, Instrument, InstrumentId, OrderRequest
    from bot4.oms import ClientOrderIds, OrderManager, Portfolio

__all__ = ["NodeContext"]


class NodeContext:
    """The node's side of `StrategyContext`: orders, positions, books, clock, decisions."""

    def __init__(
        self,
        *,
        clock: Clock,
        instruments: Mapping[InstrumentId, Instrument],
        books: Mapping[InstrumentId, OrderBook],
        portfolio: Portfolio,
        ids: ClientOrderIds,
        failed: Mapping[str, str],
        ops: NodeOps,
        latencies: Latencies,
        perf_ns: Callable[[], int],
    ) -> None:
        self.clock = clock
        self._instruments = instruments
        self._books = books  # the router's dict: the feed's current books
        self._portfolio = portfolio
        self._ids = ids
        self._failed = failed  # the router's: strategies stopped for raising
        self._ops = ops
        self._latencies = latencies
        self._observe = ops.metrics.observe_latency_ns
        self._perf = perf_ns
        self.oms: OrderManager | None = None  # set at run, after recovery
        self.orders_submitted = 0
        # Per instrument: the latest decision a strategy recorded and its wall time (--why).
        self.decisions: dict[InstrumentId, tuple[str, int]] = {}

    def instrument(self, instrument_id: InstrumentId) -> Instrument:
        return self._instruments[instrument_id]

    def book(self, instrument_id: InstrumentId) -> OrderBook | None:
        return self._books.get(instrument_id)

    def position_qty(self, instrument_id: InstrumentId) -> int:
        return self._portfolio.position_qty(instrument_id)

    def next_client_order_id(self) -> ClientOrderId:
        return self._ids.next()

    def submit(self, strategy: Strategy, request: OrderRequest) -> bool:
        oms = self.oms
        if oms is None or strategy.strategy_id in self._failed:
            return False
        t0 = self._perf()
        order = oms.submit(request)
        ns = self._perf() - t0
        self._latencies.add("submit", ns)
        self._observe("submit", ns)
        self.orders_submitted += 1
        return order.status is not OrderStatus.DENIED

    def cancel(self, strategy: Strategy, client_order_id: ClientOrderId) -> None:
        if self.oms is not None:
            self.oms.cancel(client_order_id)

    def open_order_ids(self, strategy: Strategy) -> list[ClientOrderId]:
        if self.oms is None:
            return []
        sid = strategy.strategy_id
        return [o.client_order_id for o in self.oms.open_orders() if o.strategy_id == sid]

    def record_decision(self, strategy: Strategy, instrument_id: InstrumentId, text: str) -> None:
        self.decisions[instrument_id] = (f"{strategy.strategy_id}: {text}", self.clock.time_ns())
        self._ops.on_decision(strategy.strategy_id)
