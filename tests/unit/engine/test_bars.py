"""BarAggregator: bars from trades, closed at the boundary by the TimerQueue, empty ones skipped."""

from __future__ import annotations

import pytest

from bot4.clock import TestClock
from bot4.engine import BarAggregator, TimerQueue
from bot4.engine._bars import interval_code
from bot4.errors import ConfigValueError
from bot4.model import Candle, InstrumentId, Side, TradeTick

BTC = InstrumentId("BINANCE:BTCUSDT")
ETH = InstrumentId("BINANCE:ETHUSDT")
S = 1_000_000_000
WALL = 1_700_000_000 * S  # TestClock's default wall offset: a whole second, minute and hour


def _tick(iid: InstrumentId, price: int, qty: int, ts: int) -> TradeTick:
    return TradeTick(
        instrument_id=iid, price=price, qty=qty, aggressor=Side.BUY, trade_id="t",
        ts_event=ts, ts_init=ts,
    )  # fmt: skip


def _rig(start_ns: int = 0) -> tuple[TestClock, TimerQueue, BarAggregator]:
    clock = TestClock(start_ns)
    timers = TimerQueue()
    return clock, timers, BarAggregator(clock, timers)


def _step(clock: TestClock, timers: TimerQueue, to_ns: int) -> None:
    """The backtest driver: fire every timer due up to `to_ns` at its own time."""
    while (due := timers.next_due_ns()) is not None and due <= to_ns:
        clock.advance_to_ns(due)
        timers.fire_due(due)
    clock.advance_to_ns(to_ns)


def test_trades_make_one_closed_bar_per_interval_at_the_boundary() -> None:
    clock, timers, bars = _rig(start_ns=S // 4)
    got: list[Candle] = []
    bars.subscribe(BTC, 1.0, got.append)
    assert bars.wants(BTC) and not bars.wants(ETH)
    for at, price, qty in (
        (S // 4, 100, 1),
        (S // 2, 105, 2),
        (3 * S // 4, 98, 1),
        (S - 1, 101, 3),
    ):
        _step(clock, timers, at)
        bars.on_trade(_tick(BTC, price, qty, ts=at))
    assert got == []  # the boundary has not come
    _step(clock, timers, S)
    assert got == [
        Candle(
            instrument_id=BTC, interval="1s", open=100, high=105, low=98, close=101, volume=7,
            trades=4, closed=True, ts_open=WALL, ts_close=WALL + S, ts_event=S - 1,
            ts_init=WALL + S,
        )
    ]  # fmt: skip
    # An interval without trades makes no bar; the next trade opens its own interval.
    _step(clock, timers, 3 * S + S // 2)
    bars.on_trade(_tick(BTC, 110, 1, ts=3 * S))
    _step(clock, timers, 5 * S)
    assert [(b.ts_open - WALL, b.open, b.trades) for b in got] == [(0, 100, 4), (3 * S, 110, 1)]
    assert bars.bars_emitted == 2 and len(timers) == 0


def test_a_trade_past_the_boundary_closes_the_bar_before_its_timer_fires() -> None:
    clock, timers, bars = _rig()
    got: list[Candle] = []
    bars.subscribe(BTC, 1.0, got.append)
    bars.on_trade(_tick(BTC, 100, 1, ts=0))
    clock.advance_ns(S + 10)  # the timer is late (nobody fired it)
    bars.on_trade(_tick(BTC, 200, 1, ts=S + 10))
    assert [(b.close, b.ts_close - WALL) for b in got] == [(100, S)]
    assert len(timers) == 1  # the new bar's close; the old one's timer is gone
    timers.fire_due(2 * S)
    assert [b.close for b in got] == [100, 200]


def test_several_intervals_and_listeners_per_instrument() -> None:
    clock, timers, bars = _rig()
    one: list[Candle] = []
    five: list[Candle] = []
    also_one: list[Candle] = []
    bars.subscribe(ETH, 1.0, one.append)
    bars.subscribe(ETH, 5.0, five.append)
    bars.subscribe(ETH, 1.0, also_one.append)
    bars.on_trade(_tick(BTC, 1, 1, ts=0))  # not subscribed: ignored
    for second in range(5):
        _step(clock, timers, second * S)
        bars.on_trade(_tick(ETH, 10 + second, 1, ts=second * S))
    _step(clock, timers, 5 * S)
    assert [b.close for b in one] == [10, 11, 12, 13, 14] and also_one == one
    assert [(b.interval, b.open, b.close, b.volume) for b in five] == [("5s", 10, 14, 5)]


def test_interval_codes_and_the_smallest_interval() -> None:
    assert [interval_code(n) for n in (60 * S, 3600 * S, 86_400 * S, 15 * S, S // 2)] == [
        "1m", "1h", "1d", "15s", "500ms",
    ]  # fmt: skip
    with pytest.raises(ConfigValueError, match="bar interval"):
        _rig()[2].subscribe(BTC, 0.0001, lambda bar: None)
