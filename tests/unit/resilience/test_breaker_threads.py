"""Many threads, one breaker: the half-open limit holds and every count is exact."""

from __future__ import annotations

import itertools
import random
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator

import pytest

from bot4.errors import CircuitOpenError
from bot4.resilience import (
    CircuitBreaker,
    CircuitConfig,
    CircuitEvent,
    CircuitEventKind,
    CircuitState,
)

THREADS = 8
CALLS_PER_THREAD = 12_500  # 100,000 in all
HALF_OPEN_MAX = 3


class SteppingClock:
    """A thread-safe Clock for stress tests: every reading is 20 µs after the previous one.

    `next()` on an itertools.count is atomic under the GIL, so readings never repeat or go
    backwards whichever thread reads; time moves with the amount of breaker activity, which
    makes the breaker cycle CLOSED -> OPEN -> HALF_OPEN -> ... many times per run.
    """

    def __init__(self) -> None:
        self._ticks = itertools.count(1)

    def monotonic_ns(self) -> int:
        return next(self._ticks) * 20_000

    def time_ns(self) -> int:
        return self.monotonic_ns()


class BoomError(Exception):
    pass


@pytest.fixture
def fast_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: more interleavings
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def make_breaker(events: list[CircuitEvent]) -> CircuitBreaker:
    cfg = CircuitConfig(
        window_s=0.004,
        buckets=4,
        min_calls=20,
        failure_rate=0.5,
        open_s=0.002,
        half_open_max_concurrent=HALF_OPEN_MAX,
        half_open_successes=4,
        max_wait_half_open_s=0.02,
    )
    return CircuitBreaker("stress", cfg, clock=SteppingClock(), on_event=events.append)


def fail_probability(i: int) -> float:
    return 0.7 if (i // 500) % 2 else 0.05  # alternating bad and good phases


def run_threads(target: object) -> None:
    threads = [threading.Thread(target=target, args=(n,)) for n in range(THREADS)]  # type: ignore[arg-type]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)


def test_half_open_limit_holds_and_counts_are_exact_with_permits(fast_switching: None) -> None:
    events: list[CircuitEvent] = []
    b = make_breaker(events)
    guard = threading.Lock()
    in_flight: dict[int, int] = defaultdict(int)  # half-open generation -> trial calls running
    max_in_flight = 0
    tallies: list[tuple[int, int, int]] = [(0, 0, 0)] * THREADS
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        nonlocal max_in_flight
        rng = random.Random(n)
        ok = failed = rejected = 0
        try:
            for i in range(CALLS_PER_THREAD):
                try:
                    with b.acquire() as permit:
                        trial = permit.state is CircuitState.HALF_OPEN
                        if trial:
                            with guard:
                                in_flight[permit.generation] += 1
                                max_in_flight = max(max_in_flight, in_flight[permit.generation])
                        try:
                            if rng.random() < fail_probability(i):
                                raise BoomError
                        finally:
                            if trial:
                                with guard:
                                    in_flight[permit.generation] -= 1
                    ok += 1
                except BoomError:
                    failed += 1
                except CircuitOpenError:
                    rejected += 1
        except BaseException as e:  # surfaced below
            errors.append(e)
        tallies[n] = (ok, failed, rejected)

    run_threads(worker)
    assert errors == []
    ok, failed, rejected = (sum(t[k] for t in tallies) for k in range(3))
    assert ok + failed + rejected == THREADS * CALLS_PER_THREAD
    m = b.metrics()
    assert (m.successes, m.failures, m.rejections) == (ok, failed, rejected)
    assert m.calls == ok + failed and m.ignored == 0
    assert m.half_open_in_flight <= HALF_OPEN_MAX
    assert 1 <= max_in_flight <= HALF_OPEN_MAX
    changes = [e for e in events if e.kind is CircuitEventKind.STATE_CHANGED]
    assert sum(e.to_state is CircuitState.OPEN for e in changes) >= 5  # it really cycled
    assert sum(e.to_state is CircuitState.CLOSED for e in changes) >= 3


def test_counts_are_exact_through_call_and_the_decorator(fast_switching: None) -> None:
    events: list[CircuitEvent] = []
    b = make_breaker(events)
    tallies: list[tuple[int, int, int]] = [(0, 0, 0)] * THREADS

    @b
    def decorated(fail: bool) -> int:
        if fail:
            raise BoomError
        return 1

    def plain(fail: bool) -> int:
        if fail:
            raise BoomError
        return 1

    def worker(n: int) -> None:
        rng = random.Random(100 + n)
        ok = failed = rejected = 0
        for i in range(CALLS_PER_THREAD):
            fail = rng.random() < fail_probability(i)
            try:
                if i % 2:
                    decorated(fail)
                else:
                    b.call(plain, fail)
                ok += 1
            except BoomError:
                failed += 1
            except CircuitOpenError:
                rejected += 1
        tallies[n] = (ok, failed, rejected)

    run_threads(worker)
    ok, failed, rejected = (sum(t[k] for t in tallies) for k in range(3))
    assert ok + failed + rejected == THREADS * CALLS_PER_THREAD
    m = b.metrics()
    assert (m.successes, m.failures, m.rejections) == (ok, failed, rejected)
    assert sum(e.to_state is CircuitState.OPEN for e in events) >= 5
