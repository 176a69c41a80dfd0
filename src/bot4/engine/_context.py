"""NodeContext: what a strategy sees of the node (the `StrategyContext` it is bound to).

Orders go through `submit` -> `OrderManager.submit` (the risk check first) and nowhere else: a
strategy never reaches the venue. Before the run wires the OMS, and after a strategy was
stopped for raising, `submit` refuses (returns False) and nothing is sent.

Timers and bar callbacks run through `guard` (the router's: a callback that raises stops its
strategy alone), on the node's `TimerQueue`, keyed by ("timer", strategy id, name); a stopped
strategy's timers are dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot4.engine._strategy import Pnl
from bot4.errors import ConfigValueError
from bot4.oms import OrderStatus

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.engine._bars import BarAggregator
    from bot4.engine._node_ops import NodeOps
    from bot4.engine._report import Latencies
    from bot4.engine._strategy import Strategy
    from bot4.engine._timers import TimerQueue
    from bot4.marketdata import OrderBook
    from bot4.model import Candle, ClientOrderId, Instrument, InstrumentId, OrderRequest
    from bot4.oms import ClientOrderIds, Order, OrderManager, Portfolio


def _call(strategy: Strategy, hook: Callable[..., None], *args: Any) -> None:
    hook(*args)


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
        timers: TimerQueue,
        bars: BarAggregator,
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
        self.timers = timers
        self.bars = bars
        # Runs a strategy's callback; the node sets the router's guard (stop it if it raises).
        self.guard: Callable[..., None] = _call
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

    def replace(
        self, strategy: Strategy, client_order_id: ClientOrderId, qty: int | None, price: int | None
    ) -> bool:
        oms = self.oms
        if oms is None or strategy.strategy_id in self._failed:
            return False
        order = oms.orders.get(client_order_id)
        if order is None or order.strategy_id != strategy.strategy_id:
            return False  # not ours: a strategy changes only its own orders
        return oms.replace(
            client_order_id,
            order.qty if qty is None else qty,
            order.price if price is None else price,
        )

    def open_order_ids(self, strategy: Strategy) -> list[ClientOrderId]:
        return [o.client_order_id for o in self.open_orders(strategy)]

    def open_orders(self, strategy: Strategy) -> list[Order]:
        if self.oms is None:
            return []
        sid = strategy.strategy_id
        return [o for o in self.oms.open_orders() if o.strategy_id == sid]

    def pnl(self, instrument_id: InstrumentId | None) -> Pnl:
        p = self._portfolio
        if instrument_id is None:
            realized, unrealized = p.realized_pnl() - p.fees(), p.unrealized_pnl()
        else:
            pos = p.positions.get(instrument_id)
            if pos is None:
                realized = unrealized = 0
            else:
                realized = p.to_account(instrument_id, pos.realized_pnl - pos.fees)
                unrealized = p.to_account(instrument_id, pos.unrealized_pnl)
        exp = -p.account_precision
        return Pnl(Decimal(realized).scaleb(exp), Decimal(unrealized).scaleb(exp))

    # -- time and bars -----------------------------------------------------------------------
    def set_timer(
        self,
        strategy: Strategy,
        name: str,
        interval_ns: int,
        callback: Callable[[], None],
        repeat: bool,
    ) -> None:
        if interval_ns < 0:
            raise ConfigValueError(f"timer {name!r}: interval must be >= 0, got {interval_ns} ns")
        self.timers.schedule(
            ("timer", strategy.strategy_id, name),
            self.clock.monotonic_ns() + interval_ns,
            functools.partial(self._run, strategy, callback),
            interval_ns=interval_ns,
            repeat=repeat,
        )

    def cancel_timer(self, strategy: Strategy, name: str) -> bool:
        return self.timers.cancel(("timer", strategy.strategy_id, name))

    def cancel_timers(self, strategy: Strategy) -> int:
        """Drop every timer of `strategy` (it stopped); how many."""
        head = ("timer", strategy.strategy_id)
        return self.timers.cancel_where(lambda key: isinstance(key, tuple) and key[:2] == head)

    def subscribe_bars(
        self, strategy: Strategy, instrument_id: InstrumentId, interval_s: float
    ) -> None:
        if instrument_id not in self._instruments:
            raise ConfigValueError(f"no bars of {instrument_id}: the node does not trade it")
        self.bars.subscribe(instrument_id, interval_s, functools.partial(self._on_bar, strategy))

    def _run(self, strategy: Strategy, callback: Callable[[], None]) -> None:
        self.guard(strategy, callback)

    def _on_bar(self, strategy: Strategy, bar: Candle) -> None:
        self.guard(strategy, strategy.on_bar, bar)

    def record_decision(self, strategy: Strategy, instrument_id: InstrumentId, text: str) -> None:
        self.decisions[instrument_id] = (f"{strategy.strategy_id}: {text}", self.clock.time_ns())
        self._ops.on_decision(strategy.strategy_id)
