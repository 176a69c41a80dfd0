"""The Strategy base class: hooks for events, and an order API that always goes through risk.

One strategy class runs unchanged in a backtest, on paper and live: it takes time only from
`self.ctx.clock` and acts only through its context, never a venue, a socket or the system clock.
Its settings are a msgspec Struct it declares as `config_type` (decoded from its
`[strategies.config]` table, unknown keys refused); the node builds it as
`Class(strategy_id, instruments, config)`.

A strategy never talks to a venue. `submit_limit` / `submit_market` build an `OrderRequest`
and hand it to the node's `StrategyContext`, which runs the risk check and the OMS; the answer
(`None` when risk denied it) comes back at once. Everything a strategy does is recorded as its
`last decision` per instrument, which `bot4 status --why` shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Protocol

import msgspec

from bot4.errors import LifecycleError
from bot4.model import ClientOrderId, InstrumentId, OrderRequest, OrderType, Side, TimeInForce

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.marketdata import OrderBook
    from bot4.model import Candle, Instrument, OrderEvent, TradeTick
    from bot4.oms import Order

__all__ = ["NoConfig", "Pnl", "Strategy", "StrategyContext"]

_NS_PER_S = 1_000_000_000


class NoConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The settings of a strategy that has none (its `[strategies.config]` must be empty)."""


class Pnl(NamedTuple):
    """PnL in quote units (USDT): realized is net of fees; unrealized is at the mark."""

    realized: Decimal
    unrealized: Decimal


class StrategyContext(Protocol):
    """What the node offers a strategy; every order goes through risk and the OMS."""

    @property
    def clock(self) -> Clock: ...

    def instrument(self, instrument_id: InstrumentId) -> Instrument: ...

    def book(self, instrument_id: InstrumentId) -> OrderBook | None: ...

    def position_qty(self, instrument_id: InstrumentId) -> int: ...

    def next_client_order_id(self) -> ClientOrderId: ...

    def submit(self, strategy: Strategy, request: OrderRequest) -> bool:
        """True when risk accepted it and the OMS sent it; False when denied (reason recorded)."""
        ...

    def cancel(self, strategy: Strategy, client_order_id: ClientOrderId) -> None: ...

    def replace(
        self, strategy: Strategy, client_order_id: ClientOrderId, qty: int | None, price: int | None
    ) -> bool:
        """True when the replace was sent; False when the order cannot be replaced now."""
        ...

    def open_order_ids(self, strategy: Strategy) -> list[ClientOrderId]: ...

    def open_orders(self, strategy: Strategy) -> list[Order]: ...

    def pnl(self, instrument_id: InstrumentId | None) -> Pnl: ...

    def set_timer(
        self,
        strategy: Strategy,
        name: str,
        interval_ns: int,
        callback: Callable[[], None],
        repeat: bool,
    ) -> None: ...

    def cancel_timer(self, strategy: Strategy, name: str) -> bool: ...

    def subscribe_bars(
        self, strategy: Strategy, instrument_id: InstrumentId, interval_s: float
    ) -> None: ...

    def record_decision(
        self, strategy: Strategy, instrument_id: InstrumentId, text: str
    ) -> None: ...


class Strategy:
    """Base class: override the hooks you need. A hook that raises stops this strategy only.

    A subclass with settings declares `config_type = MyConfig` (a frozen msgspec Struct with
    `forbid_unknown_fields=True`, a default for every field) and annotates `config: MyConfig`.
    """

    # The Struct the entry's `[strategies.config]` table is decoded into.
    config_type: ClassVar[type[msgspec.Struct]] = NoConfig

    def __init__(
        self,
        strategy_id: str,
        instruments: Sequence[InstrumentId],
        config: msgspec.Struct | None = None,
    ) -> None:
        # Unique per node; carried on every order and journal record.
        self.strategy_id = strategy_id
        # The instruments whose events this strategy receives.
        self.instruments: tuple[InstrumentId, ...] = tuple(instruments)
        # The decoded settings (the config_type's defaults when none are given).
        self.config: msgspec.Struct = config if config is not None else self.config_type()
        # A logger named after the strategy: `bot4.strategy.<id>`.
        self.log = logging.getLogger(f"bot4.strategy.{strategy_id}")
        # Set by the node before on_start; None only while not running.
        self._ctx: StrategyContext | None = None
        # Per instrument: the strategy's lot in size units (see lot_size).
        self._lots: dict[InstrumentId, int] = {}

    # -- hooks --------------------------------------------------------------------------------
    def on_start(self) -> None:
        """Called once before any event."""

    def on_trade(self, tick: TradeTick) -> None:
        """A public trade on one of our instruments."""

    def on_book(self, book: OrderBook) -> None:
        """One of our books changed and is in sync."""

    def on_bar(self, bar: Candle) -> None:
        """A closed time bar of a series this strategy subscribed to (`subscribe_bars`)."""

    def on_order_event(self, event: OrderEvent) -> None:
        """An event of one of our own orders (accepted, filled, canceled, ...)."""

    def on_stop(self) -> None:
        """Called once at shutdown (the node cancels our open orders after it)."""

    # -- wiring -------------------------------------------------------------------------------
    def bind(self, ctx: StrategyContext | None) -> None:
        self._ctx = ctx

    @property
    def ctx(self) -> StrategyContext:
        if self._ctx is None:
            raise LifecycleError(f"strategy {self.strategy_id} is not bound to a node")
        return self._ctx

    def lot_size(self, instrument: Instrument, price: int, notional: int) -> int:
        """The strategy's lot on `instrument`: the qty worth `notional` quote units at `price`
        (rounded up to the instrument's lot), fixed at the first price seen so sizes stay
        comparable over a run. Exchange lots are far below the minimum notional, so sizing in
        exchange lots would have every order denied MIN_NOTIONAL."""
        lot = self._lots.get(instrument.id)
        if lot is None:
            scale = 10 ** (instrument.price_precision + instrument.size_precision)
            raw = -(-notional * scale // max(1, price))
            lot = self._lots[instrument.id] = -(-raw // instrument.lot) * instrument.lot
        return lot

    # -- order API ----------------------------------------------------------------------------
    def submit_limit(
        self,
        instrument_id: InstrumentId,
        side: Side,
        qty: int,
        price: int,
        time_in_force: TimeInForce = TimeInForce.GTC,
        *,
        reduce_only: bool = False,
    ) -> ClientOrderId | None:
        """Place a limit order; the id, or None when risk denied it."""
        return self._submit(
            instrument_id, side, OrderType.LIMIT, qty, price, time_in_force, reduce_only
        )

    def submit_market(
        self, instrument_id: InstrumentId, side: Side, qty: int, *, reduce_only: bool = False
    ) -> ClientOrderId | None:
        """Place a market order (IOC); the id, or None when risk denied it."""
        return self._submit(
            instrument_id, side, OrderType.MARKET, qty, None, TimeInForce.IOC, reduce_only
        )

    def cancel(self, client_order_id: ClientOrderId) -> None:
        self.ctx.cancel(self, client_order_id)

    def cancel_all(self) -> None:
        for coid in self.ctx.open_order_ids(self):
            self.ctx.cancel(self, coid)

    def replace(
        self, client_order_id: ClientOrderId, qty: int | None = None, price: int | None = None
    ) -> bool:
        """Change an open LIMIT order's qty and/or price (None keeps it) through risk and the
        OMS; False when it cannot be replaced now (not open, pending, qty above the original)."""
        return self.ctx.replace(self, client_order_id, qty, price)

    # -- queries ------------------------------------------------------------------------------
    def position(self, instrument_id: InstrumentId) -> int:
        """The node's signed position in size units (> 0 long)."""
        return self.ctx.position_qty(instrument_id)

    def pnl(self, instrument_id: InstrumentId | None = None) -> Pnl:
        """Realized (net of fees) and unrealized PnL in quote units, of one instrument or all."""
        return self.ctx.pnl(instrument_id)

    def open_orders(self) -> list[Order]:
        """This strategy's open orders."""
        return self.ctx.open_orders(self)

    # -- time ---------------------------------------------------------------------------------
    def set_timer(
        self, name: str, interval_s: float, callback: Callable[[], None], *, repeat: bool = True
    ) -> None:
        """Call `callback()` in `interval_s` seconds (then every `interval_s` when `repeat`), on
        the node's clock. Setting a name again replaces that timer."""
        self.ctx.set_timer(self, name, round(interval_s * _NS_PER_S), callback, repeat)

    def cancel_timer(self, name: str) -> bool:
        """Stop timer `name`; False when there was none."""
        return self.ctx.cancel_timer(self, name)

    def subscribe_bars(self, instrument_id: InstrumentId, interval_s: float) -> None:
        """Receive `on_bar` with time bars of `instrument_id` built from its trades: a bar
        closes at each `interval_s` boundary; intervals without trades make no bar."""
        self.ctx.subscribe_bars(self, instrument_id, interval_s)

    def decide(self, instrument_id: InstrumentId, text: str) -> None:
        """Record what we decided and why (shown by `bot4 status --why`)."""
        self.ctx.record_decision(self, instrument_id, text)

    def _submit(
        self,
        instrument_id: InstrumentId,
        side: Side,
        order_type: OrderType,
        qty: int,
        price: int | None,
        tif: TimeInForce,
        reduce_only: bool,
    ) -> ClientOrderId | None:
        ctx = self.ctx
        coid = ctx.next_client_order_id()
        request = OrderRequest(
            client_order_id=coid,
            instrument_id=instrument_id,
            side=side,
            order_type=order_type,
            qty=qty,
            price=price,
            time_in_force=tif,
            reduce_only=reduce_only,
            strategy_id=self.strategy_id,
            ts_init=ctx.clock.time_ns(),
        )
        return coid if ctx.submit(self, request) else None
