"""compute_stats: a backtest's recorded inputs -> the report dict that report.json holds.

Pure and deterministic: no clock, no randomness, float sums exactly rounded (`math.fsum`) over
points in time order, floats rounded to SIG_DIGITS significant digits, keys sorted when dumped.
The same inputs give the same bytes (wall-clock figures belong under the driver's `timing` key).
A number that cannot be computed is None with a line in summary["notes"] saying why: NaN and
infinity are not JSON.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Sequence
from typing import Any

from bot4.backtest._curve import (
    NS,
    YEAR_S,
    downsample_minmax,
    drawdown_stats,
    equity_curve,
    exposure_stats,
    grid_step_s,
    resample,
    return_stats,
)
from bot4.backtest._inputs import BacktestInputs, FillRecord, PricePoint
from bot4.backtest._trades import Book, RoundTrip, match_fills, trade_stats

__all__ = ["REPORT_VERSION", "SIG_DIGITS", "compute_stats", "dump_report", "stable"]

REPORT_VERSION = 1
SIG_DIGITS = 10  # enough for any price or PnL a report shows; drops float-noise digits
MAX_SERIES_POINTS = 10_000  # per series in report.json (min/max preserving beyond that)
MAX_SERIES_FILLS = 5_000  # fill markers kept for the price charts (evenly spaced beyond that)
MAX_TRADES_LISTED = 10_000  # round trips listed in report.json (the first ones, by exit time)
DAY_NS = 86_400 * NS


def stable(value: Any) -> Any:
    """`value` with floats rounded to SIG_DIGITS, non-finite floats as None, tuples as lists."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        r = float(f"{value:.{SIG_DIGITS}g}")
        return 0.0 if r == 0 else r  # no "-0.0" in the JSON
    if isinstance(value, dict):
        return {str(k): stable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [stable(v) for v in value]
    return value


def dump_report(report: dict[str, Any]) -> bytes:
    """report.json's bytes: sorted keys, fixed indentation, NaN refused (ValueError)."""
    text = json.dumps(stable(report), sort_keys=True, indent=1, allow_nan=False)
    return text.encode("utf-8") + b"\n"


def _iso(ts_ns: int) -> str:
    return _dt.datetime.fromtimestamp(ts_ns / NS, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _price_paths(
    prices: Sequence[PricePoint], fills: Sequence[FillRecord]
) -> dict[str, list[tuple[int, float]]]:
    """Per instrument, (ts, price) in time order: the sampled prices, else the fill prices."""
    paths: dict[str, list[tuple[int, float]]] = {}
    for p in sorted(prices, key=lambda p: p.ts_ns):
        paths.setdefault(p.instrument, []).append((p.ts_ns, p.price))
    by_fill: dict[str, list[tuple[int, float]]] = {}
    for f in sorted(fills, key=lambda f: f.ts_ns):
        by_fill.setdefault(f.instrument, []).append((f.ts_ns, f.price))
    for inst, path in by_fill.items():
        paths.setdefault(inst, path)
    return dict(sorted(paths.items()))


def _pnl_row(
    books: Sequence[tuple[Book, float | None]], trips: Sequence[RoundTrip]
) -> dict[str, Any]:
    """One row of the per-strategy or per-instrument table."""
    realized = math.fsum(b.realized for b, _ in books)
    fees = math.fsum(b.fees for b, _ in books)
    unrealized = math.fsum(b.unrealized(mark) for b, mark in books)
    ts = trade_stats(trips)
    return {
        "fills": sum(b.fills for b, _ in books),
        "turnover": math.fsum(b.turnover for b, _ in books),
        "fees": fees,
        "realized_pnl": realized,
        "unrealized_pnl": unrealized,
        "net_pnl": realized - fees + unrealized,
        "trades": ts["trades"],
        "win_rate": ts["win_rate"],
        "profit_factor": ts["profit_factor"],
        "expectancy": ts["expectancy"],
    }


def _tables(
    trips: Sequence[RoundTrip], books: dict[tuple[str, str], Book], marks: dict[str, float]
) -> tuple[dict[str, Any], dict[str, Any]]:
    strategies = sorted({k[0] for k in books})
    instruments = sorted({k[1] for k in books})
    per_strategy = {
        s: _pnl_row(
            [(b, marks.get(k[1])) for k, b in books.items() if k[0] == s],
            [t for t in trips if t.strategy_id == s],
        )
        for s in strategies
    }
    per_instrument: dict[str, Any] = {}
    for inst in instruments:
        chosen = [b for k, b in books.items() if k[1] == inst]
        row = _pnl_row(
            [(b, marks.get(inst)) for b in chosen], [t for t in trips if t.instrument == inst]
        )
        row["open_qty"] = math.fsum(b.open_qty() for b in chosen)
        per_instrument[inst] = row
    return per_strategy, per_instrument


def _trade_view(t: RoundTrip) -> dict[str, Any]:
    return {
        "strategy_id": t.strategy_id,
        "instrument": t.instrument,
        "direction": t.direction,
        "qty": t.qty,
        "entry_ts_ns": t.entry_ts_ns,
        "exit_ts_ns": t.exit_ts_ns,
        "entry_price": t.entry_price,
        "exit_price": t.exit_price,
        "gross_pnl": t.gross_pnl,
        "fees": t.fees,
        "net_pnl": t.net_pnl,
        "holding_s": (t.exit_ts_ns - t.entry_ts_ns) / NS,
    }


def _fill_markers(fills: Sequence[FillRecord]) -> list[dict[str, Any]]:
    ordered = sorted(fills, key=lambda f: f.ts_ns)
    n = len(ordered)
    keep = (
        ordered
        if n <= MAX_SERIES_FILLS
        else [ordered[i * n // MAX_SERIES_FILLS] for i in range(MAX_SERIES_FILLS)]
    )
    return [
        {
            "ts_ns": f.ts_ns,
            "instrument": f.instrument,
            "strategy_id": f.strategy_id,
            "side": f.side,
            "price": f.price,
            "qty": f.qty,
        }
        for f in keep
    ]


def _returns(final: float, start: float, duration_ns: int, notes: dict[str, str]) -> dict[str, Any]:
    total = final / start - 1.0 if start > 0 else None
    cagr = None
    if total is None:
        notes["total_return"] = "starting equity is not > 0"
    if duration_ns < DAY_NS:
        notes["cagr"] = "the run is shorter than 1 day: an annualised growth rate would mislead"
    elif total is None or final <= 0:
        notes["cagr"] = "no growth rate from equity that starts or ends <= 0"
    else:
        cagr = (final / start) ** (YEAR_S * NS / duration_ns) - 1.0
    return {"equity_change": final - start, "total_return": total, "cagr": cagr}


def _fill_counts(fills: Sequence[FillRecord]) -> dict[str, Any]:
    maker = [f for f in fills if f.liquidity == "MAKER"]
    notional = math.fsum(abs(f.price * f.qty) for f in fills)
    maker_notional = math.fsum(abs(f.price * f.qty) for f in maker)
    n = len(fills)
    return {
        "fills": n,
        "maker_fills": len(maker),
        "taker_fills": n - len(maker),
        "maker_share": len(maker) / n if n else None,
        "maker_notional_share": maker_notional / notional if notional > 0 else None,
        "turnover": notional,
        "fees": math.fsum(f.fee for f in fills),
    }


def _explain_nulls(summary: dict[str, Any], notes: dict[str, str]) -> None:
    """Say why each ratio that is None is None."""
    why = {
        "win_rate": "no round-trip trades",
        "profit_factor": "no losing trades (nothing to divide by)"
        if summary["trades"]
        else "no round-trip trades",
        "sharpe": "fewer than 2 returns, or returns with zero variance",
        "sortino": "fewer than 2 returns, or no negative return",
        "calmar": "needs a CAGR and a drawdown > 0",
        "maker_share": "no fills",
        "time_in_market": "the run has zero length",
    }
    for key, text in why.items():
        if summary.get(key) is None:
            notes.setdefault(key, text)


def compute_stats(inputs: BacktestInputs) -> dict[str, Any]:
    """The report dict (see docs/backtesting.md for every metric's definition)."""
    start, end = inputs.start_ns, max(inputs.end_ns, inputs.start_ns)
    duration = end - start
    notes: dict[str, str] = {}
    trips, books = match_fills(inputs.fills)
    paths = _price_paths(inputs.prices, inputs.fills)
    marks = {inst: path[-1][1] for inst, path in paths.items()}
    per_strategy, per_instrument = _tables(trips, books, marks)
    for inst, row in per_instrument.items():
        first, last = paths[inst][0][1], paths[inst][-1][1]
        row.update(
            first_price=first,
            last_price=last,
            market_change=last / first - 1.0 if first > 0 else None,
        )

    curve = equity_curve(inputs.equity, start, inputs.starting_equity)
    step_s, label = grid_step_s(duration)
    dd, underwater = drawdown_stats(curve, end)
    final = curve[-1][1]
    realized = math.fsum(b.realized for b in books.values())
    unrealized = math.fsum(b.unrealized(marks.get(k[1])) for k, b in books.items())
    counts = _fill_counts(inputs.fills)
    summary: dict[str, Any] = {
        "starting_equity": inputs.starting_equity,
        "final_equity": final,
        "min_equity": min(v for _, v in curve),
        "max_equity": max(v for _, v in curve),
        **_returns(final, inputs.starting_equity, duration, notes),
        "realized_pnl": realized,
        "unrealized_pnl": unrealized,
        "net_pnl": realized - counts["fees"] + unrealized,
        **counts,
        "turnover_to_equity": counts["turnover"] / inputs.starting_equity
        if inputs.starting_equity > 0
        else None,
        "orders": inputs.orders,
        "denials": sum(inputs.denials.values()),
        **trade_stats(trips),
        **return_stats(resample(curve, start, end, step_s), step_s, label),
        **dd,
        **exposure_stats(inputs.equity, start, end),
    }
    summary["calmar"] = (
        summary["cagr"] / summary["max_drawdown_pct"]
        if summary["cagr"] is not None and summary["max_drawdown_pct"] > 0
        else None
    )
    _explain_nulls(summary, notes)
    summary["notes"] = dict(sorted(notes.items()))
    summary["trades_listed"] = min(len(trips), MAX_TRADES_LISTED)
    exposure = [
        (p.ts_ns, p.gross_exposure, p.net_exposure)
        for p in sorted(inputs.equity, key=lambda p: p.ts_ns)
    ]
    report: dict[str, Any] = stable(
        {
            "version": REPORT_VERSION,
            "run": {
                "start_ns": start,
                "end_ns": end,
                "period": {"start": _iso(start), "end": _iso(end), "duration_s": duration / NS},
                "fill_model": inputs.fill_model,
                "strategies": dict(sorted(inputs.strategies.items())),
                "instruments": sorted(inputs.instruments),
                "data": list(inputs.data),
                "starting_equity": inputs.starting_equity,
            },
            "summary": summary,
            "per_strategy": per_strategy,
            "per_instrument": per_instrument,
            "trades": [_trade_view(t) for t in trips[:MAX_TRADES_LISTED]],
            "series": {
                "equity": downsample_minmax(curve, MAX_SERIES_POINTS),
                "drawdown": downsample_minmax(underwater, MAX_SERIES_POINTS),
                "exposure": downsample_minmax(exposure, MAX_SERIES_POINTS),
                "prices": {i: downsample_minmax(p, MAX_SERIES_POINTS) for i, p in paths.items()},
                "fills": _fill_markers(inputs.fills),
            },
            "denials": dict(sorted(inputs.denials.items())),
        }
    )
    return report
