"""`CircuitConfig`: the numbers that decide when a breaker trips and how it recovers."""

from __future__ import annotations

import math
from fractions import Fraction

import msgspec

from bot4.errors import ConfigError

__all__ = ["CircuitConfig", "rate_fraction"]

_NS_PER_S = 1_000_000_000
# Narrower buckets than this buy nothing (clock jitter) and cost memory per window.
MIN_BUCKET_NS = 1_000_000


class CircuitConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When a breaker trips and how it recovers; validated when built.

    A config that cannot work raises `ConfigError` naming the field and the value. The
    classification of outcomes (which exceptions count, a result predicate) is not here but
    on the breaker: it holds Python objects, and this Struct stays decodable from TOML.
    """

    window_s: float = 10.0  # length of the rolling window
    buckets: int = 10  # time buckets in the window; a bucket expires as a whole
    min_calls: int = 10  # calls in the window before the rates are judged
    failure_rate: float = 0.5  # in (0, 1]: trip when failures / calls >= this
    slow_call_s: float | None = None  # a call at least this long is slow; None: not tracked
    slow_call_rate: float = 1.0  # in (0, 1]: trip when slow calls / calls >= this
    consecutive_failures: int | None = None  # trip after this many failures in a row; None: off
    max_failures_in_window: int | None = None  # trip at this many failures in the window; None: off
    open_s: float = 30.0  # OPEN lasts this long before the next call is a half-open trial
    half_open_max_concurrent: int = 1  # trial calls allowed in flight at once
    half_open_successes: int = 1  # trial successes that close the circuit
    max_wait_half_open_s: float | None = 60.0  # HALF_OPEN longer than this reopens; None: never

    def __post_init__(self) -> None:
        _positive_int(self, "buckets")
        _positive_int(self, "min_calls")
        _positive_int(self, "half_open_max_concurrent")
        _positive_int(self, "half_open_successes")
        _positive_int(self, "consecutive_failures", optional=True)
        _positive_int(self, "max_failures_in_window", optional=True)
        _rate(self, "failure_rate")
        _rate(self, "slow_call_rate")
        _duration(self, "window_s", allow_zero=False)
        _duration(self, "open_s", allow_zero=True)
        _duration(self, "slow_call_s", allow_zero=False, optional=True)
        _duration(self, "max_wait_half_open_s", allow_zero=False, optional=True)
        if self.bucket_ns < MIN_BUCKET_NS:
            raise ConfigError(
                f"CircuitConfig.window_s={self.window_s!r} with buckets={self.buckets!r} makes "
                f"buckets of {self.bucket_ns} ns; a window must hold each bucket of at least 1 ms"
            )

    @property
    def bucket_ns(self) -> int:
        """Width of one bucket; the window is exactly `buckets` of these."""
        return round(self.window_s * _NS_PER_S) // self.buckets


def rate_fraction(rate: float) -> Fraction:
    """A rate as the exact decimal the user wrote (0.1 is 1/10, not 0.1000000000000000055)."""
    return Fraction(repr(rate))


def _fail(field: str, value: object, must: str) -> ConfigError:
    return ConfigError(f"CircuitConfig.{field} must be {must}, got {value!r}")


def _positive_int(cfg: CircuitConfig, field: str, *, optional: bool = False) -> None:
    value = getattr(cfg, field)
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(field, value, "an integer >= 1" + (" or None" if optional else ""))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def _rate(cfg: CircuitConfig, field: str) -> None:
    value = getattr(cfg, field)
    if not _number(value) or not 0 < value <= 1:
        raise _fail(field, value, "a rate in (0, 1]")


def _duration(cfg: CircuitConfig, field: str, *, allow_zero: bool, optional: bool = False) -> None:
    value = getattr(cfg, field)
    if value is None and optional:
        return
    ok = _number(value) and (value >= 0 if allow_zero else value > 0)
    if not ok or value == float("inf"):
        bound = ">= 0" if allow_zero else "> 0"
        raise _fail(
            field, value, f"a finite number of seconds {bound}" + (" or None" if optional else "")
        )
