"""Builders shared by the OMS tests: instruments, books, events and a wired OrderManager."""

from __future__ import annotations

from typing import Any

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
    bundled_instruments,
)
from bot4.oms import (
    InMemoryJournal,
    LiquiditySide,
    OrderAccepted,
    OrderFilled,
    OrderManager,
    OrderSubmitted,
    Portfolio,
    rebuild,
)
from bot4.risk import RiskConfig, RiskEngine
from bot4.venues import PaperVenue, PaperVenueConfig

INSTRUMENTS = bundled_instruments()
IID = InstrumentId("BINANCE:BTCUSDT")
# The tests write prices in cents of USDT and sizes in whole coins; these are the instrument's
# units for them (BTCUSDT and ETHUSDT have 8 price and 8 size decimals, Binance's wire precision).
CENT = 10 ** (INSTRUMENTS[IID].price_precision - 2)  # 0.01 USDT in BTCUSDT price units
BTC = 10 ** INSTRUMENTS[IID].size_precision  # one BTC in size units
ETH = 10 ** INSTRUMENTS[InstrumentId("BINANCE:ETHUSDT")].size_precision  # one ETH in size units


def px(inst: Instrument, quote_cents: int) -> int:
    """A price given in hundredths of the quote currency, in the instrument's price units,
    rounded down to its tick (a coarser tick than a cent takes the grid price below)."""
    return quote_cents * 10**inst.price_precision // 100 // inst.tick * inst.tick


def make_instrument(symbol: str = "BTCUSDT") -> Instrument:
    return INSTRUMENTS[InstrumentId(f"BINANCE:{symbol}")]


def make_book(
    instrument: Instrument,
    bids: list[tuple[int, int]] | None = None,
    asks: list[tuple[int, int]] | None = None,
) -> OrderBook:
    """A real OrderBook around 100.00: bids 99.90/99.80/99.70, asks 100.10/100.20/100.30,
    sizes 10/20/50 base units (unless given, in price/size units)."""
    book = OrderBook(instrument)
    one = 10**instrument.size_precision
    default_bids = [
        (px(instrument, c), n * one) for c, n in ((9_990, 10), (9_980, 20), (9_970, 50))
    ]
    default_asks = [
        (px(instrument, c), n * one) for c, n in ((10_010, 10), (10_020, 20), (10_030, 50))
    ]
    for p, q in bids if bids is not None else default_bids:
        book.apply(Side.BUY, p, q)
    for p, q in asks if asks is not None else default_asks:
        book.apply(Side.SELL, p, q)
    book.synced = True
    return book


def risk_config(**kw: Any) -> RiskConfig:
    """The engine's defaults, minus the identical-order window (tests send identical orders)."""
    fields: dict[str, Any] = {"duplicate_window_ms": 0}
    fields.update(kw)
    return RiskConfig(**fields)


def request(
    coid: str,
    *,
    iid: InstrumentId = IID,
    side: Side = Side.BUY,
    qty: int = BTC,
    price: int | None = 990_000 * CENT,
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
        "price": 1_000_000,
        "ts_event": 1,
    }
    fields.update(kw)
    return OrderSubmitted(**fields)


def accepted(coid: str = "O-1") -> OrderAccepted:
    return OrderAccepted(client_order_id=ClientOrderId(coid), venue_order_id="V-1", ts_event=2)


def filled(
    coid: str = "O-1",
    qty: int = 10,
    price: int = 1_000_000,
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
    """A wired OMS: TestClock, the real RiskEngine over the bundled instruments (reference
    prices at the books' mids), the paper venue over real OrderBooks, an in-memory journal."""

    def __init__(
        self,
        symbols: tuple[str, ...] = ("BTCUSDT",),
        *,
        latency_us: int = 0,
        config: RiskConfig | None = None,
        wire_kill_switch: bool = True,
        max_terminal_orders: int = 2000,
    ) -> None:
        self.clock = TestClock()
        self.instruments = {i.id: i for i in (make_instrument(s) for s in symbols)}
        self.books = {iid: make_book(inst) for iid, inst in self.instruments.items()}
        self.venue = PaperVenue(
            self.clock,
            PaperVenueConfig(latency_us=latency_us, maker_fee_ppm=100, taker_fee_ppm=500),
            self.books,
        )
        self.journal = InMemoryJournal()
        self.config = config or risk_config()
        self.risk = RiskEngine(self.instruments, self.config, self.clock)
        self.portfolio = Portfolio(self.instruments, clock=self.clock, starting_equity=10**14)
        self.oms = OrderManager(
            clock=self.clock,
            risk=self.risk,
            venue=self.venue,
            journal=self.journal,
            portfolio=self.portfolio,
            max_terminal_orders=max_terminal_orders,
        )
        if wire_kill_switch:
            self.risk.kill_switch.subscribe(self.oms.on_kill_switch)
        for iid, book in self.books.items():
            mid = book.mid()
            assert mid is not None
            self.oms.on_mark(iid, mid)

    def fresh_rebuild(self) -> tuple[OrderManager, RiskEngine]:
        """A new risk engine and portfolio, and an OMS rebuilt from this rig's journal."""
        risk = RiskEngine(self.instruments, self.config, self.clock)
        portfolio = Portfolio(self.instruments, clock=self.clock, starting_equity=10**14)
        for iid, book in self.books.items():
            mid = book.mid()
            assert mid is not None
            risk.on_price(iid, mid)
        oms = rebuild(
            self.journal,
            clock=self.clock,
            risk=risk,
            venue=self.venue,
            portfolio=portfolio,
            max_terminal_orders=self.oms.max_terminal_orders,
        )
        for iid, book in self.books.items():  # marks are market data: the next book update
            mid = book.mid()
            assert mid is not None
            oms.on_mark(iid, mid)
        return oms, risk


def snapshot(oms: OrderManager) -> dict[str, object]:
    """Every field of every order and position, and the account and open-order numbers (pending
    marks applied first, as anything reading positions in bulk does)."""
    oms.flush_marks()
    pf = oms.portfolio
    return {
        "orders": {
            coid: {name: getattr(o, name) for name in type(o).__slots__}
            for coid, o in oms.orders.items()
        },
        "positions": {
            iid: {name: getattr(p, name) for name in type(p).__slots__}
            for iid, p in pf.positions.items()
        },
        "account": (pf.realized_pnl(), pf.fees(), pf.unrealized_pnl(), pf.equity()),
        "open": (oms.open_order_count(), dict(oms._store._open_buy), dict(oms._store._open_sell)),
        "halted": oms.halted,
    }
