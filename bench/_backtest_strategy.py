"""Bot4's side of `bench backtest`: the two strategy shapes, as `bot4.engine.Strategy` subclasses.

They mirror bench/_backtest_nautilus.py's `NtQuoteTouch` / `NtTradeVwap` line for line, so the
two engines do the same work per event:
- `QuoteTouch`: on every book update with both sides present, keep one GTC limit buy at the best
  bid and one sell at the best ask of a fixed size (cancel + new when the touch moves).
- `TradeVwap`: a running VWAP per instrument over every trade; no orders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot4.engine import Strategy
from bot4.model import ClientOrderId, InstrumentId, OrderFilled, Side, TimeInForce

if TYPE_CHECKING:
    from bot4.marketdata import OrderBook
    from bot4.model import OrderEvent, TradeTick


class QuoteTouch(Strategy):
    """Keeps one GTC limit buy at the best bid and one sell at the best ask per instrument."""

    def __init__(self, strategy_id: str, qtys: Mapping[InstrumentId, int]) -> None:
        super().__init__(strategy_id, list(qtys))
        self.qtys = dict(qtys)  # the fixed order size per instrument, size units
        # (instrument, side) -> (client order id, price) of our working order there.
        self.working: dict[tuple[InstrumentId, Side], tuple[ClientOrderId, int]] = {}
        self.orders = 0  # orders submitted (risk may deny some: they count, as in nautilus)
        self.cancels = 0  # cancels sent
        self.fills = 0  # fill events of our orders

    def on_book(self, book: OrderBook) -> None:
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return
        iid = book.instrument.id
        self._touch(iid, Side.BUY, bid[0])
        self._touch(iid, Side.SELL, ask[0])

    def _touch(self, iid: InstrumentId, side: Side, target: int) -> None:
        key = (iid, side)
        live = self.working.get(key)
        if live is not None:
            if live[1] == target:
                return
            del self.working[key]
            if live[0] in self.ctx.open_order_ids(self):
                self.cancel(live[0])
                self.cancels += 1
        self.orders += 1
        coid = self.submit_limit(iid, side, self.qtys[iid], target, TimeInForce.GTC)
        if coid is not None:
            self.working[key] = (coid, target)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills += 1
        if event.client_order_id in self.ctx.open_order_ids(self):
            return
        # A closed order (filled, canceled, rejected) is no longer working: the next book
        # update places a fresh one.
        for key, (coid, _) in list(self.working.items()):
            if coid == event.client_order_id:
                del self.working[key]


class TradeVwap(Strategy):
    """A running VWAP per instrument over every trade; sends no orders."""

    def __init__(self, strategy_id: str, instruments: Sequence[InstrumentId]) -> None:
        super().__init__(strategy_id, instruments)
        self.pv: dict[InstrumentId, int] = {}  # sum of price * qty (price units * size units)
        self.volume: dict[InstrumentId, int] = {}  # sum of qty, size units
        self.trades = 0
        self.orders = 0
        self.fills = 0

    def on_trade(self, tick: TradeTick) -> None:
        iid = tick.instrument_id
        self.pv[iid] = self.pv.get(iid, 0) + tick.price * tick.qty
        self.volume[iid] = self.volume.get(iid, 0) + tick.qty
        self.trades += 1

    def vwap(self, iid: InstrumentId) -> float:
        """In price units (a float: analytics, not an order price)."""
        return self.pv[iid] / self.volume[iid]
