"""BarAggregator: time bars (`Candle`, `closed=True`) built from trades, closed by the clock.

A bar covers [start, start + interval) of wall time (`clock.time_ns()`), aligned to the epoch so
1-minute bars start on the minute. The first trade of an interval opens the bar and schedules its
close on the `TimerQueue` at the boundary (converted to the monotonic time the queue runs on);
the timer emits it. An interval without trades makes no bar (empty intervals are skipped). A
trade that arrives after the boundary but before the timer fired (a late timer) closes the old
bar first, so bars are always emitted in order and never hold trades of the next interval.

Pure: time comes from the injected clock, closing from whoever drives the TimerQueue.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot4.errors import ConfigValueError
from bot4.model import Candle

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.engine._timers import TimerQueue
    from bot4.model import InstrumentId, TradeTick

__all__ = ["BarAggregator", "interval_code"]

_NS_PER_S = 1_000_000_000
BarListener = Callable[[Candle], None]


def interval_code(interval_ns: int) -> str:
    """The bar's interval as venues write it: "1h", "5m", "15s" (ms when below a second)."""
    for unit, ns in (("d", 86_400 * _NS_PER_S), ("h", 3600 * _NS_PER_S), ("m", 60 * _NS_PER_S)):
        if interval_ns % ns == 0:
            return f"{interval_ns // ns}{unit}"
    if interval_ns % _NS_PER_S == 0:
        return f"{interval_ns // _NS_PER_S}s"
    return f"{interval_ns / 1e6:g}ms"


@dataclass(slots=True)
class _Open:
    """The bar being built: prices in price units, volume in size units."""

    start: int  # wall ns, a multiple of the interval
    open: int
    high: int
    low: int
    close: int
    volume: int
    trades: int
    ts_event: int  # the last trade's exchange time


class _Series:
    """The bars of one (instrument, interval): the open bar and who listens."""

    __slots__ = ("bar", "interval_ns", "key", "listeners")

    def __init__(self, key: tuple[InstrumentId, int]) -> None:
        self.key = key
        self.interval_ns = key[1]
        self.bar: _Open | None = None
        self.listeners: list[BarListener] = []


class BarAggregator:
    """Trades in, closed bars out to the listeners of each (instrument, interval)."""

    def __init__(self, clock: Clock, timers: TimerQueue) -> None:
        self._clock = clock
        self._timers = timers
        self._series: dict[InstrumentId, list[_Series]] = {}
        self.bars_emitted = 0

    def subscribe(
        self, instrument_id: InstrumentId, interval_s: float, listener: BarListener
    ) -> None:
        """Call `listener(bar)` with every closed bar of `instrument_id` at `interval_s`.

        Raises ConfigValueError for an interval under one millisecond.
        """
        interval_ns = round(interval_s * _NS_PER_S)
        if interval_ns < 1_000_000:
            raise ConfigValueError(f"bar interval must be >= 0.001 s, got {interval_s}")
        series = self._series.setdefault(instrument_id, [])
        for s in series:
            if s.interval_ns == interval_ns:
                s.listeners.append(listener)
                return
        s = _Series((instrument_id, interval_ns))
        s.listeners.append(listener)
        series.append(s)

    def wants(self, instrument_id: InstrumentId) -> bool:
        """True when some bar series is built from this instrument's trades."""
        return instrument_id in self._series

    def on_trade(self, tick: TradeTick) -> None:
        """Add one trade to every bar series of its instrument."""
        series = self._series.get(tick.instrument_id)
        if not series:
            return
        now = self._clock.time_ns()
        for s in series:
            bar = s.bar
            if bar is not None and now >= bar.start + s.interval_ns:
                self._close(s)  # its timer is late: the boundary has passed
                bar = None
            if bar is None:
                start = now - now % s.interval_ns
                s.bar = _Open(
                    start, tick.price, tick.price, tick.price, tick.price, tick.qty, 1,
                    tick.ts_event,
                )  # fmt: skip
                due = self._clock.monotonic_ns() + (start + s.interval_ns - now)
                self._timers.schedule(("bar", s.key), due, functools.partial(self._close, s))
                continue
            price = tick.price
            if price > bar.high:
                bar.high = price
            elif price < bar.low:
                bar.low = price
            bar.close = price
            bar.volume += tick.qty
            bar.trades += 1
            bar.ts_event = tick.ts_event

    def _close(self, s: _Series) -> None:
        bar = s.bar
        assert bar is not None, "only an open bar is closed (its timer goes with it)"  # nosec B101
        s.bar = None
        self._timers.cancel(("bar", s.key))
        candle = Candle(
            instrument_id=s.key[0],
            interval=interval_code(s.interval_ns),
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            trades=bar.trades,
            closed=True,
            ts_open=bar.start,
            ts_close=bar.start + s.interval_ns,
            ts_event=bar.ts_event,
            ts_init=self._clock.time_ns(),
        )
        self.bars_emitted += 1
        for listener in list(s.listeners):
            listener(candle)
