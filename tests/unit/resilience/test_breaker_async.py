"""`async with`, async decorators and `call()` on coroutine functions, cancellation included."""

from __future__ import annotations

import asyncio

import pytest

from bot4.clock import TestClock
from bot4.errors import CircuitOpenError, HalfOpenExhaustedError
from bot4.resilience import CircuitBreaker, CircuitConfig, CircuitState


class BoomError(Exception):
    pass


def half_open_breaker(**cfg: object) -> tuple[CircuitBreaker, TestClock]:
    clock = TestClock()
    b = CircuitBreaker(
        "dep",
        CircuitConfig(consecutive_failures=1, open_s=1.0, **cfg),  # type: ignore[arg-type]
        clock=clock,
    )
    with pytest.raises(BoomError), b.acquire():
        raise BoomError
    clock.advance(1.0)
    return b, clock


async def test_cancelled_async_with_releases_the_trial_token_and_counts_no_failure() -> None:
    b, _ = half_open_breaker()
    entered = asyncio.Event()
    never = asyncio.Event()

    async def trial() -> None:
        async with b.acquire() as permit:
            assert permit.state is CircuitState.HALF_OPEN
            entered.set()
            await never.wait()  # hangs until cancelled

    task = asyncio.create_task(trial())
    await entered.wait()
    assert b.metrics().half_open_in_flight == 1
    with pytest.raises(HalfOpenExhaustedError):
        b.acquire()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    m = b.metrics()
    assert m.half_open_in_flight == 0 and m.ignored == 1 and m.failures == 1
    assert b.state is CircuitState.HALF_OPEN  # cancellation is not the dependency failing
    async with b.acquire():  # the token is back
        pass
    assert b.state is CircuitState.CLOSED


async def test_async_with_records_failure_and_success() -> None:
    b, _ = half_open_breaker(half_open_successes=2)
    async with b.acquire():
        pass
    with pytest.raises(BoomError):
        async with b.acquire():
            raise BoomError
    assert b.state is CircuitState.OPEN


async def test_async_decorator_and_call() -> None:
    clock = TestClock()
    b = CircuitBreaker(
        "dep",
        CircuitConfig(consecutive_failures=2, open_s=1.0),
        clock=clock,
        record_result=lambda r: r == "reject",
    )

    @b
    async def fetch(x: str) -> str:
        await asyncio.sleep(0)
        if x == "boom":
            raise BoomError
        return x

    assert fetch.__name__ == "fetch"
    assert await fetch("a") == "a"
    assert await b.call(fetch.__wrapped__, "b") == "b"  # type: ignore[attr-defined]
    assert b.metrics().successes == 2
    with pytest.raises(BoomError):
        await fetch("boom")
    assert await fetch("reject") == "reject"  # a bad result: the second failure in a row
    assert b.state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError):
        await fetch("c")
    clock.advance(1.0)
    assert await fetch("d") == "d"  # the half-open trial, through the awaited path
    assert b.state is CircuitState.CLOSED


async def test_async_call_in_half_open_reports_when_awaited() -> None:
    b, _ = half_open_breaker()

    async def slow_ok() -> int:
        await asyncio.sleep(0)
        return 7

    pending = b.call(slow_ok)  # admitted now: the token is taken
    assert b.metrics().half_open_in_flight == 1
    assert await pending == 7
    assert b.state is CircuitState.CLOSED


async def test_async_failure_in_half_open_via_call() -> None:
    b, _ = half_open_breaker()

    async def bad() -> int:
        raise BoomError

    with pytest.raises(BoomError):
        await b.call(bad)
    assert b.state is CircuitState.OPEN


async def test_call_of_a_coroutine_function_on_a_plain_closed_breaker() -> None:
    b = CircuitBreaker("dep", CircuitConfig(consecutive_failures=1), clock=TestClock())

    async def value() -> int:
        await asyncio.sleep(0)
        return 3

    pending = b.call(value)
    assert b.metrics().calls == 0  # recorded when awaited, not when called
    assert await pending == 3
    assert b.metrics().successes == 1
