"""Time for Bot4: the only module that reads the system clocks.

Every time-dependent part of Bot4 takes a `Clock`, so the core replays exactly in tests
(drive a `TestClock`) and runs unchanged live (a `LiveClock`).
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

from bot4.errors import ClockError

__all__ = ["Clock", "LiveClock", "TestClock"]

_NS_PER_S = 1_000_000_000


@runtime_checkable
class Clock(Protocol):
    """A source of monotonic time (for durations) and wall time (for records)."""

    def monotonic_ns(self) -> int:
        """Nanoseconds on a clock that never goes backwards; only differences mean anything."""
        ...

    def time_ns(self) -> int:
        """Nanoseconds since the Unix epoch (wall clock), for timestamps that leave the process."""
        ...


class LiveClock:
    """The system's clocks."""

    __slots__ = ()

    # The builtins themselves, not Python wrappers: `clock.monotonic_ns()` then costs what
    # `time.monotonic_ns()` does (measured: ~0.13 µs less per read, which is most of a
    # breaker's budget per protected call).
    monotonic_ns = staticmethod(time.monotonic_ns)
    time_ns = staticmethod(time.time_ns)

    def perf_ns(self) -> int:
        """The highest-resolution counter, for latency measurement only."""
        return time.perf_counter_ns()


class TestClock:
    """A clock that moves only when told to, like trio's `MockClock`.

    Both readings advance together: wall time is `wall_offset_ns + monotonic`. A test moves
    time with `advance(seconds)` or `advance_ns(ns)`; nothing else changes it, so a run replays
    exactly. Moving backwards is refused: the monotonic guarantee holds here too.
    """

    __test__ = False  # not a pytest test class
    __slots__ = ("_mono_ns", "_wall_offset_ns")

    def __init__(self, start_ns: int = 0, wall_offset_ns: int = 1_700_000_000 * _NS_PER_S) -> None:
        if start_ns < 0:
            raise ClockError(f"start_ns must be >= 0, got {start_ns}")
        # The current monotonic reading; only ever grows.
        self._mono_ns = start_ns
        # Wall time minus monotonic time: fixed, so wall time moves exactly with the clock.
        self._wall_offset_ns = wall_offset_ns

    def monotonic_ns(self) -> int:
        return self._mono_ns

    def time_ns(self) -> int:
        return self._wall_offset_ns + self._mono_ns

    def perf_ns(self) -> int:
        return self._mono_ns

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` (>= 0)."""
        self.advance_ns(round(seconds * _NS_PER_S))

    def advance_ns(self, ns: int) -> None:
        """Move time forward by `ns` nanoseconds (>= 0)."""
        if ns < 0:
            raise ClockError(f"a clock cannot go backwards: advance by {ns} ns")
        self._mono_ns += ns

    def advance_to_ns(self, ns: int) -> None:
        """Move time to `ns` on the monotonic reading (a backtest: the next event's time);
        a time at or before now leaves the clock where it is (events sharing a timestamp)."""
        self._mono_ns = max(self._mono_ns, ns)
