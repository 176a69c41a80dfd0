"""What a backtest keeps for its report: fills, equity and exposure, prices, orders sent.

The recorder listens to the OMS (fills, orders submitted) and is sampled by the driver on the
simulated clock (equity, exposure, prices), so it sees what a live node would. Fixed-point
values become floats here, once, for the statistics; everything else stays as the engine had it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot4.backtest._inputs import EquityPoint, FillRecord, PricePoint
from bot4.model import LiquiditySide, OrderFilled, OrderSubmitted, Side

if TYPE_CHECKING:
    from bot4.marketdata import OrderBook
    from bot4.model import Instrument, InstrumentId
    from bot4.oms import Order, OrderEvent, Portfolio

__all__ = ["Recorder", "SentOrder"]

# One order as a strategy sent it: (strategy, instrument, side, type, qty, price, tif). The
# same-decisions check between a backtest and a paper run compares these lists.
SentOrder = tuple[str, str, str, str, int, int | None, str]


class Recorder:
    """Collects the report's raw series (see the module docstring)."""

    def __init__(
        self,
        instruments: Mapping[InstrumentId, Instrument],
        portfolio: Portfolio,
        books: Mapping[InstrumentId, OrderBook],
    ) -> None:
        self._instruments = instruments
        self._portfolio = portfolio
        self._books = books
        self._account = 10.0**portfolio.account_precision
        self._price_scale = {iid: 10.0**i.price_precision for iid, i in instruments.items()}
        self._size_scale = {iid: 10.0**i.size_precision for iid, i in instruments.items()}
        self.fills: list[FillRecord] = []
        self.equity: list[EquityPoint] = []
        self.prices: list[PricePoint] = []
        self.sent: list[SentOrder] = []
        self._last_price: dict[InstrumentId, int] = {}

    def on_order(self, order: Order, event: OrderEvent) -> None:
        """The OMS's listener: every fill, every order that went to the venue."""
        if isinstance(event, OrderFilled):
            iid = event.instrument_id
            ps, ss = self._price_scale[iid], self._size_scale[iid]
            self.fills.append(
                FillRecord(
                    ts_ns=event.ts_event,
                    strategy_id=order.strategy_id,
                    instrument=str(iid),
                    side="BUY" if event.side is Side.BUY else "SELL",
                    price=event.last_price / ps,
                    qty=event.last_qty / ss,
                    fee=event.fee / (ps * ss),
                    liquidity="MAKER" if event.liquidity is LiquiditySide.MAKER else "TAKER",
                )
            )
        elif isinstance(event, OrderSubmitted):
            self.sent.append(
                (
                    event.strategy_id,
                    str(event.instrument_id),
                    event.side.name,
                    event.order_type.name,
                    event.qty,
                    event.price,
                    event.time_in_force.name,
                )
            )

    def sample(self, ts_ns: int) -> None:
        """One point of equity and exposure, and each instrument's price if it moved: the
        book's mid, or the last trade's price for an instrument without a book."""
        p = self._portfolio
        a = self._account
        self.equity.append(
            EquityPoint(
                ts_ns=ts_ns,
                equity=p.equity() / a,
                gross_exposure=p.gross_exposure() / a,
                net_exposure=p.net_exposure() / a,
            )
        )
        books, positions = self._books, p.positions
        for iid in self._instruments:
            book = books.get(iid)
            if book is not None:
                price = book.mid() if book.synced else None
            else:  # trades only: the OMS marks every trade, so the mark is the last price
                pos = positions.get(iid)
                price = None if pos is None else pos.mark_price
            if price is not None and self._last_price.get(iid) != price:
                self._last_price[iid] = price
                self.prices.append(
                    PricePoint(
                        ts_ns=ts_ns, instrument=str(iid), price=price / self._price_scale[iid]
                    )
                )
