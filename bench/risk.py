"""Benchmark family `risk`: the full pre-trade check set, correlation maintenance, kill switch.

Cases (ours in `results`, peers under the same name in `peers`):
- `full_check`  ours: `RiskEngine.check(OrderRequest)` alone, all checks enabled (state, validity,
  duplicate id, tick/lot, max qty, open orders, reference age, notional, collar + percent price,
  loss flag, self-trade, position, gross/net, correlation, throttle, identical-order window),
  over >= 100,000 orders from the workload in `bench/_risk_workload.py` (50 bundled Binance
  instruments, ~80 % accepted, the rest spread over the deny reasons; counts in
  `extra.deny_mix`). An accepted order is also registered as open inside the timed call.
  Peer: NautilusTrader 1.221.0 `RiskEngine.execute(SubmitOrder)` for limit orders on 50
  CurrencyPairs, wired as its own unit tests wire it (cash account, MockExecutionClient): its
  timed call *includes* routing the accepted command through its ExecutionEngine to the no-op
  client (it has no check-only entry point); `extra.nautilus_bypass` times the same with
  `bypass=True` (routing only), so its checks cost ~ the difference.
- `correlation_update`    `RollingCorrelation(100, window=120).update(r)`: one return vector in,
  the oldest out, the 100x100 matrix refreshed (numpy).
- `correlation_recompute` the exact rebuild from the window (numpy, corrcoef-equal).
- `correlation_naive` (peer) the same incremental update in pure Python loops.
- `kill_switch_trip`      `KillSwitch.trip()` to the moment the RiskEngine's state is HALTED
  (timestamp taken inside the last halt hook), engine wired; reset between samples, untimed.

Every latency is one call timed with two `perf_counter_ns` reads (`extra.timer_overhead_ns`),
fixed seed. The cyclic GC stays ON in every timed section, as in the node (which does not
disable or freeze it): the collections that ran inside each case are counted in
`extra.gc_collections` (by generation) so a tail can be told from GC. The risk accept path
allocates only short-lived containers (the identical-order key, the open-order record), so it
adds almost nothing to the gen-0 count. The machine is shared (2 cores, several processes):
tail percentiles include scheduler preemptions and hypervisor steal, so ratios measured in the
same run are the robust numbers; `extra.interference` says how busy the machine was during
`full_check` (involuntary context switches of this process, busy and steal share of all CPUs),
`extra.loadavg_1_5_15min` the load around it.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import logging
import math
import os
import resource
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from bench.harness import SEED, Case, latency_case, new_histogram, timer_overhead_ns
from bot4.risk import Denied, RollingCorrelation

_perf = time.perf_counter_ns


@contextlib.contextmanager
def _gc_counted(counts: dict[str, list[int]], case: str) -> Iterator[None]:
    """GC stays enabled (as in the node); count the collections per generation meanwhile."""
    gens = counts.setdefault(case, [0, 0, 0])

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gens[info["generation"]] += 1

    gc.collect()  # start clean, as every case does
    gc.callbacks.append(on_gc)
    try:
        yield
    finally:
        gc.callbacks.remove(on_gc)


GC_COUNTS: dict[str, list[int]] = {}
GC_IN_TIMED_CALLS: dict[str, int] = {}
INTERFERENCE: dict[str, dict[str, float]] = {}


def _cpu_ticks() -> list[int]:
    """The aggregate `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal)."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):  # not Linux
        return [0] * 8


class _Interference:
    """What the machine did to this process meanwhile: the tail's usual suspects on a shared
    VM (preemptions by other processes, CPU time stolen by the hypervisor)."""

    def __init__(self) -> None:
        self._ru = resource.getrusage(resource.RUSAGE_SELF)
        self._ticks = _cpu_ticks()

    def since(self) -> dict[str, float]:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        d = [b - a for a, b in zip(self._ticks, _cpu_ticks(), strict=True)]
        total = sum(d) or 1
        return {
            "involuntary_context_switches": ru.ru_nivcsw - self._ru.ru_nivcsw,
            "machine_busy_pct": round(100 * (total - d[3] - d[4]) / total, 1),
            "machine_steal_pct": round(100 * d[7] / total, 2),
        }


def _full_check(n_orders: int) -> tuple[Case, dict[str, Any]]:
    from bench._risk_workload import Workload

    w = Workload(n_orders, SEED)
    check, before, after = w.engine.check, w.before, w.after
    hist = new_histogram()
    record = hist.record_value
    mix: collections.Counter[str] = collections.Counter()
    gens = GC_COUNTS.setdefault("full_check", [0, 0, 0])
    in_calls = 0  # collections that ran inside a timed check() (triggered by its allocations)
    machine = _Interference()
    with _gc_counted(GC_COUNTS, "full_check"):
        t_all = 0
        for i, o in enumerate(w.orders):
            before(i)
            g = gens[0]
            t0 = _perf()
            d = check(o)
            dt = _perf() - t0
            record(max(1, dt))
            t_all += dt
            in_calls += gens[0] - g
            if d:
                after(o, True)
            else:
                assert isinstance(d, Denied)
                mix[d.reason.value] += 1
    INTERFERENCE["full_check"] = machine.since()
    accepted = n_orders - sum(mix.values())
    deny_mix = {"ACCEPTED": accepted, **dict(mix.most_common())}
    GC_IN_TIMED_CALLS["full_check"] = in_calls
    return latency_case("full_check", hist, t_all), deny_mix


def _nautilus(n_orders: int, *, bypass: bool, name: str) -> Case:
    from bench._risk_nautilus import build

    warm = min(2_000, n_orders // 5)
    submit = build(50, n_orders + warm, SEED, bypass=bypass)
    for i in range(warm):
        submit(i)
    hist = new_histogram()
    record = hist.record_value
    with _gc_counted(GC_COUNTS, f"nautilus_{name}"):
        t_all = 0
        for i in range(warm, warm + n_orders):
            t0 = _perf()
            submit(i)
            dt = _perf() - t0
            record(max(1, dt))
            t_all += dt
    return latency_case(name, hist, t_all)


def _naive_update(state: dict[str, Any], r: list[float], n: int, window: int) -> list[list[float]]:
    """The incremental update of `RollingCorrelation`, in plain Python lists and loops."""
    ring, sums, cross = state["ring"], state["sum"], state["cross"]
    old = ring[state["head"]] if len(ring) == window else None
    if old is None:
        ring.append(r)
    else:
        ring[state["head"]] = r
    state["head"] = (state["head"] + 1) % window
    for i in range(n):
        ri = r[i]
        row = cross[i]
        if old is not None:
            oi = old[i]
            sums[i] += ri - oi
            for j in range(n):
                row[j] += ri * r[j] - oi * old[j]
        else:
            sums[i] += ri
            for j in range(n):
                row[j] += ri * r[j]
    k = len(ring)
    mean = [s / k for s in sums]
    std = [math.sqrt(max(cross[i][i] / k - mean[i] * mean[i], 0.0)) or 1.0 for i in range(n)]
    return [
        [(cross[i][j] / k - mean[i] * mean[j]) / (std[i] * std[j]) for j in range(n)]
        for i in range(n)
    ]


def _correlation(quick: bool) -> tuple[list[Case], list[Case]]:
    n, window = 100, 120
    rng = np.random.default_rng(SEED)
    factor = rng.normal(0, 0.001, size=(4000, 1))
    returns = factor * rng.uniform(0.3, 1.2, size=n) + rng.normal(0, 0.0008, size=(4000, n))
    corr = RollingCorrelation(n, window, 30)
    for r in returns[:window]:
        corr.update(r)
    samples = 500 if quick else 3000
    cases: list[Case] = []
    for name, fn in (("correlation_update", corr.update), ("correlation_recompute", None)):
        hist = new_histogram()
        with _gc_counted(GC_COUNTS, name):
            for k in range(samples if fn else samples // 3):
                r = returns[window + k % 3000]
                t0 = _perf()
                if fn is None:
                    corr.recompute()
                else:
                    fn(r)
                hist.record_value(max(1, _perf() - t0))
        cases.append(latency_case(name, hist))
    state: dict[str, Any] = {
        "ring": [],
        "head": 0,
        "sum": [0.0] * n,
        "cross": [[0.0] * n for _ in range(n)],
    }
    rows = returns.tolist()
    for r in rows[:window]:
        _naive_update(state, r, n, window)
    got = np.array(_naive_update(state, rows[window], n, window))
    ref = RollingCorrelation(n, window, 2)
    for r in returns[1 : window + 1]:
        ref.update(r)
    assert np.allclose(got, ref.matrix, atol=1e-6), "naive and numpy correlations differ"
    hist = new_histogram()
    with _gc_counted(GC_COUNTS, "correlation_naive"):
        for k in range(20 if quick else 60):
            r = rows[window + 1 + k]
            t0 = _perf()
            _naive_update(state, r, n, window)
            hist.record_value(max(1, _perf() - t0))
    return cases, [latency_case("correlation_naive", hist)]


def _kill_switch(samples: int) -> Case:
    from bench._risk_workload import Workload

    w = Workload(10, SEED)
    ks = w.engine.kill_switch
    stamp = [0]

    def halted(on: bool) -> None:
        if on:
            stamp[0] = _perf()

    ks.add_halt_hook(halted)
    log = logging.getLogger("bot4.risk.kill_switch")
    was = log.disabled
    log.disabled = True  # 2 x samples log lines otherwise; the logging is after the halt
    hist = new_histogram()
    try:
        with _gc_counted(GC_COUNTS, "kill_switch_trip"):
            for _ in range(samples):
                t0 = _perf()
                ks.trip("bench", source="operator", by="bench")
                hist.record_value(max(1, stamp[0] - t0))
                assert w.engine.trading_state.value == "HALTED"
                ks.reset(by="bench")
    finally:
        log.disabled = was
    return latency_case("kill_switch_trip", hist)


def run(quick: bool) -> tuple[list[Case], list[Case], dict[str, Any]]:
    n_ours = 20_000 if quick else 120_000
    n_peer = 3_000 if quick else 40_000
    load = {"before": os.getloadavg()}  # the machine is shared: how busy it was
    full, deny_mix = _full_check(n_ours)
    load["after_full_check"] = os.getloadavg()
    peer = _nautilus(n_peer, bypass=False, name="full_check")
    bypass = _nautilus(n_peer // 2, bypass=True, name="full_check_bypass")
    corr_cases, corr_peers = _correlation(quick)
    kill = _kill_switch(2_000 if quick else 10_000)
    results = [full, *corr_cases, kill]
    peers = [peer, *corr_peers]
    by = {c["case"]: c for c in results}
    naive = corr_peers[0]
    metrics = {
        "full_check_p50_ns": full["p50"],
        "full_check_p999_ns": full["p999"],
        "nautilus_full_check_p50_ns": peer["p50"],
        "nautilus_bypass_p50_ns": bypass["p50"],
        "full_check_ratio_vs_nautilus": full["p50"] / peer["p50"],
        "accepted_share": deny_mix["ACCEPTED"] / n_ours,
        "kill_switch_trip_p99_ns": kill["p99"],
        "correlation_update_p50_ns": by["correlation_update"]["p50"],
        "correlation_recompute_p50_ns": by["correlation_recompute"]["p50"],
        "correlation_naive_p50_ns": naive["p50"],
        "correlation_update_speedup_vs_naive": naive["p50"] / by["correlation_update"]["p50"],
    }
    extra: dict[str, Any] = {
        "metrics": metrics,
        "deny_mix": deny_mix,
        "nautilus_bypass": bypass,
        "timer_overhead_ns": timer_overhead_ns(),
        "loadavg_1_5_15min": load,
        "interference": INTERFERENCE,
        "gc": "enabled in every timed section (as in the node); collections per case below",
        "gc_in_timed_calls": GC_IN_TIMED_CALLS,
        "gc_collections": {
            k: dict(zip(("gen0", "gen1", "gen2"), v, strict=True)) for k, v in GC_COUNTS.items()
        },
        "measures": {
            "full_check (ours)": "RiskEngine.check(OrderRequest) alone, every check enabled; "
            "an accepted order is registered as open inside the call (LIMIT orders while "
            "ACTIVE take the fast path, the rest the reference check). TestClock advanced "
            "100 us per order outside the timing; references refreshed every 50 orders and "
            "the correlation matrix every 2,000, both untimed.",
            "full_check (nautilus_trader 1.221.0)": "RiskEngine.execute(SubmitOrder) of a "
            "LIMIT order: its pre-trade checks plus routing through ExecutionEngine to the "
            "test kit's MockExecutionClient (no-op). Cash account, 50 CurrencyPairs, "
            "submit-rate limit raised to 1e6/s so it does not throttle. Its checks: "
            "price/qty precision and bounds, notional vs min/max and free balance; no "
            "position, exposure, loss, drawdown, collar or open-order checks.",
            "nautilus_bypass": "the same with RiskEngineConfig(bypass=True): routing only",
            "correlation_update": "RollingCorrelation(100 instruments, window 120).update()",
            "correlation_recompute": "RollingCorrelation.recompute() from the 120x100 window",
            "correlation_naive (peer)": "the same incremental update in pure-Python loops",
            "kill_switch_trip": "KillSwitch.trip() until the engine is HALTED (stamp taken "
            "in a halt hook after the engine's); the event emission after it is untimed",
        },
    }
    return results, peers, extra
