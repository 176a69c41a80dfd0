from __future__ import annotations

import pytest

from bot4.clock import TestClock
from bot4.errors import CircuitOpenError, ConfigError
from bot4.resilience import (
    CircuitBreaker,
    CircuitConfig,
    CircuitEvent,
    CircuitEventKind,
    CircuitState,
    GlobalCircuitBreaker,
)


class BoomError(Exception):
    pass


def breakers(clock: TestClock, n: int) -> list[CircuitBreaker]:
    cfg = CircuitConfig(consecutive_failures=1, open_s=5.0)
    return [CircuitBreaker(f"ex{i}", cfg, clock=clock) for i in range(n)]


def fail(b: CircuitBreaker) -> None:
    with pytest.raises(BoomError), b.acquire():
        raise BoomError


def test_opens_at_the_ratio_records_trip_time_and_recovers() -> None:
    clock = TestClock()
    comps = breakers(clock, 3)
    events: list[CircuitEvent] = []
    g = GlobalCircuitBreaker(comps, 0.6, clock=clock, on_event=events.append)
    assert g.state is CircuitState.CLOSED and g.opened_ns is None and g.allow()
    fail(comps[0])
    assert g.state is CircuitState.CLOSED  # 1/3 < 60%
    clock.advance(1)
    fail(comps[1])  # 2/3 >= 60%
    assert g.state is CircuitState.OPEN and g.opened_ns == 1_000_000_000
    assert g.open_components() == ["ex0", "ex1"] and g.open_share() == pytest.approx(2 / 3)
    assert events[-1].to_state is CircuitState.OPEN and "2/3 components open" in events[-1].reason
    with pytest.raises(CircuitOpenError) as info:
        g.acquire()
    assert "ex0, ex1" in str(info.value) and info.value.name == "global"
    assert g.rejections == 1 and not g.allow()
    assert events[-1].kind is CircuitEventKind.REJECTED
    clock.advance(5)
    with comps[0].acquire():  # half-open trial succeeds: 1/3 open
        pass
    assert g.state is CircuitState.CLOSED
    assert events[-1].from_state is CircuitState.OPEN and events[-1].to_state is CircuitState.CLOSED
    with g.acquire():
        pass


def test_half_open_does_not_count_as_open_but_forced_open_does() -> None:
    clock = TestClock()
    comps = breakers(clock, 2)
    g = GlobalCircuitBreaker(comps, 1.0, clock=clock)
    fail(comps[0])
    comps[1].force_open()
    assert g.state is CircuitState.OPEN
    clock.advance(5)
    trial = comps[0].acquire()  # OPEN -> HALF_OPEN
    assert comps[0].state is CircuitState.HALF_OPEN
    assert g.state is CircuitState.CLOSED
    trial.report(BoomError())  # back to OPEN
    assert g.state is CircuitState.OPEN


def test_exact_ratio_and_starting_open() -> None:
    clock = TestClock()
    comps = breakers(clock, 3)
    comps[0].force_open()
    comps[1].force_open()
    g = GlobalCircuitBreaker(comps, 2 / 3, clock=clock)  # 2 of 3 is exactly the ratio
    assert g.state is CircuitState.OPEN and g.opened_ns == 0
    assert g.components == tuple(comps) and "OPEN" in repr(g)


def test_close_detaches_and_subscribers_get_events() -> None:
    clock = TestClock()
    comps = breakers(clock, 1)
    g = GlobalCircuitBreaker(comps, 1.0, clock=clock)
    seen: list[CircuitEvent] = []
    g.subscribe(seen.append)
    fail(comps[0])
    assert [e.to_state for e in seen] == [CircuitState.OPEN]
    g.close()
    g.close()
    comps[0].reset()
    assert g.state is CircuitState.OPEN  # no longer listening
    assert g.refresh() is CircuitState.CLOSED  # re-derived on demand


@pytest.mark.parametrize("ratio", [0, 1.5, -0.1, True, "0.5"])
def test_bad_ratio_is_refused(ratio: object) -> None:
    with pytest.raises(ConfigError, match="component_open_ratio"):
        GlobalCircuitBreaker(breakers(TestClock(), 1), ratio)  # type: ignore[arg-type]


def test_no_components_is_refused() -> None:
    with pytest.raises(ConfigError, match="components"):
        GlobalCircuitBreaker([], 0.5)


def test_default_clock_and_rejection_without_subscribers() -> None:
    a = CircuitBreaker("a")
    g = GlobalCircuitBreaker([a], 0.5)
    assert g.state is CircuitState.CLOSED
    a.force_open()
    with pytest.raises(CircuitOpenError):
        g.acquire()
    assert g.rejections == 1
