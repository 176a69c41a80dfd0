"""Rejections are cheap and leave nothing behind: no growing traceback, flat memory."""

from __future__ import annotations

import contextlib
import gc
import tracemalloc

from bot4.clock import TestClock
from bot4.errors import CircuitOpenError
from bot4.resilience import CircuitBreaker, CircuitConfig, CircuitState


def open_breaker() -> CircuitBreaker:
    b = CircuitBreaker("mem", CircuitConfig(consecutive_failures=1, open_s=60.0), clock=TestClock())
    with contextlib.suppress(ZeroDivisionError):
        b.call(lambda: 1 // 0)
    assert b.state is CircuitState.OPEN
    return b


def tb_depth(e: BaseException) -> int:
    depth, tb = 0, e.__traceback__
    while tb is not None:
        depth, tb = depth + 1, tb.tb_next
    return depth


def reject(b: CircuitBreaker) -> CircuitOpenError:
    try:
        b.call(int)
    except CircuitOpenError as e:
        return e
    raise AssertionError("not rejected")


def test_traceback_does_not_grow_across_rejections() -> None:
    b = open_breaker()
    first = reject(b)
    for _ in range(20_000):
        reject(b)
    last = reject(b)
    assert last is not first
    assert tb_depth(first) == tb_depth(last) <= 3
    with_acquire = []
    for _ in range(3):
        try:
            b.acquire()
        except CircuitOpenError as e:
            with_acquire.append(tb_depth(e))
    assert len(set(with_acquire)) == 1


def test_100k_rejections_leave_memory_flat() -> None:
    b = open_breaker()
    for _ in range(1_000):  # warm up caches and free lists
        reject(b)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(100_000):
            reject(b)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 16_384, (before, after)
    assert b.metrics().rejections == 101_000
