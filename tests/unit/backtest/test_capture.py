"""The recorder: fixed point in, the report's floats out, at the points the engine reached."""

from __future__ import annotations

from bot4.backtest._capture import Recorder
from bot4.clock import TestClock
from bot4.marketdata import OrderBook
from bot4.model import (
    ClientOrderId,
    Instrument,
    LiquiditySide,
    OrderFilled,
    OrderSubmitted,
    OrderType,
    Side,
    TimeInForce,
    instrument_id,
)
from bot4.oms import Order, Portfolio

BTC = Instrument(
    id=instrument_id("BINANCE", "BTCUSDT"), exchange="BINANCE", symbol="BTCUSDT",
    base="BTC", quote="USDT", price_precision=2, size_precision=3,
)  # fmt: skip
ETH = Instrument(
    id=instrument_id("BINANCE", "ETHUSDT"), exchange="BINANCE", symbol="ETHUSDT",
    base="ETH", quote="USDT", price_precision=2, size_precision=3,
)  # fmt: skip


def _rig() -> tuple[Recorder, Portfolio, OrderBook]:
    clock = TestClock()
    instruments = {BTC.id: BTC, ETH.id: ETH}
    portfolio = Portfolio(instruments, clock=clock, starting_equity=10**8, account_precision=4)
    book = OrderBook(BTC)
    book.apply(Side.BUY, 10_000, 5)
    book.apply(Side.SELL, 10_002, 5)
    book.synced = True
    return Recorder(instruments, portfolio, {BTC.id: book}), portfolio, book


def _submitted() -> OrderSubmitted:
    return OrderSubmitted(
        client_order_id=ClientOrderId("A"), instrument_id=BTC.id, side=Side.SELL,
        order_type=OrderType.LIMIT, time_in_force=TimeInForce.GTC, qty=1_500, price=10_001,
        strategy_id="s1", ts_event=1,
    )  # fmt: skip


def test_fills_and_sent_orders_become_report_records() -> None:
    recorder, _, _ = _rig()
    sent = _submitted()
    order = Order(sent)
    recorder.on_order(order, sent)
    fill = OrderFilled(
        client_order_id=sent.client_order_id, instrument_id=BTC.id, venue_order_id="v",
        fill_id="f", side=Side.SELL, last_qty=1_500, last_price=10_001, fee=15_002,
        liquidity=LiquiditySide.MAKER, ts_event=7,
    )  # fmt: skip
    recorder.on_order(order, fill)
    assert recorder.sent == [("s1", "BINANCE:BTCUSDT", "SELL", "LIMIT", 1_500, 10_001, "GTC")]
    [f] = recorder.fills
    assert (f.ts_ns, f.strategy_id, f.side, f.liquidity) == (7, "s1", "SELL", "MAKER")
    assert (f.price, f.qty, f.fee) == (100.01, 1.5, 0.15002)


def test_samples_take_equity_and_each_price_once_per_change() -> None:
    recorder, portfolio, book = _rig()
    recorder.sample(10)
    recorder.sample(20)  # the mid did not move: no new price point
    book.apply(Side.SELL, 10_002, 0)
    book.apply(Side.SELL, 10_004, 5)
    recorder.sample(30)
    portfolio.set_mark(ETH.id, 200_000)  # ETH has trades, no book: the last trade's mark
    portfolio.set_mark(BTC.id, 10_500)  # BTC has a book: its mid is the price
    recorder.sample(31)
    recorder.sample(32)  # nothing moved: nothing new
    assert [(p.ts_ns, p.instrument, p.price) for p in recorder.prices] == [
        (10, "BINANCE:BTCUSDT", 100.01),
        (30, "BINANCE:BTCUSDT", 100.02),
        (31, "BINANCE:ETHUSDT", 2000.0),
    ]
    assert [e.equity for e in recorder.equity] == [10_000.0] * 5
    book.synced = False
    recorder.sample(40)  # an unsynced book gives no price
    assert len(recorder.prices) == 3 and portfolio.gross_exposure() == 0
