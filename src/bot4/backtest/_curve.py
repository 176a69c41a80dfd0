"""The equity curve's statistics: Sharpe and Sortino on a fixed grid, drawdowns, exposure.

Float sums go through `math.fsum` (exactly rounded, so the result does not depend on summation
order) and every loop walks the points in time order: the same inputs give the same bits.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, TypeVar

from bot4.backtest._inputs import EquityPoint

__all__ = [
    "GRID_STEPS_S",
    "YEAR_S",
    "downsample_minmax",
    "drawdown_stats",
    "equity_curve",
    "exposure_stats",
    "grid_step_s",
    "resample",
    "return_stats",
]

NS = 1_000_000_000
YEAR_S = 365 * 86_400  # crypto trades every day: a year is 365 days of returns
# The return grids, finest first, with the names the report prints.
GRID_STEPS_S: tuple[tuple[int, str], ...] = (
    (1, "1 s"),
    (10, "10 s"),
    (60, "1 min"),
    (300, "5 min"),
    (900, "15 min"),
    (3_600, "1 h"),
    (14_400, "4 h"),
    (86_400, "1 d"),
)
MIN_RETURNS = 100  # the grid is the coarsest that still gives this many returns

P = TypeVar("P", bound=Sequence[Any])


def grid_step_s(duration_ns: int) -> tuple[int, str]:
    """The coarsest grid step giving >= MIN_RETURNS returns over the run (1 s for short runs).

    Coarse steps keep the microstructure noise of tick data out of the ratios; the fixed ladder
    makes the step a function of the run length alone, so reruns compare like with like.
    """
    chosen = GRID_STEPS_S[0]
    for step, label in GRID_STEPS_S:
        if duration_ns // (step * NS) >= MIN_RETURNS:
            chosen = (step, label)
    return chosen


def equity_curve(
    points: Sequence[EquityPoint], start_ns: int, starting_equity: float
) -> list[tuple[int, float]]:
    """(ts, equity) in time order, beginning with the starting equity at start_ns when the
    recorded points begin later (the account exists before its first recorded change)."""
    curve = [(p.ts_ns, p.equity) for p in sorted(points, key=lambda p: p.ts_ns)]
    if not curve or curve[0][0] > start_ns:
        curve.insert(0, (start_ns, starting_equity))
    return curve


def resample(
    curve: Sequence[tuple[int, float]], start_ns: int, end_ns: int, step_s: int
) -> list[float]:
    """Equity at start_ns, start_ns + step, ... <= end_ns: the last value at or before each."""
    step_ns = step_s * NS
    out: list[float] = []
    i = 0
    value = curve[0][1]
    t = start_ns
    while t <= end_ns:
        while i < len(curve) and curve[i][0] <= t:
            value = curve[i][1]
            i += 1
        out.append(value)
        t += step_ns
    return out


def return_stats(values: Sequence[float], step_s: int, label: str) -> dict[str, Any]:
    """Sharpe, Sortino and volatility of the simple returns between consecutive grid values.

    Risk-free rate 0. Sharpe = mean / sample stdev (n - 1); Sortino = mean / downside deviation,
    sqrt(sum(min(r, 0)^2) / n); both x sqrt(periods per year). An interval starting at equity
    <= 0 has no return and is skipped. None when fewer than 2 returns or a zero denominator.
    """
    periods = YEAR_S // step_s
    rets = [b / a - 1.0 for a, b in itertools.pairwise(values) if a > 0]
    n = len(rets)
    out: dict[str, Any] = {
        "return_grid": label,
        "return_count": n,
        "annualisation": f"{label} returns x sqrt({periods}) (365-day year)",
        "sharpe": None,
        "sortino": None,
        "volatility": None,
    }
    if n < 2:
        return out
    mean = math.fsum(rets) / n
    std = math.sqrt(math.fsum((r - mean) ** 2 for r in rets) / (n - 1))
    down = math.sqrt(math.fsum(min(r, 0.0) ** 2 for r in rets) / n)
    scale = math.sqrt(periods)
    out["volatility"] = std * scale
    if std > 0:
        out["sharpe"] = mean / std * scale
    if down > 0:
        out["sortino"] = mean / down * scale
    return out


def drawdown_stats(
    curve: Sequence[tuple[int, float]], end_ns: int
) -> tuple[dict[str, Any], list[tuple[int, float | None]]]:
    """The largest drawdown, the longest time under water, and the underwater series.

    Drawdown at a point = running peak - equity (quote units); as a share of the peak when the
    peak is > 0. The reported episode is the largest drawdown in quote units: from its peak, to
    its trough, to the first point back at or above that peak (None if it never got back; its
    duration then runs to end_ns). The underwater series is -drawdown/peak (<= 0).
    """
    peak, peak_ts = -math.inf, curve[0][0]
    max_abs, max_pct = 0.0, 0.0
    episode = (curve[0][0], curve[0][0], curve[0][1])  # (peak ts, trough ts, peak value)
    trough_i = 0
    longest = 0
    underwater = False
    under: list[tuple[int, float | None]] = []
    for i, (ts, v) in enumerate(curve):
        if v >= peak:
            if underwater:  # back at the peak: one spell under water ends
                longest = max(longest, ts - peak_ts)
                underwater = False
            peak, peak_ts = v, ts
        else:
            underwater = True
        dd = peak - v
        pct = dd / peak if peak > 0 else None
        under.append((ts, None if pct is None else (-pct if pct else 0.0)))
        if dd > max_abs:
            max_abs, episode, trough_i = dd, (peak_ts, ts, peak), i
        if pct is not None and pct > max_pct:
            max_pct = pct
    if underwater:  # still under water at the end
        longest = max(longest, end_ns - peak_ts)
    recovery = next((ts for ts, v in curve[trough_i:] if v >= episode[2]), None)
    if max_abs == 0:
        recovery = None
    stats: dict[str, Any] = {
        "max_drawdown": max_abs,
        "max_drawdown_pct": max_pct,
        "max_drawdown_start_ns": episode[0] if max_abs else None,
        "max_drawdown_trough_ns": episode[1] if max_abs else None,
        "max_drawdown_recovery_ns": recovery,
        "max_drawdown_recovered": recovery is not None if max_abs else None,
        "max_drawdown_duration_s": (
            ((recovery if recovery is not None else end_ns) - episode[0]) / NS if max_abs else 0.0
        ),
        "longest_drawdown_s": longest / NS,
    }
    return stats, under


def exposure_stats(points: Sequence[EquityPoint], start_ns: int, end_ns: int) -> dict[str, Any]:
    """Time in market and time-weighted exposure over [start_ns, end_ns].

    Each point's exposure holds until the next point (the last until end_ns); before the first
    point the account is flat. None for averages over a run of zero length.
    """
    pts = sorted(points, key=lambda p: p.ts_ns)
    span = end_ns - start_ns
    in_market: list[float] = []
    gross: list[float] = []
    net: list[float] = []
    for i, p in enumerate(pts):
        until = pts[i + 1].ts_ns if i + 1 < len(pts) else end_ns
        dt = max(0, min(until, end_ns) - max(p.ts_ns, start_ns))
        if p.gross_exposure > 0:
            in_market.append(dt)
        gross.append(p.gross_exposure * dt)
        net.append(p.net_exposure * dt)
    leverage = [p.gross_exposure / p.equity for p in pts if p.equity > 0]
    return {
        "time_in_market": math.fsum(in_market) / span if span > 0 else None,
        "avg_gross_exposure": math.fsum(gross) / span if span > 0 else None,
        "avg_net_exposure": math.fsum(net) / span if span > 0 else None,
        "max_gross_exposure": max((p.gross_exposure for p in pts), default=0.0),
        "max_leverage": max(leverage, default=0.0),
    }


def downsample_minmax(points: Sequence[P], max_points: int, key: int = 1) -> list[P]:
    """At most ~max_points points: per bucket of consecutive points, its lowest and highest.

    Keeps the spikes a plain every-n-th sample loses (a drawdown's trough is the point of a
    drawdown chart). The first and last points are always kept; None values are never chosen as
    extremes. Points are sequences whose element `key` is the value.
    """
    n = len(points)
    if n <= max_points:
        return list(points)
    buckets = max(1, (max_points - 2) // 2)
    out: list[P] = [points[0]]
    for b in range(buckets):
        lo_i = 1 + (n - 2) * b // buckets
        hi_i = 1 + (n - 2) * (b + 1) // buckets
        chunk = [i for i in range(lo_i, hi_i) if points[i][key] is not None]
        if not chunk:
            continue
        i_min = min(chunk, key=lambda i: points[i][key])
        i_max = max(chunk, key=lambda i: points[i][key])
        out.extend(points[i] for i in sorted({i_min, i_max}))
    out.append(points[-1])
    return out
