"""Benchmark family `breaker`: what a circuit breaker costs per call, next to pybreaker 1.4.1.

Cases (ours in `results`, pybreaker's in `peers` under the same name):
- `bare_call`       the protected function called directly: the baseline (includes the timer).
- `closed_call`     `breaker.call(fn)` through a CLOSED breaker (pybreaker too).
- `closed_acquire`  `with breaker.acquire(): fn()` through a CLOSED breaker (ours only).
- `open_rejection`  a call refused by an OPEN breaker, raise and catch included (pybreaker too).
- `half_open_cycle` acquire and release of a half-open trial permit (`with breaker.acquire()`).
- `concurrent_8x20ms` 8 threads each making 20 ms (sleeping) calls through one breaker,
  against the same without a breaker: a throughput case; the wall times are in `extra`.

Every latency case times one call at a time with the same timer (two perf_counter_ns reads)
and the GC off; the functions are called through `functools.partial` (C, no extra Python frame)
wherever no try/except is needed, so `p50(case) - p50(bare_call)` is the breaker's overhead,
which `extra.overhead_ns` reports for both libraries with their ratio. `extra.memory` runs
100,000 rejections under tracemalloc and reports the traced bytes before and after, and the
traceback depth of the first and last rejection (a shared exception would grow).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pybreaker

from bench.harness import (
    Case,
    latency_case,
    throughput_case,
    time_each,
    timer_overhead_ns,
)
from bot4.clock import LiveClock
from bot4.errors import CircuitOpenError
from bot4.resilience import CircuitBreaker, CircuitConfig, CircuitState

_HUGE_S = 10.0**6  # "never" for timeouts inside one benchmark run


def _work() -> int:
    return 1


def _open_breaker() -> CircuitBreaker:
    b = CircuitBreaker(
        "open", CircuitConfig(open_s=_HUGE_S, consecutive_failures=1), clock=LiveClock()
    )
    with contextlib.suppress(ZeroDivisionError):
        b.call(_fail)
    assert b.state is CircuitState.OPEN
    return b


def _fail() -> int:
    return 1 // 0


def _open_pybreaker() -> pybreaker.CircuitBreaker:
    pb = pybreaker.CircuitBreaker(fail_max=1, reset_timeout=_HUGE_S)
    with contextlib.suppress(ZeroDivisionError, pybreaker.CircuitBreakerError):
        pb.call(_fail)
    assert pb.current_state == "open"
    return pb


def _rejector(call: Callable[[Callable[[], int]], int], exc: type[BaseException]) -> Any:
    def rejected() -> None:
        try:
            call(_work)
        except exc:
            return
        raise AssertionError("the breaker let a call through")

    return rejected


def _half_open_breaker() -> CircuitBreaker:
    # Stays HALF_OPEN: it would need 10**9 trial successes to close, and never times out.
    cfg = CircuitConfig(
        open_s=0.0,
        consecutive_failures=1,
        half_open_successes=10**9,
        max_wait_half_open_s=None,
    )
    b = CircuitBreaker("half-open", cfg, clock=LiveClock())
    with contextlib.suppress(ZeroDivisionError):
        b.call(_fail)
    with b.acquire():
        pass
    assert b.state is CircuitState.HALF_OPEN
    return b


def _memory_check(n: int) -> dict[str, Any]:
    b = _open_breaker()
    depths: list[int] = []

    def depth(e: BaseException) -> int:
        d, tb = 0, e.__traceback__
        while tb is not None:
            d, tb = d + 1, tb.tb_next
        return d

    tracemalloc.start()
    for _ in range(1000):  # warm caches and free lists before measuring
        with contextlib.suppress(CircuitOpenError):
            b.call(_work)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        try:
            b.call(_work)
        except CircuitOpenError as e:
            if i in (0, n - 1):
                depths.append(depth(e))
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {
        "rejections": n,
        "traced_bytes_before": before,
        "traced_bytes_after": after,
        "growth_bytes": after - before,
        "traceback_depth_first": depths[0],
        "traceback_depth_last": depths[-1],
        "counted_rejections": b.metrics().rejections,
    }


def _concurrent(
    protect: Callable[[Callable[[], None]], None] | None, threads: int, calls: int
) -> float:
    """Wall seconds for `threads` threads each making `calls` 20 ms sleeps (through `protect`)."""

    def sleep20() -> None:
        time.sleep(0.02)

    def worker() -> None:
        start.wait()
        for _ in range(calls):
            if protect is None:
                sleep20()
            else:
                protect(sleep20)

    start = threading.Barrier(threads + 1)
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - t0


def run(quick: bool) -> tuple[list[Case], list[Case], dict[str, Any]]:
    n = 20_000 if quick else 200_000
    results: list[Case] = []
    peers: list[Case] = []

    closed = CircuitBreaker("closed", CircuitConfig(), clock=LiveClock())
    pb_closed = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)
    opened = _open_breaker()
    pb_opened = _open_pybreaker()
    half = _half_open_breaker()

    def closed_acquire() -> None:
        with closed.acquire():
            _work()

    def half_open_cycle() -> None:
        with half.acquire():
            _work()

    ours = {
        "bare_call": _work,
        "closed_call": functools.partial(closed.call, _work),
        "closed_acquire": closed_acquire,
        "open_rejection": _rejector(opened.call, CircuitOpenError),
        "half_open_cycle": half_open_cycle,
    }
    theirs = {
        "closed_call": functools.partial(pb_closed.call, _work),
        "open_rejection": _rejector(pb_opened.call, pybreaker.CircuitBreakerError),
    }
    p50: dict[str, dict[str, int]] = {"bot4": {}, "pybreaker": {}}
    # Interleave ours and theirs case by case so machine noise hits both alike.
    for name, fn in ours.items():
        hist = time_each(fn, n)
        results.append(latency_case(name, hist))
        p50["bot4"][name] = int(hist.get_value_at_percentile(50))
        if name in theirs:
            hist = time_each(theirs[name], n)
            peers.append(latency_case(name, hist))
            p50["pybreaker"][name] = int(hist.get_value_at_percentile(50))
    assert half.state is CircuitState.HALF_OPEN and half.metrics().half_open_in_flight == 0

    bare = p50["bot4"]["bare_call"]
    overhead: dict[str, Any] = {}
    for name in ("closed_call", "open_rejection"):
        o, t = p50["bot4"][name] - bare, p50["pybreaker"][name] - bare
        overhead[name] = {
            "bot4_ns": o,
            "pybreaker_ns": t,
            "ratio_bot4_over_pybreaker": round(o / t, 3) if t > 0 else None,
            "bot4_p50_ns": p50["bot4"][name],
            "pybreaker_p50_ns": p50["pybreaker"][name],
            "ratio_p50": round(p50["bot4"][name] / p50["pybreaker"][name], 3),
        }

    threads, calls, repeats = 8, (3 if quick else 10), (1 if quick else 3)
    conc_breaker = CircuitBreaker("concurrent", CircuitConfig(), clock=LiveClock())
    conc_pb = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)
    walls: dict[str, list[float]] = {"bare": [], "bot4": [], "pybreaker": []}
    for _ in range(repeats):
        walls["bare"].append(_concurrent(None, threads, calls))
        walls["bot4"].append(_concurrent(conc_breaker.call, threads, calls))
        walls["pybreaker"].append(_concurrent(conc_pb.call, threads, calls))
    total = threads * calls
    results.append(throughput_case("concurrent_8x20ms", "calls", total, walls["bot4"]))
    peers.append(throughput_case("concurrent_8x20ms", "calls", total, walls["pybreaker"]))
    peers.append(throughput_case("concurrent_8x20ms_bare", "calls", total, walls["bare"]))
    best = {k: min(v) for k, v in walls.items()}
    assert conc_breaker.metrics().calls == total * repeats

    closed, rejection = overhead["closed_call"], overhead["open_rejection"]
    memory = _memory_check(100_000)
    extra = {
        # The flat numbers bench/targets.toml checks.
        "metrics": {
            "closed_call_overhead_ns": closed["bot4_ns"],
            "closed_overhead_ratio_vs_pybreaker": closed["ratio_bot4_over_pybreaker"],
            "pybreaker_closed_call_overhead_ns": closed["pybreaker_ns"],
            "open_rejection_p50_ns": rejection["bot4_p50_ns"],
            "open_rejection_ratio_vs_pybreaker": rejection["ratio_p50"],
            "concurrent_ratio": round(best["bot4"] / best["bare"], 3),
            "concurrent_ratio_pybreaker": round(best["pybreaker"] / best["bare"], 3),
            "rejections_memory_growth_bytes": memory["growth_bytes"],
        },
        "notes": (
            "GC off in timed sections; p50 includes the timer (two perf_counter_ns reads, "
            "timer_overhead_ns); overhead = p50(case) - p50(bare_call)."
        ),
        "samples_per_case": n,
        "timer_overhead_ns": timer_overhead_ns(),
        "overhead_ns": overhead,
        "memory": memory,
        "concurrent_8x20ms": {
            "threads": threads,
            "calls_per_thread": calls,
            "sleep_ms": 20,
            "best_wall_s": best,
            "ratio_bot4_over_bare": round(best["bot4"] / best["bare"], 3),
            "ratio_pybreaker_over_bare": round(best["pybreaker"] / best["bare"], 3),
        },
    }
    return results, peers, extra
