"""CircuitBreaker behaviour, one rule per test, on a TestClock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot4.clock import TestClock
from bot4.errors import CircuitOpenError, HalfOpenExhaustedError
from bot4.resilience import (
    CircuitBreaker,
    CircuitConfig,
    CircuitEvent,
    CircuitEventKind,
    CircuitState,
)

CLOSED, OPEN, HALF_OPEN = CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN


class BoomError(Exception):
    pass


def ok() -> str:
    return "ok"


def boom() -> str:
    raise BoomError("down")


def make(
    clock: TestClock | None = None, events: list[CircuitEvent] | None = None, **cfg: Any
) -> tuple[CircuitBreaker, TestClock]:
    clock = clock or TestClock()
    base: dict[str, Any] = {"min_calls": 4, "failure_rate": 0.5, "open_s": 5.0}
    base.update(cfg)
    b = CircuitBreaker(
        "dep",
        CircuitConfig(**base),
        clock=clock,
        on_event=events.append if events is not None else None,
    )
    return b, clock


def fail(b: CircuitBreaker, n: int = 1) -> None:
    for _ in range(n):
        with pytest.raises(BoomError):
            b.call(boom)


def succeed(b: CircuitBreaker, n: int = 1) -> None:
    for _ in range(n):
        assert b.call(ok) == "ok"


def trip(b: CircuitBreaker) -> None:
    fail(b, b.config.min_calls)
    assert b.state is OPEN


def test_starts_closed_and_passes_results_and_exceptions_through() -> None:
    b, _ = make()
    assert b.state is CLOSED and b.opened_ns is None
    assert b.call(lambda x, y=0: x + y, 2, y=3) == 5
    fail(b)
    m = b.metrics()
    assert (m.calls, m.successes, m.failures) == (2, 1, 1)
    assert "dep" in repr(b) and "CLOSED" in repr(b)


def test_failure_rate_trips_only_from_min_calls() -> None:
    events: list[CircuitEvent] = []
    b, clock = make(events=events)
    fail(b, 3)  # 3 calls < min_calls 4
    assert b.state is CLOSED
    succeed(b)  # 4 calls, 75% failed, but a fast success never trips
    assert b.state is CLOSED
    clock.advance(0.5)
    fail(b)  # 5 calls, 4 failed: 80% >= 50%
    assert b.state is OPEN and b.opened_ns == clock.monotonic_ns()
    assert events[-1].kind is CircuitEventKind.STATE_CHANGED
    assert (events[-1].from_state, events[-1].to_state) == (CLOSED, OPEN)
    assert "4/5 calls failed" in events[-1].reason
    assert events[-1].mono_ns == clock.monotonic_ns()


def test_below_the_failure_rate_stays_closed() -> None:
    b, _ = make(failure_rate=0.5)
    for _ in range(10):
        succeed(b, 2)
        fail(b)
    assert b.state is CLOSED
    assert b.metrics().window_failures == 10


def test_exact_rate_boundary_trips() -> None:
    b, _ = make(min_calls=10, failure_rate=0.1)
    succeed(b, 9)
    fail(b)  # 1/10 == 10%: 0.1 * 10 in floats is 1.0000000000000002, must still trip
    assert b.state is OPEN


def test_old_buckets_expire_as_time_moves() -> None:
    b, clock = make(window_s=10.0, buckets=10, min_calls=4)
    fail(b, 3)
    clock.advance(10.0)  # the three failures leave the window
    m = b.metrics()
    assert m.window_calls == 0 and m.calls == 3 and m.failures == 3
    fail(b)
    assert b.state is CLOSED  # 1 call in the window
    assert b.metrics().window_failures == 1


def test_partial_expiry_keeps_recent_buckets() -> None:
    b, clock = make(window_s=10.0, buckets=10, min_calls=4)
    fail(b, 2)
    clock.advance(5.0)
    fail(b)
    clock.advance(5.0)  # the first two expire, the third is 5 s old
    assert b.metrics().window_calls == 1
    fail(b, 2)
    assert b.state is CLOSED and b.metrics().window_calls == 3


def test_consecutive_failures_trip_without_min_calls() -> None:
    b, _ = make(min_calls=100, consecutive_failures=3)
    fail(b, 2)
    succeed(b)  # breaks the run
    fail(b, 2)
    assert b.state is CLOSED and b.metrics().consecutive_failures == 2
    fail(b)
    assert b.state is OPEN


def test_max_failures_in_window_trips_regardless_of_rate() -> None:
    events: list[CircuitEvent] = []
    b, _ = make(events=events, min_calls=1000, failure_rate=1.0, max_failures_in_window=3)
    succeed(b, 50)
    fail(b, 2)
    assert b.state is CLOSED
    fail(b)
    assert b.state is OPEN and "3 failures in the window" in events[-1].reason


def test_slow_call_rate_trips() -> None:
    clock = TestClock()
    events: list[CircuitEvent] = []
    b, _ = make(clock, events, slow_call_s=1.0, slow_call_rate=0.5, min_calls=2)

    def slow() -> str:
        clock.advance(1.5)
        return "late"

    assert b.call(slow) == "late"
    assert b.state is CLOSED  # 1 call < min_calls
    succeed(b)  # fast, with slow tracking on: recorded through the timed path
    assert b.state is CLOSED and b.metrics().slow_calls == 1
    assert b.call(slow) == "late"  # 2 of 3 slow >= 50%
    assert b.state is OPEN and "were slow" in events[-1].reason
    assert b.metrics().slow_calls == 2


def test_slow_failures_count_as_both() -> None:
    clock = TestClock()
    b, _ = make(clock, slow_call_s=1.0, slow_call_rate=1.0, min_calls=10)

    def slow_boom() -> str:
        clock.advance(2)
        raise BoomError

    with pytest.raises(BoomError):
        b.call(slow_boom)
    m = b.metrics()
    assert (m.failures, m.slow_calls, m.window_slow_calls) == (1, 1, 1)


def test_open_rejects_at_once_with_name_and_remaining_time() -> None:
    events: list[CircuitEvent] = []
    b, clock = make(events=events)
    trip(b)
    clock.advance(2.0)
    calls = []
    with pytest.raises(CircuitOpenError) as info:
        b.call(calls.append, 1)
    assert calls == []
    assert not isinstance(info.value, HalfOpenExhaustedError)
    assert info.value.name == "dep"
    assert info.value.remaining_s == pytest.approx(3.0)
    assert "retry in 3.000s" in str(info.value)
    with pytest.raises(CircuitOpenError):
        b.acquire()
    assert b.metrics().rejections == 2
    assert b.metrics().remaining_open_s == pytest.approx(3.0)
    rejected = [e for e in events if e.kind is CircuitEventKind.REJECTED]
    assert len(rejected) == 2 and rejected[0].from_state is rejected[0].to_state is OPEN


def test_each_rejection_is_a_fresh_exception() -> None:
    b, _ = make()
    trip(b)
    seen = []
    for _ in range(3):
        try:
            b.call(ok)
        except CircuitOpenError as e:
            seen.append(e)
    assert len({id(e) for e in seen}) == 3


def test_open_turns_half_open_lazily_and_a_success_closes() -> None:
    events: list[CircuitEvent] = []
    b, clock = make(events=events)
    trip(b)
    clock.advance(5.0)
    assert b.state is OPEN  # lazily: nothing has called yet
    succeed(b)
    assert [e.to_state for e in events[-2:]] == [HALF_OPEN, CLOSED]
    assert b.state is CLOSED and b.metrics().window_calls == 0


def test_half_open_limits_concurrent_trials() -> None:
    b, clock = make(half_open_max_concurrent=2, half_open_successes=2)
    trip(b)
    clock.advance(5)
    p1, p2 = b.acquire(), b.acquire()
    assert p1.state is p2.state is HALF_OPEN and p1.generation == p2.generation
    with pytest.raises(HalfOpenExhaustedError) as info:
        b.acquire()
    assert info.value.remaining_s == 0.0 and "2 trial call(s) in flight" in str(info.value)
    assert b.metrics().half_open_in_flight == 2
    with p1:
        pass
    assert b.state is HALF_OPEN and b.metrics().half_open_in_flight == 1
    p3 = b.acquire()  # a token came back
    with p2:
        pass
    assert b.state is CLOSED
    with p3:  # admitted by the old HALF_OPEN generation: counted, not acted on
        raise_nothing = True
    assert raise_nothing and b.state is CLOSED and b.metrics().stale == 1


def test_a_failed_trial_reopens_with_a_new_trip_time() -> None:
    b, clock = make()
    trip(b)
    first = b.opened_ns
    clock.advance(5)
    fail(b)
    assert b.state is OPEN and b.opened_ns == first + 5_000_000_000
    with pytest.raises(CircuitOpenError) as info:
        b.call(ok)
    assert info.value.remaining_s == pytest.approx(5.0)


def test_a_slow_trial_reopens() -> None:
    clock = TestClock()
    b, _ = make(clock, slow_call_s=1.0, consecutive_failures=1)
    fail(b)
    clock.advance(5)

    def slow() -> str:
        clock.advance(2)
        return "late"

    assert b.call(slow) == "late"
    assert b.state is OPEN


def test_stuck_half_open_returns_to_open_after_max_wait() -> None:
    events: list[CircuitEvent] = []
    b, clock = make(events=events, max_wait_half_open_s=10.0)
    trip(b)
    clock.advance(5)
    stuck = b.acquire()  # never reports back (a hung request)
    clock.advance(9.9)
    with pytest.raises(HalfOpenExhaustedError):
        b.acquire()
    clock.advance(0.1)
    with pytest.raises(CircuitOpenError) as info:
        b.acquire()
    assert not isinstance(info.value, HalfOpenExhaustedError)
    assert b.state is OPEN and "half-open for 10.000s" in events[-2].reason
    clock.advance(5)
    with b.acquire():  # a new trial in a new generation
        pass
    assert b.state is CLOSED
    stuck.report()  # the hung call finally returns: stale
    assert b.state is CLOSED and b.metrics().stale == 1


def test_stale_outcomes_never_change_state() -> None:
    b, clock = make(consecutive_failures=1)
    before_trip = b.acquire()  # a slow call admitted while CLOSED
    fail(b)
    assert b.state is OPEN
    clock.advance(5)
    trial = b.acquire()
    before_trip.report(BoomError())  # from the CLOSED generation: must not reopen
    assert b.state is HALF_OPEN
    with trial:
        pass
    assert b.state is CLOSED
    m = b.metrics()
    assert m.stale == 1 and m.failures == 2  # counted in the metrics


def test_stale_success_of_the_inline_path_is_counted() -> None:
    b, _ = make(consecutive_failures=1)

    def trip_inside() -> str:
        fail(b)
        return "done"

    assert b.call(trip_inside) == "done"
    assert b.state is OPEN and b.metrics().stale == 1


def test_record_result_counts_bad_values_as_failures() -> None:
    b = CircuitBreaker(
        "http",
        CircuitConfig(min_calls=2, open_s=1),
        clock=TestClock(),
        record_result=lambda r: r >= 500,
    )
    assert b.call(lambda: 200) == 200
    assert b.call(lambda: 503) == 503  # returned, but a failure
    assert b.state is OPEN and b.metrics().failures == 1


def test_record_and_ignore_exceptions() -> None:
    b = CircuitBreaker(
        "dep",
        CircuitConfig(consecutive_failures=1),
        clock=TestClock(),
        record_exceptions=(OSError,),
        ignore_exceptions=(FileNotFoundError,),
    )
    for exc in (ValueError("not recorded"), FileNotFoundError("ignored")):
        with pytest.raises(type(exc)), b.acquire():
            raise exc
    assert b.state is CLOSED
    m = b.metrics()
    assert (m.calls, m.ignored) == (0, 2)
    with pytest.raises(ConnectionError), b.acquire():
        raise ConnectionError
    assert b.state is OPEN


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_interrupts_release_a_trial_without_counting(exc_type: type[BaseException]) -> None:
    b = CircuitBreaker(
        "dep",
        CircuitConfig(consecutive_failures=1, open_s=1),
        clock=(clock := TestClock()),
        record_exceptions=(BaseException,),
    )
    fail(b)
    clock.advance(1)
    with pytest.raises(exc_type), b.acquire():
        raise exc_type()
    assert b.state is HALF_OPEN and b.metrics().half_open_in_flight == 0
    assert b.metrics().ignored == 1
    with b.acquire():  # the token came back
        pass
    assert b.state is CLOSED


def test_permit_reports_once() -> None:
    b, clock = make(consecutive_failures=1)
    fail(b)
    clock.advance(5)
    p = b.acquire()
    p.report(failed=True)
    assert b.state is OPEN
    p.report()  # ignored
    with p:  # exit after a manual report: ignored too
        pass
    assert b.state is OPEN and b.metrics().failures == 2


def test_shared_closed_permit_counts_every_block() -> None:
    b, _ = make()
    p = b.acquire()
    assert b.acquire() is p  # one permit for all callers while CLOSED
    for _ in range(3):
        with p:
            pass
    with pytest.raises(BoomError), p:
        raise BoomError
    m = b.metrics()
    assert (m.calls, m.successes, m.failures) == (4, 3, 1)


def test_shared_permit_success_after_a_trip_is_stale() -> None:
    b, _ = make(consecutive_failures=1)
    p = b.acquire()
    trip_now = b.acquire()
    with p:
        with pytest.raises(BoomError), trip_now:
            raise BoomError
    assert b.state is OPEN and b.metrics().stale == 1


def test_new_bucket_success_takes_the_locked_path() -> None:
    b, clock = make(window_s=10, buckets=10)
    succeed(b)
    clock.advance(1.0)
    succeed(b)
    with b.acquire():
        pass
    clock.advance(1.0)
    with b.acquire():
        pass
    assert b.metrics().window_calls == 4


def test_operator_states() -> None:
    events: list[CircuitEvent] = []
    b, _ = make(events=events, consecutive_failures=1)
    b.force_open()
    with pytest.raises(CircuitOpenError) as info:
        b.call(ok)
    assert info.value.remaining_s == 0.0 and "forced open" in str(info.value)
    b.force_open()  # no change, no event
    b.disable()
    assert b.state is CircuitState.DISABLED
    fail(b, 5)
    succeed(b)
    with b.acquire() as p:
        p.report(BoomError())
    assert b.state is CircuitState.DISABLED and b.metrics().calls == 0  # records nothing
    b.metrics_only()
    fail(b, 5)  # shadow mode: counted, never trips or rejects
    succeed(b)
    with b.acquire():
        pass
    m = b.metrics()
    assert b.state is CircuitState.METRICS_ONLY and (m.failures, m.successes) == (5, 2)
    b.reset()
    assert b.state is CLOSED and b.metrics().window_calls == 0
    fail(b)
    assert b.state is OPEN
    b.reset()
    assert b.state is CLOSED
    changes = [
        (e.from_state, e.to_state) for e in events if e.kind is CircuitEventKind.STATE_CHANGED
    ]
    assert changes == [
        (CLOSED, CircuitState.FORCED_OPEN),
        (CircuitState.FORCED_OPEN, CircuitState.DISABLED),
        (CircuitState.DISABLED, CircuitState.METRICS_ONLY),
        (CircuitState.METRICS_ONLY, CLOSED),
        (CLOSED, OPEN),
        (OPEN, CLOSED),
    ]


def test_reset_when_closed_empties_the_window_quietly() -> None:
    events: list[CircuitEvent] = []
    b, _ = make(events=events)
    fail(b, 3)
    b.reset()
    assert b.metrics().window_calls == 0 and events == []


def test_a_raising_callback_is_logged_and_isolated(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[CircuitEvent] = []

    def bad(event: CircuitEvent) -> None:
        raise RuntimeError("callback bug")

    b, clock = make(consecutive_failures=1)
    b.subscribe(bad)
    b.subscribe(seen.append)
    with caplog.at_level(logging.ERROR, logger="bot4.resilience"):
        fail(b)  # the caller sees its own exception, not the callback's
        with pytest.raises(CircuitOpenError):
            b.call(ok)
        clock.advance(5)
        assert b.call(ok) == "ok"  # the result is unaffected
    assert b.state is CLOSED
    assert [e.kind for e in seen].count(CircuitEventKind.STATE_CHANGED) == 3
    assert "callback" in caplog.text and "callback bug" in caplog.text


def test_callbacks_run_without_the_lock() -> None:
    b, _ = make(consecutive_failures=1)
    observed: list[bool] = []

    def reenter(event: CircuitEvent) -> None:
        observed.append(b._lock.locked())
        b.metrics()  # would deadlock if the lock were held

    b.subscribe(reenter)
    fail(b)
    with pytest.raises(CircuitOpenError):
        b.call(ok)
    assert observed == [False, False]


def test_unsubscribe() -> None:
    seen: list[CircuitEvent] = []
    b, _ = make(consecutive_failures=1)
    stop = b.subscribe(seen.append)
    stop()
    stop()  # idempotent
    fail(b)
    assert seen == []


def test_decorator_on_sync_functions_keeps_the_name() -> None:
    b, _ = make(consecutive_failures=1)

    @b
    def add(x: int, y: int) -> int:
        """Adds."""
        return x + y

    assert add(1, 2) == 3 and add.__name__ == "add" and add.__doc__ == "Adds."
    assert b.metrics().successes == 1


def test_metrics_snapshot() -> None:
    b, clock = make(window_s=10, min_calls=100)
    succeed(b, 3)
    fail(b)
    m = b.metrics()
    assert (m.name, m.state, m.window_calls, m.window_failures) == ("dep", CLOSED, 4, 1)
    assert m.failure_rate == 0.25 and m.slow_call_rate == 0.0 and m.remaining_open_s == 0.0
    assert m.consecutive_failures == 1 and m.generation == 0
    clock.advance(20)
    m = b.metrics()
    assert m.failure_rate == 0.0 and m.window_calls == 0 and m.calls == 4


def test_default_config_and_live_clock() -> None:
    b = CircuitBreaker("live")
    assert b.call(ok) == "ok" and b.config == CircuitConfig()


CallFn = Callable[[], str]


@pytest.mark.parametrize("route", ["call", "acquire", "half_open_call", "decorator"])
def test_no_lock_is_held_during_the_protected_call(route: str) -> None:
    b, clock = make(consecutive_failures=1, slow_call_s=None)
    held: list[bool] = []

    def probe() -> str:
        held.append(b._lock.locked())
        b.metrics()  # another reader (or thread) can take the lock meanwhile
        return "ok"

    if route == "half_open_call":
        fail(b)
        clock.advance(5)
    if route == "acquire":
        with b.acquire():
            probe()
    elif route == "decorator":
        assert b(probe)() == "ok"
    else:
        assert b.call(probe) == "ok"
    assert held == [False]
