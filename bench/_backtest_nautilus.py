"""The peer for `bench backtest`: NautilusTrader 1.221's `BacktestEngine` on the same events.

Bot4's own offline replay decodes the recording into normalised events (`BookDeltas`,
`TradeTick`); `to_nautilus` converts them, untimed, into nautilus data objects: one
`OrderBookDeltas` per `BookDeltas` (a snapshot starts with a CLEAR, then one ADD per level; a
diff is one UPDATE per level, DELETE for size 0; the last delta carries F_LAST) and one
`TradeTick` per trade. Prices and sizes go through `from_raw` with nautilus' fixed scale, so
they are exact (nautilus' high-precision build scales by 10**16, ours by 10**precision).

`run_engine` builds a `BacktestEngine` (logging bypassed, post-run analysis off: neither is work
a backtest's event loop must do) with one simulated venue, `BINANCE`: a CASH account with ample
balances in every currency (so neither side's orders die for want of funds), L2 book matching
for book data; and one strategy. Only `engine.run()` is timed.

The strategies mirror bench/_backtest_strategy.py line for line:
- `NtQuoteTouch`: on every book update with both sides present, keep one GTC limit buy at the
  best bid and one sell at the best ask (cancel + new when the touch moves).
- `NtTradeVwap`: a running VWAP per instrument over every trade; no orders.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import nautilus_trader
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.config import (
    BacktestEngineConfig,
    LoggingConfig,
    RiskEngineConfig,
    StrategyConfig,
)
from nautilus_trader.model.book import OrderBook as NtOrderBook
from nautilus_trader.model.data import (
    BookOrder,
    OrderBookDelta,
    OrderBookDeltas,
    TradeTick,
)
from nautilus_trader.model.enums import (
    AccountType,
    AggressorSide,
    BookAction,
    BookType,
    OmsType,
    OrderSide,
    RecordFlag,
    TimeInForce,
)
from nautilus_trader.model.events import OrderEvent, OrderFilled
from nautilus_trader.model.identifiers import (
    ClientOrderId,
    InstrumentId,
    Symbol,
    TradeId,
    Venue,
)
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Currency, Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

from bot4.model import BookDeltas, Instrument, Side
from bot4.model import InstrumentId as Bot4InstrumentId
from bot4.model import TradeTick as Bot4TradeTick

VENUE = Venue("BINANCE")
VERSION = str(nautilus_trader.__version__)
# Nautilus' raw fixed-point scale (10**16 in the high-precision build, 10**9 otherwise).
_RAW_ONE = Price.from_str("1").raw
_RAW_DIGITS = len(str(_RAW_ONE)) - 1
_F_LAST = int(RecordFlag.F_LAST)
_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_STARTING_BALANCE = 10**6  # of every currency (more loses exactness in nautilus balance checks)


# -- conversion (untimed) ------------------------------------------------------------------------
def nt_instrument_id(inst: Instrument) -> InstrumentId:
    return InstrumentId(Symbol(inst.symbol), VENUE)


def nt_instrument(inst: Instrument) -> CurrencyPair:
    """A nautilus `CurrencyPair` with our instrument's precisions, tick and lot."""
    return CurrencyPair(
        instrument_id=nt_instrument_id(inst),
        raw_symbol=Symbol(inst.symbol),
        base_currency=Currency.from_str(inst.base, strict=False),
        quote_currency=Currency.from_str(inst.quote, strict=False),
        price_precision=inst.price_precision,
        size_precision=inst.size_precision,
        price_increment=nt_price(inst, inst.tick),
        size_increment=nt_qty(inst, inst.lot),
        ts_event=0,
        ts_init=0,
        maker_fee=Decimal(0),
        taker_fee=Decimal(0),
    )


def nt_price(inst: Instrument, units: int) -> Price:
    """Our fixed-point price as a nautilus Price, exactly."""
    return Price.from_raw(units * 10 ** (_RAW_DIGITS - inst.price_precision), inst.price_precision)


def nt_qty(inst: Instrument, units: int) -> Quantity:
    """Our fixed-point quantity as a nautilus Quantity, exactly."""
    return Quantity.from_raw(units * 10 ** (_RAW_DIGITS - inst.size_precision), inst.size_precision)


def nt_deltas(ev: BookDeltas, inst: Instrument, iid: InstrumentId) -> OrderBookDeltas:
    """A snapshot: CLEAR then ADD per level; a diff: UPDATE (DELETE for size 0) per level."""
    out: list[OrderBookDelta] = []
    seq, ts_event, ts_init = ev.sequence, ev.ts_event or ev.ts_init, ev.ts_init
    flags = _F_SNAPSHOT if ev.is_snapshot else 0
    n = len(ev.deltas)
    if ev.is_snapshot:  # the CLEAR ends the batch itself when the snapshot is empty
        clear_flags = flags | (_F_LAST if n == 0 else 0)
        out.append(OrderBookDelta(iid, BookAction.CLEAR, None, clear_flags, seq, ts_event, ts_init))
    for i, (side, price, qty) in enumerate(ev.deltas):
        nt_side = OrderSide.BUY if side is Side.BUY else OrderSide.SELL
        order = BookOrder(nt_side, nt_price(inst, price), nt_qty(inst, qty), 0)
        if ev.is_snapshot:
            action = BookAction.ADD
        else:
            action = BookAction.DELETE if qty == 0 else BookAction.UPDATE
        last = _F_LAST if i == n - 1 else 0
        out.append(OrderBookDelta(iid, action, order, flags | last, seq, ts_event, ts_init))
    return OrderBookDeltas(iid, out)


def nt_trade(ev: Bot4TradeTick, inst: Instrument, iid: InstrumentId) -> TradeTick:
    aggressor = {
        Side.BUY: AggressorSide.BUYER,
        Side.SELL: AggressorSide.SELLER,
        None: AggressorSide.NO_AGGRESSOR,
    }[ev.aggressor]
    return TradeTick(
        iid,
        nt_price(inst, ev.price),
        nt_qty(inst, ev.qty),
        aggressor,
        TradeId(ev.trade_id),
        ev.ts_event or ev.ts_init,
        ev.ts_init,
    )


def to_nautilus(
    events: Iterable[object], instruments: Mapping[Bot4InstrumentId, Instrument]
) -> list[OrderBookDeltas | TradeTick]:
    """Our BookDeltas and TradeTicks as nautilus data, in order; other events are dropped
    (nautilus has no book-ticker-without-book or candle here that the strategies use)."""
    ids = {iid: nt_instrument_id(inst) for iid, inst in instruments.items()}
    out: list[OrderBookDeltas | TradeTick] = []
    for ev in events:
        if isinstance(ev, BookDeltas):
            if ev.deltas or ev.is_snapshot:
                out.append(nt_deltas(ev, instruments[ev.instrument_id], ids[ev.instrument_id]))
        elif isinstance(ev, Bot4TradeTick):
            out.append(nt_trade(ev, instruments[ev.instrument_id], ids[ev.instrument_id]))
    return out


# -- strategies (the same shapes as bench/_backtest_strategy.py) -------------------------------
class NtQuoteTouch(Strategy):  # type: ignore[misc]
    """Keeps one GTC limit buy at the best bid and one sell at the best ask per instrument."""

    def __init__(self, qtys: Mapping[InstrumentId, Quantity]) -> None:
        super().__init__(
            StrategyConfig(strategy_id="QuoteTouch-001", log_events=False, log_commands=False)
        )
        self.qtys = dict(qtys)  # the fixed order size per instrument
        # (instrument, side) -> (client order id, price) of our working order there.
        self.working: dict[tuple[InstrumentId, OrderSide], tuple[ClientOrderId, Price]] = {}
        self.orders = 0  # orders submitted
        self.cancels = 0  # cancels sent
        self.fills = 0  # fill events of our orders

    def on_start(self) -> None:
        for iid in self.qtys:
            self.subscribe_order_book_deltas(iid, BookType.L2_MBP)

    def on_order_book_deltas(self, deltas: OrderBookDeltas) -> None:
        iid = deltas.instrument_id
        book: NtOrderBook = self.cache.order_book(iid)
        bid, ask = book.best_bid_price(), book.best_ask_price()
        if bid is None or ask is None:
            return
        self._touch(iid, OrderSide.BUY, bid)
        self._touch(iid, OrderSide.SELL, ask)

    def _touch(self, iid: InstrumentId, side: OrderSide, target: Price) -> None:
        key = (iid, side)
        live = self.working.get(key)
        if live is not None:
            if live[1] == target:
                return
            del self.working[key]
            order = self.cache.order(live[0])
            if order is not None and not order.is_closed:
                self.cancel_order(order)
                self.cancels += 1
        order = self.order_factory.limit(iid, side, self.qtys[iid], target, TimeInForce.GTC)
        self.working[key] = (order.client_order_id, target)
        self.orders += 1
        self.submit_order(order)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills += 1
        order = self.cache.order(event.client_order_id)
        if order is None or not order.is_closed:
            return
        # A closed order (filled, canceled, denied, rejected) is no longer working: the next
        # book update places a fresh one.
        for key, (coid, _) in list(self.working.items()):
            if coid == event.client_order_id:
                del self.working[key]


class NtTradeVwap(Strategy):  # type: ignore[misc]
    """A running VWAP per instrument over every trade; sends no orders."""

    def __init__(self, instrument_ids: Sequence[InstrumentId]) -> None:
        super().__init__(
            StrategyConfig(strategy_id="TradeVwap-001", log_events=False, log_commands=False)
        )
        self.instrument_ids = tuple(instrument_ids)
        self.pv: dict[InstrumentId, float] = {}  # sum of price * size
        self.volume: dict[InstrumentId, float] = {}  # sum of size
        self.trades = 0
        self.orders = 0
        self.fills = 0

    def on_start(self) -> None:
        for iid in self.instrument_ids:
            self.subscribe_trade_ticks(iid)

    def on_trade_tick(self, tick: TradeTick) -> None:
        iid = tick.instrument_id
        size = tick.size.as_double()
        self.pv[iid] = self.pv.get(iid, 0.0) + tick.price.as_double() * size
        self.volume[iid] = self.volume.get(iid, 0.0) + size
        self.trades += 1

    def vwap(self, iid: InstrumentId) -> float:
        return self.pv[iid] / self.volume[iid]


# -- the engine ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NtRun:
    """One timed `engine.run()`: events fed, seconds, and what the strategy did."""

    events: int
    elapsed_s: float
    orders: int
    fills: int
    cancels: int
    trades: int

    @property
    def events_per_s(self) -> float:
        return self.events / self.elapsed_s


def _engine(instruments: Sequence[Instrument], book_type: BookType) -> BacktestEngine:
    config = BacktestEngineConfig(
        trader_id="BENCH-001",
        logging=LoggingConfig(log_level="ERROR", bypass_logging=True),
        # The default submit throttle (100/s) would queue a quoter's orders; ours has none.
        risk_engine=RiskEngineConfig(
            max_order_submit_rate="100000000/00:00:01",
            max_order_modify_rate="100000000/00:00:01",
        ),
        run_analysis=False,
    )
    engine = BacktestEngine(config=config)
    currencies = {c for inst in instruments for c in (inst.base, inst.quote)}
    engine.add_venue(
        venue=VENUE,
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=None,
        starting_balances=[
            Money(_STARTING_BALANCE, Currency.from_str(c, strict=False)) for c in sorted(currencies)
        ],
        book_type=book_type,
    )
    for inst in instruments:
        engine.add_instrument(nt_instrument(inst))
    return engine


def run_engine(
    data: Sequence[OrderBookDeltas | TradeTick],
    instruments: Sequence[Instrument],
    strategy: NtQuoteTouch | NtTradeVwap,
) -> NtRun:
    """Feed `data` to a fresh BacktestEngine with `strategy`; time `engine.run()` alone."""
    has_book = any(isinstance(d, OrderBookDeltas) for d in data)
    engine = _engine(instruments, BookType.L2_MBP if has_book else BookType.L1_MBP)
    try:
        engine.add_data(list(data))
        engine.add_strategy(strategy)
        t0 = time.perf_counter()
        engine.run()
        elapsed = time.perf_counter() - t0
    finally:
        engine.dispose()
    trades = strategy.trades if isinstance(strategy, NtTradeVwap) else 0
    cancels = strategy.cancels if isinstance(strategy, NtQuoteTouch) else 0
    return NtRun(len(data), elapsed, strategy.orders, strategy.fills, cancels, trades)


def quote_qtys(
    qtys: Mapping[Bot4InstrumentId, int], instruments: Mapping[Bot4InstrumentId, Instrument]
) -> dict[InstrumentId, Quantity]:
    """Our per-instrument order sizes (size units) as nautilus Quantities."""
    return {nt_instrument_id(instruments[i]): nt_qty(instruments[i], q) for i, q in qtys.items()}


def describe() -> dict[str, Any]:
    return {"nautilus_version": VERSION}
