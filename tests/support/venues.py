"""A paper venue on a small real OrderBook, with order and trade builders (venue tests).

Book (2 price / 3 size decimals): bids 99.90 x1.000, 99.80 x2.000, 99.70 x5.000;
asks 100.10 x1.000, 100.20 x2.000, 100.30 x5.000.
"""

from __future__ import annotations

from bot4.clock import TestClock
from bot4.marketdata import OrderBook
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    LiquiditySide,
    OrderFilled,
    OrderSubmitted,
    OrderType,
    Side,
    TimeInForce,
    TradeTick,
    VenueEvent,
    instrument_id,
)
from bot4.venues import PaperVenue, PaperVenueConfig


def instrument(exchange: str = "BINANCE", symbol: str = "BTCUSDT") -> Instrument:
    return Instrument(
        id=instrument_id(exchange, symbol),
        exchange=exchange,
        symbol=symbol,
        base="BTC",
        quote="USDT",
        price_precision=2,
        size_precision=3,
    )


def book(inst: Instrument) -> OrderBook:
    b = OrderBook(inst)
    for p, q in ((9_990, 1_000), (9_980, 2_000), (9_970, 5_000)):
        b.apply(Side.BUY, p, q)
    for p, q in ((10_010, 1_000), (10_020, 2_000), (10_030, 5_000)):
        b.apply(Side.SELL, p, q)
    return b


class VenueRig:
    """A PaperVenue on the book above (one per instrument given), recording its events."""

    def __init__(self, config: PaperVenueConfig, *instruments: Instrument) -> None:
        self.clock = TestClock()
        self.instruments = instruments or (instrument(),)
        self.books = {inst.id: book(inst) for inst in self.instruments}
        self.venue = PaperVenue(self.clock, config, dict(self.books))
        self.events: list[VenueEvent] = []
        self.venue.set_event_handler(self.events.append)
        self._n = 0

    @property
    def iid(self) -> InstrumentId:
        return self.instruments[0].id

    def submit(
        self,
        side: Side,
        qty: int,
        price: int | None,
        *,
        tif: TimeInForce = TimeInForce.GTC,
        iid: InstrumentId | None = None,
        order_type: OrderType = OrderType.LIMIT,
        trigger: int | None = None,
    ) -> ClientOrderId:
        self._n += 1
        coid = ClientOrderId(f"O{self._n}")
        self.venue.submit(
            OrderSubmitted(
                client_order_id=coid,
                instrument_id=iid or self.iid,
                side=side,
                order_type=order_type,
                time_in_force=tif,
                qty=qty,
                price=price,
                trigger_price=trigger,
                ts_event=0,
            )
        )
        return coid

    def trade(
        self, price: int, qty: int, aggressor: Side | None, iid: InstrumentId | None = None
    ) -> None:
        self.venue.on_trade(
            TradeTick(
                instrument_id=iid or self.iid,
                price=price,
                qty=qty,
                aggressor=aggressor,
                trade_id="t",
                ts_event=5,
                ts_init=5,
            )
        )

    def fills(self) -> list[tuple[int, int, LiquiditySide, int]]:
        """(qty, price, liquidity, fee) of every fill so far."""
        return [
            (e.last_qty, e.last_price, e.liquidity, e.fee)
            for e in self.events
            if isinstance(e, OrderFilled)
        ]

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events]
