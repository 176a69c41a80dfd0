"""The benchmark harness: latency percentiles from an HDR histogram, and the JSON format.

A case is a dict: {"case", "unit", "samples", "p50", "p95", "p99", "p999", "max",
"throughput_per_s"} (latencies in ns), optionally "repeats" and "counters". GC is disabled in
timed sections (every family says so in its report) and every workload uses a fixed seed.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import time
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

Case = dict[str, Any]
SEED = 20261125

_perf = time.perf_counter_ns


def machine() -> dict[str, Any]:
    """The machine as the JSON format describes it."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "calibration_us": calibration_us(),
    }


def calibration_us() -> float:
    """How fast this machine runs Python right now: `sum(range(1000))`, best of 5 x 2000, in µs.

    A shared VM's speed changes from day to day (a neighbour on the host, a throttled core);
    absolute figures from two runs compare only once scaled by this, ratios to a peer in the
    same run need no scaling.
    """
    best = min(timeit.repeat("sum(range(1000))", repeat=5, number=2000, timer=time.perf_counter))
    return round(best / 2000 * 1e6, 2)


@contextmanager
def no_gc() -> Iterator[None]:
    """Disable the cyclic GC in a timed section (and collect before it, so it starts clean)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def gc_on() -> Iterator[None]:
    """Collect before a timed section, then leave the cyclic GC on, as it is in the node: the
    GC pauses an allocation-heavy path causes show up in its tail."""
    gc.collect()
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()


def new_histogram() -> HdrHistogram:
    # 1 ns .. 60 s at 3 significant digits.
    return HdrHistogram(1, 60_000_000_000, 3)


def latency_case(name: str, hist: HdrHistogram, elapsed_ns: int | None = None) -> Case:
    """A latency case from a filled histogram; throughput from the total elapsed time if given."""
    n = hist.get_total_count()
    if elapsed_ns is None:
        elapsed_ns = int(hist.get_mean_value() * n)
    return {
        "case": name,
        "unit": "ns",
        "samples": n,
        "cdf": cdf_points(hist),
        "hist": log_buckets(hist),
        "p50": hist.get_value_at_percentile(50),
        "p95": hist.get_value_at_percentile(95),
        "p99": hist.get_value_at_percentile(99),
        "p999": hist.get_value_at_percentile(99.9),
        "max": hist.get_max_value(),
        "throughput_per_s": (n / (elapsed_ns / 1e9)) if elapsed_ns > 0 else None,
    }


# Percentiles for the report's CDF plots: dense near the tail, where latency stories are told.
CDF_PERCENTILES = [
    *(float(p) for p in range(1, 90)),
    *(90 + i * 0.5 for i in range(18)),
    99.0,
    99.5,
    99.75,
    99.9,
    99.95,
    99.99,
    99.999,
    100.0,
]


def cdf_points(hist: HdrHistogram) -> list[list[float]]:
    """[[percentile, value_ns], ...] for plotting a latency CDF from the case alone."""
    return [[p, hist.get_value_at_percentile(p)] for p in CDF_PERCENTILES]


def log_buckets(hist: HdrHistogram) -> list[list[int]]:
    """[[bucket_upper_ns, count], ...] in powers of two from 8 ns, for the report's histograms."""
    return [
        [int(b.value_iterated_to), int(b.count_added_in_this_iter_step)]
        for b in hist.get_log_iterator(8, 2)
    ]


def throughput_case(name: str, unit: str, count: int, elapsed_s: list[float]) -> Case:
    """A throughput-only case: `count` items per repeat, one elapsed time per repeat."""
    rates = [count / s for s in elapsed_s if s > 0]
    return {
        "case": name,
        "unit": unit,
        "samples": count * len(elapsed_s),
        "p50": None,
        "p95": None,
        "p99": None,
        "p999": None,
        "max": None,
        "throughput_per_s": statistics.median(rates) if rates else None,
        "repeats": {
            "n": len(rates),
            "min": min(rates, default=None),
            "median": statistics.median(rates) if rates else None,
            "max": max(rates, default=None),
        },
    }


def time_each(fn: Callable[[], object], samples: int, warmup: int = 10_000) -> HdrHistogram:
    """Time `samples` calls of `fn`, one by one, with GC off; returns the histogram in ns."""
    hist = new_histogram()
    record = hist.record_value
    for _ in range(warmup):
        fn()
    with no_gc():
        for _ in range(samples):
            t0 = _perf()
            fn()
            record(max(1, _perf() - t0))
    return hist


def timer_overhead_ns(samples: int = 100_000) -> int:
    """The p50 cost of the timing itself (two perf_counter_ns reads)."""
    return int(time_each(lambda: None, samples, warmup=1000).get_value_at_percentile(50))


def write_json(
    path: Path, family: str, results: list[Case], peers: list[Case], **extra: Any
) -> None:
    """Write one family's results in the harness's JSON format."""
    doc: dict[str, Any] = {
        "family": family,
        "machine": machine(),
        "results": results,
        "peers": peers,
    }
    doc.update(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def print_cases(family: str, results: list[Case], peers: list[Case]) -> None:
    """A readable table on stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"bench {family}")
    for col in ("side", "case", "unit", "samples", "p50", "p95", "p99", "p99.9", "max", "per s"):
        table.add_column(col, justify="right" if col not in ("side", "case") else "left")

    def fmt(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:,.0f}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    for side, cases in (("bot4", results), ("peer", peers)):
        for c in cases:
            table.add_row(
                side,
                c["case"],
                c["unit"],
                fmt(c["samples"]),
                fmt(c["p50"]),
                fmt(c["p95"]),
                fmt(c["p99"]),
                fmt(c["p999"]),
                fmt(c["max"]),
                fmt(c["throughput_per_s"]),
            )
    Console().print(table)
