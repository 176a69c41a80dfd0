from __future__ import annotations

from fractions import Fraction

import msgspec
import pytest

import bot4.resilience as resilience
from bot4.errors import ConfigError
from bot4.resilience import CircuitConfig
from bot4.resilience._config import rate_fraction
from bot4.resilience._window import RollingWindow, counter_value


def test_defaults_are_valid_and_frozen() -> None:
    cfg = CircuitConfig()
    assert cfg.bucket_ns == 1_000_000_000
    with pytest.raises(AttributeError):
        cfg.min_calls = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("failure_rate", 0.0),
        ("failure_rate", 1.5),
        ("failure_rate", -0.1),
        ("failure_rate", float("nan")),
        ("slow_call_rate", 0),
        ("slow_call_rate", "0.5"),
        ("buckets", 0),
        ("buckets", True),
        ("buckets", 2.0),
        ("min_calls", 0),
        ("half_open_max_concurrent", 0),
        ("half_open_successes", -1),
        ("consecutive_failures", 0),
        ("max_failures_in_window", 0),
        ("window_s", 0.0),
        ("window_s", -1.0),
        ("window_s", float("inf")),
        ("open_s", -0.5),
        ("slow_call_s", 0.0),
        ("slow_call_s", -2.0),
        ("max_wait_half_open_s", -1.0),
        ("max_wait_half_open_s", 0),
    ],
)
def test_a_config_that_cannot_work_names_field_and_value(field: str, value: object) -> None:
    with pytest.raises(ConfigError) as info:
        CircuitConfig(**{field: value})  # type: ignore[arg-type]
    message = str(info.value)
    assert f"CircuitConfig.{field}" in message
    assert repr(value) in message


def test_window_shorter_than_a_bucket_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"window_s=0\.001.*buckets=10"):
        CircuitConfig(window_s=0.001, buckets=10)
    assert CircuitConfig(window_s=0.01, buckets=10).bucket_ns == 1_000_000


def test_optional_features_may_be_off_and_open_s_may_be_zero() -> None:
    cfg = CircuitConfig(
        slow_call_s=None,
        consecutive_failures=None,
        max_failures_in_window=None,
        max_wait_half_open_s=None,
        open_s=0,
    )
    assert cfg.open_s == 0


def test_config_decodes_from_toml_like_dicts_and_forbids_unknown_fields() -> None:
    cfg = msgspec.convert({"failure_rate": 0.25, "min_calls": 4}, CircuitConfig)
    assert cfg.failure_rate == 0.25 and cfg.min_calls == 4
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"failure_rat": 0.25}, CircuitConfig)
    with pytest.raises(ConfigError, match="failure_rate"):
        msgspec.convert({"failure_rate": 2.0}, CircuitConfig)


def test_rates_are_exact_decimals() -> None:
    assert rate_fraction(0.1) == Fraction(1, 10)
    assert rate_fraction(1.0) == 1


def test_window_rolls_expires_and_clears() -> None:
    w = RollingWindow(buckets=3, bucket_ns=10, now_ns=5)
    assert w.bucket_end == 10
    w.cur_calls, w.cur_fails, w.cur_slows = 2, 1, 1
    w.roll(12)  # bucket 1
    w.cur_calls += 1
    assert (w.calls, w.failures, w.slow) == (3, 1, 1)
    w.roll(25)  # bucket 2: bucket 0 still in
    assert w.calls == 3
    w.roll(30)  # bucket 3: bucket 0 expires
    assert (w.calls, w.failures, w.slow) == (1, 0, 0)
    assert (w.past_calls, w.past_fails, w.past_slows) == (2, 1, 1)
    w.roll(1_000)  # far ahead: everything expires at once
    assert w.calls == 0 and w.past_calls == 3
    w.hit()
    w.hit()
    w.clear()
    assert w.calls == 0 and w.past_calls == 5 and w.absorbed == 2


def test_window_absorbs_lock_free_hits_into_the_current_bucket() -> None:
    w = RollingWindow(buckets=2, bucket_ns=10, now_ns=0)
    for _ in range(4):
        w.hit()
    w.roll(3)
    assert w.cur_calls == 4 and w.calls == 4
    w.roll(10)
    w.hit()
    w.roll(20)  # the 4 from bucket 0 expire, the hit absorbed in bucket 1 stays
    assert w.calls == 1


def test_counter_value_reads_without_advancing() -> None:
    import itertools

    c = itertools.count()
    assert counter_value(c) == 0
    next(c)
    next(c)
    assert counter_value(c) == 2
    assert next(c) == 2


def test_public_names() -> None:
    public = {n for n in dir(resilience) if not n.startswith("_") and n[0].isupper()}
    assert set(resilience.__all__) == public
    assert resilience.__all__ == sorted(resilience.__all__)
    assert issubclass(resilience.HalfOpenExhaustedError, resilience.CircuitOpenError)
