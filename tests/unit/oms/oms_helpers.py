"""Builders shared by the OMS tests: instruments, books, events and a wired OrderManager."""

from __future__ import annotations

from typing import Any

import msgspec

from bot4.clock import TestClock
from bot4.marketdata import OrderBook
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
    instrument_id,
)
from bot4.oms import (
    InMemoryJournal,
    LiquiditySide,
    OrderAccepted,
    OrderFilled,
    OrderManager,
    OrderSubmitted,
    Portfolio,
)
from bot4.venues import PaperVenue, PaperVenueConfig


def make_instrument(symbol: str = "BTCUSDT") -> Instrument:
    return Instrument(
        id=instrument_id("BINANCE", symbol),
        exchange="BINANCE",
        symbol=symbol,
        base=symbol[:-4],
        quote="USDT",
        price_precision=2,
        size_precision=3,
    )


IID = make_instrument().id


def make_book(
    instrument: Instrument,
    bids: list[tuple[int, int]] | None = None,
    asks: list[tuple[int, int]] | None = None,
) -> OrderBook:
    book = OrderBook(instrument)
    for p, q in bids if bids is not None else [(9_990, 1_000), (9_980, 2_000), (9_970, 5_000)]:
        book.apply(Side.BUY, p, q)
    for p, q in asks if asks is not None else [(10_010, 1_000), (10_020, 2_000), (10_030, 5_000)]:
        book.apply(Side.SELL, p, q)
    book.synced = True
    return book


class Verdict(msgspec.Struct, frozen=True):
    """A risk verdict as the OMS reads it: a `reason` means Denied."""

    reason: str | None = None
    detail: str = ""


class QtyLimitRisk:
    """A real (tiny) RiskGate: denies requests above `max_qty`, records what it saw."""

    def __init__(self, max_qty: int = 10**12) -> None:
        self.max_qty = max_qty
        self.seen: list[OrderRequest] = []

    def check(self, request: OrderRequest) -> object:
        self.seen.append(request)
        if request.qty > self.max_qty:
            return Verdict("MAX_QTY", f"{request.qty} > {self.max_qty}")
        return Verdict()


def request(
    coid: str,
    *,
    iid: InstrumentId = IID,
    side: Side = Side.BUY,
    qty: int = 100,
    price: int | None = 9_900,
    order_type: OrderType = OrderType.LIMIT,
    tif: TimeInForce = TimeInForce.GTC,
    **kw: Any,
) -> OrderRequest:
    return OrderRequest(
        client_order_id=ClientOrderId(coid),
        instrument_id=iid,
        side=side,
        order_type=order_type,
        qty=qty,
        price=price,
        time_in_force=tif,
        ts_init=0,
        **kw,
    )


def submitted(coid: str = "O-1", qty: int = 100, **kw: Any) -> OrderSubmitted:
    fields: dict[str, Any] = {
        "client_order_id": ClientOrderId(coid),
        "instrument_id": IID,
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "time_in_force": TimeInForce.GTC,
        "qty": qty,
        "price": 10_000,
        "ts_event": 1,
    }
    fields.update(kw)
    return OrderSubmitted(**fields)


def accepted(coid: str = "O-1") -> OrderAccepted:
    return OrderAccepted(client_order_id=ClientOrderId(coid), venue_order_id="V-1", ts_event=2)


def filled(
    coid: str = "O-1",
    qty: int = 10,
    price: int = 10_000,
    fill_id: str = "T-1",
    side: Side = Side.BUY,
    fee: int = 0,
) -> OrderFilled:
    return OrderFilled(
        client_order_id=ClientOrderId(coid),
        instrument_id=IID,
        venue_order_id="V-1",
        fill_id=fill_id,
        side=side,
        last_qty=qty,
        last_price=price,
        fee=fee,
        liquidity=LiquiditySide.TAKER,
        ts_event=3,
    )


class Rig:
    """A wired OMS: TestClock, paper venue over real OrderBooks, in-memory journal."""

    def __init__(
        self,
        symbols: tuple[str, ...] = ("BTCUSDT",),
        *,
        latency_us: int = 0,
        risk: QtyLimitRisk | None = None,
        books: bool = True,
    ) -> None:
        self.clock = TestClock()
        self.instruments = {i.id: i for i in (make_instrument(s) for s in symbols)}
        self.books = {iid: make_book(inst) for iid, inst in self.instruments.items()}
        self.venue = PaperVenue(
            self.clock,
            PaperVenueConfig(latency_us=latency_us, maker_fee_ppm=100, taker_fee_ppm=500),
            self.books if books else {},
        )
        self.journal = InMemoryJournal()
        self.risk = risk or QtyLimitRisk()
        self.portfolio = Portfolio(self.instruments, clock=self.clock, starting_equity=10**12)
        self.oms = OrderManager(
            clock=self.clock,
            risk=self.risk,
            venue=self.venue,
            journal=self.journal,
            portfolio=self.portfolio,
        )
