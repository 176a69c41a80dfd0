"""`CircuitMetrics`: a breaker's counters at one instant, for the API, Prometheus and logs."""

from __future__ import annotations

import msgspec

from bot4.resilience._events import CircuitState

__all__ = ["CircuitMetrics"]


class CircuitMetrics(msgspec.Struct, frozen=True, kw_only=True):
    """A consistent snapshot of one breaker (taken under its lock).

    Lifetime counts (`calls`, `successes`, ...) include half-open trials and stale outcomes;
    the `window_*` counts and the rates are the rolling window's, which a state change
    empties. `calls == successes + failures`; ignored outcomes and rejections are apart.
    """

    name: str
    state: CircuitState
    generation: int  # bumped by every state change
    calls: int  # recorded outcomes over the breaker's life
    successes: int
    failures: int
    slow_calls: int  # successes or failures that took at least slow_call_s
    rejections: int  # calls refused (OPEN, FORCED_OPEN, half-open exhausted)
    ignored: int  # ignored exceptions and cancellations: neither success nor failure
    stale: int  # outcomes reported by permits of an earlier generation (counted, not acted on)
    window_calls: int
    window_failures: int
    window_slow_calls: int
    failure_rate: float  # window_failures / window_calls (0.0 when empty)
    slow_call_rate: float  # window_slow_calls / window_calls (0.0 when empty)
    consecutive_failures: int
    half_open_in_flight: int  # trial permits out in this HALF_OPEN generation
    state_since_ns: int  # clock reading when the current state began
    opened_ns: int | None  # clock reading at the last trip to OPEN
    remaining_open_s: float  # OPEN: time until the next call becomes a trial; else 0.0
