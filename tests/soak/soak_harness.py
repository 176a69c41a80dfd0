"""Soak harness: a long synthetic Binance session through `TradingNode`, RSS sampled each second.

The node runs in this process (API off, embedded SQLite in a fresh run directory) on a session
the seeded generator streams to disk, at the recorded pace. A sampler task reads the resident
set size once a second; after the warm-up a least-squares line through the samples gives the
growth rate (MiB/min). The figures go to `soak.json` in the run directory.

Why in-process: the counters the verdict needs (fills, open orders, refused events, container
sizes) are on the node itself. The node streams the replay from the file (bounded read-ahead);
had it loaded the session whole, that would be a constant part of the RSS: the level, not the
slope.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bot4.api.config import ApiConfig
from bot4.engine import NodeConfig, TradingNode, build_node
from bot4.engine.config import ReplayConfig
from bot4.marketdata.synth import write_binance_session
from bot4.risk import RiskConfig

MIB = 1024 * 1024


def make_session(folder: Path, *, seconds: float, rate: float, seed: int) -> Path:
    """Stream a 3-instrument Binance spot session of `seconds` at `rate` msg/s into `folder`."""
    write_binance_session(
        folder, messages=int(seconds * rate), seed=seed, duration_s=seconds, depth=200
    )
    return folder


def slope_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) samples, in value units per minute."""
    if len(samples) < 2:
        raise ValueError("a slope needs at least two samples")
    ts = [t for t, _ in samples]
    vs = [v for _, v in samples]
    mt, mv = statistics.fmean(ts), statistics.fmean(vs)
    sxx = sum((t - mt) ** 2 for t in ts)
    if sxx == 0:
        raise ValueError("samples all at the same time")
    sxy = sum((t - mt) * (v - mv) for t, v in zip(ts, vs, strict=True))
    return sxy / sxx * 60.0


class _ErrorCounter(logging.Handler):
    """Counts ERROR (and worse) log records; keeps the first few messages (bounded)."""

    def __init__(self, keep: int = 20) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: list[str] = []
        self._keep = keep

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < self._keep:
            self.first.append(f"{record.name}: {record.getMessage()}")


def _sizes(node: TradingNode) -> dict[str, int]:
    """Lengths of the containers that could grow per message or per order (for the report)."""
    probes: dict[str, Callable[[TradingNode], Any]] = {
        "oms.orders": lambda n: n.oms.orders,
        "oms.errors": lambda n: n.oms.errors,
        "journal.pending": lambda n: n.storage.journal._pending,
        "risk.closed_ids": lambda n: n.risk.ledger.closed,
        "risk.open": lambda n: n.risk.ledger.open,
        "risk.recent": lambda n: n.risk.ledger.recent,
        "venue.due": lambda n: n.venue._due,
        "venue.resting": lambda n: [o for d in n.venue._resting.values() for o in d],
        "book_levels": lambda n: [p for b in n.books.values() for p in (*b._bids, *b._asks)],
        "breaker_events": lambda n: n.breaker_events,
        "latency_samples": lambda n: [x for v in n.latencies.samples.values() for x in v],
        "decisions": lambda n: n.decisions,
    }
    out: dict[str, int] = {}
    for name, get in probes.items():
        try:
            out[name] = len(get(node))
        except (AttributeError, TypeError):  # not there (yet) in this version of the node
            continue
    return out


@dataclass
class SoakRun:
    """What one soak run measured."""

    samples: list[dict[str, float]] = field(default_factory=list)  # one per second
    sizes_after_warmup: dict[str, int] = field(default_factory=dict)
    sizes_end: dict[str, int] = field(default_factory=dict)
    errors_logged: int = 0
    first_errors: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    node: TradingNode | None = None


async def run_soak(
    dataset: Path, run_dir: Path, *, warmup_s: float, pace: float, risk: RiskConfig | None = None
) -> SoakRun:
    """Run the node on `dataset` to the end of the replay, sampling RSS every second."""
    config = NodeConfig(
        replay=ReplayConfig(pace=pace),
        api=ApiConfig(enabled=False),
        risk=risk or RiskConfig(),
        data_dir=str(run_dir / "storage"),  # a fresh store per soak run
    )
    node = build_node(config, run_dir=run_dir, api=False, announce=lambda _: None, dataset=dataset)
    result = SoakRun(node=node)
    errors = _ErrorCounter()
    root = logging.getLogger()
    root.addHandler(errors)
    proc = psutil.Process()
    t0 = time.monotonic()

    async def sample() -> None:
        while True:
            t = time.monotonic() - t0
            conn, oms = node.conn, node.oms
            result.samples.append(
                {
                    "t_s": round(t, 3),
                    "rss_mib": proc.memory_info().rss / MIB,
                    "frames": 0 if conn is None else conn.stats.frames,
                    "fills": node.router.fills,
                    "open_orders": 0 if oms is None else oms.open_order_count(),
                }
            )
            if not result.sizes_after_warmup and t >= warmup_s and oms is not None:
                result.sizes_after_warmup = _sizes(node)
            await asyncio.sleep(1.0)

    sampler = asyncio.create_task(sample())
    try:
        result.report = await node.run()
    finally:
        sampler.cancel()
        root.removeHandler(errors)
    result.sizes_end = _sizes(node)
    result.errors_logged = errors.count
    result.first_errors = errors.first
    return result


def figures(run: SoakRun, *, warmup_s: float) -> dict[str, Any]:
    """The numbers the note quotes: messages, rate, fills, RSS at start/after warm-up/end, slope."""
    node = run.node
    assert node is not None
    samples = run.samples
    post = [(s["t_s"], s["rss_mib"]) for s in samples if s["t_s"] >= warmup_s]
    # Level after warm-up and at the end: medians of 30 s windows (one GC pause is no trend).
    head = [v for t, v in post if t < post[0][0] + 30] if post else []
    tail = [v for t, v in post if t > post[-1][0] - 30] if post else []
    elapsed = samples[-1]["t_s"] if samples else 0.0
    frames = node.conn.stats.frames if node.conn is not None else 0
    oms = node.oms
    counters = oms.counters if oms is not None else None
    return {
        "wall_s": round(elapsed, 1),
        "warmup_s": warmup_s,
        "messages": frames,
        "msg_per_s": round(frames / elapsed, 1) if elapsed else 0.0,
        "feed_errors": node.handler.stats.errors,
        "feed_gaps": node.handler.stats.gaps,
        "orders_submitted": node.context.orders_submitted,
        "fills": node.router.fills,
        "open_orders_end": 0 if oms is None else oms.open_order_count(),
        "strategies_failed": dict(node.router.failed),
        "oms_invalid_events": 0 if counters is None else counters.invalid_events,
        "oms_unknown_order_events": 0 if counters is None else counters.unknown_order_events,
        "errors_logged": run.errors_logged,
        "first_errors": run.first_errors,
        "rss_start_mib": round(samples[0]["rss_mib"], 1) if samples else 0.0,
        "rss_after_warmup_mib": round(statistics.median(head), 1) if head else 0.0,
        "rss_end_mib": round(statistics.median(tail), 1) if tail else 0.0,
        "rss_max_mib": round(max(s["rss_mib"] for s in samples), 1) if samples else 0.0,
        "growth_after_warmup_mib": (
            round(statistics.median(tail) - statistics.median(head), 2) if head else 0.0
        ),
        "slope_mib_per_min": round(slope_per_min(post), 4) if len(post) >= 2 else 0.0,
        "samples_after_warmup": len(post),
        "sizes_after_warmup": run.sizes_after_warmup,
        "sizes_end": run.sizes_end,
    }


def write_figures(run_dir: Path, figs: dict[str, Any], samples: list[dict[str, float]]) -> Path:
    """`soak.json` (the figures) and `soak_samples.json` (the RSS series) in the run dir."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "soak_samples.json").write_text(json.dumps(samples))
    path = run_dir / "soak.json"
    path.write_text(json.dumps(figs, indent=2, sort_keys=True))
    return path
