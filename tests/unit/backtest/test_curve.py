"""The equity curve's statistics against hand computations."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest

from bot4.backtest import EquityPoint
from bot4.backtest._curve import (
    downsample_minmax,
    drawdown_stats,
    equity_curve,
    exposure_stats,
    grid_step_s,
    resample,
    return_stats,
)

S = 1_000_000_000


def test_the_grid_is_the_coarsest_step_with_100_returns() -> None:
    assert grid_step_s(0) == (1, "1 s")
    assert grid_step_s(50 * S) == (1, "1 s")  # too short for 100 returns at any step
    assert grid_step_s(3_600 * S) == (10, "10 s")  # 360 returns; 1 min gives only 60
    assert grid_step_s(86_400 * S) == (300, "5 min")  # 15 min gives 96
    assert grid_step_s(365 * 86_400 * S) == (86_400, "1 d")


def test_the_curve_starts_with_the_starting_equity_and_resamples_last_value() -> None:
    pts = [EquityPoint(ts_ns=int(1.5 * S), equity=110.0, gross_exposure=0, net_exposure=0)]
    curve = equity_curve(pts, 0, 100.0)
    assert curve == [(0, 100.0), (int(1.5 * S), 110.0)]
    assert resample(curve, 0, 3 * S, 1) == [100.0, 100.0, 110.0, 110.0]
    # a curve recorded from the start is taken as is
    assert equity_curve(
        [EquityPoint(ts_ns=0, equity=5.0, gross_exposure=0, net_exposure=0)], 0, 1.0
    ) == [(0, 5.0)]


def test_sharpe_and_sortino_against_the_hand_formula() -> None:
    values = [100.0, 101.0, 99.0, 102.0, 102.0, 100.0]
    rets = [b / a - 1 for a, b in itertools.pairwise(values)]
    s = return_stats(values, 60, "1 min")
    periods = 365 * 1440
    assert s["annualisation"] == "1 min returns x sqrt(525600) (365-day year)"
    assert s["return_count"] == 5
    assert s["sharpe"] == pytest.approx(
        statistics.mean(rets) / statistics.stdev(rets) * math.sqrt(periods)
    )
    down = math.sqrt(sum(min(r, 0) ** 2 for r in rets) / len(rets))
    assert s["sortino"] == pytest.approx(statistics.mean(rets) / down * math.sqrt(periods))
    assert s["volatility"] == pytest.approx(statistics.stdev(rets) * math.sqrt(periods))


def test_ratios_are_none_without_variance_downside_or_returns() -> None:
    flat = return_stats([100.0, 100.0, 100.0], 1, "1 s")
    assert (flat["sharpe"], flat["sortino"], flat["volatility"]) == (None, None, 0.0)
    rising = return_stats([100.0, 101.0, 103.0], 1, "1 s")
    assert rising["sharpe"] is not None and rising["sortino"] is None
    assert return_stats([100.0], 1, "1 s")["sharpe"] is None
    assert return_stats([0.0, 1.0, 2.0, 3.0], 1, "1 s")["return_count"] == 2  # from 0: no return


def test_max_drawdown_its_timestamps_and_durations() -> None:
    # 100 -> 120 (peak at 2 s) -> 90 (trough at 4 s) -> 120 (back at 7 s) -> 130 -> 117 (to the end)
    curve = [
        (0, 100.0),
        (2 * S, 120.0),
        (4 * S, 90.0),
        (7 * S, 120.0),
        (8 * S, 130.0),
        (9 * S, 117.0),
    ]
    dd, under = drawdown_stats(curve, 12 * S)
    assert dd["max_drawdown"] == 30.0
    assert dd["max_drawdown_pct"] == pytest.approx(0.25)
    assert (dd["max_drawdown_start_ns"], dd["max_drawdown_trough_ns"]) == (2 * S, 4 * S)
    assert dd["max_drawdown_recovery_ns"] == 7 * S
    assert dd["max_drawdown_recovered"] is True
    assert dd["max_drawdown_duration_s"] == 5.0
    assert dd["longest_drawdown_s"] == 5.0  # 2 s -> 7 s; the last spell is 8 s -> 12 s = 4 s
    assert [v for _, v in under] == [0.0, 0.0, pytest.approx(-0.25), 0.0, 0.0, pytest.approx(-0.1)]


def test_an_unrecovered_drawdown_runs_to_the_end() -> None:
    dd, _ = drawdown_stats([(0, 100.0), (S, 80.0), (2 * S, 90.0)], 10 * S)
    assert dd["max_drawdown_recovery_ns"] is None
    assert dd["max_drawdown_recovered"] is False
    assert dd["max_drawdown_duration_s"] == 10.0
    assert dd["longest_drawdown_s"] == 10.0


def test_no_drawdown_and_equity_at_or_below_zero() -> None:
    dd, under = drawdown_stats([(0, 100.0), (S, 100.0), (2 * S, 101.0)], 2 * S)
    assert dd["max_drawdown"] == 0.0 and dd["max_drawdown_start_ns"] is None
    assert dd["max_drawdown_recovered"] is None and dd["max_drawdown_duration_s"] == 0.0
    dd, under = drawdown_stats([(0, 0.0), (S, -5.0)], S)
    assert dd["max_drawdown"] == 5.0 and dd["max_drawdown_pct"] == 0.0
    assert [v for _, v in under] == [None, None]  # no percentage below a peak of 0


def _pt(ts_s: int, gross: float, net: float, equity: float = 100.0) -> EquityPoint:
    return EquityPoint(ts_ns=ts_s * S, equity=equity, gross_exposure=gross, net_exposure=net)


def test_exposure_is_time_weighted_and_flat_before_the_first_point() -> None:
    pts = [
        _pt(2, 50.0, -50.0),
        _pt(4, 0.0, 0.0),
        _pt(6, 200.0, 100.0, equity=0.0),
        _pt(8, 20.0, 20.0),
    ]
    e = exposure_stats(pts, 0, 10 * S)
    assert e["time_in_market"] == pytest.approx(0.6)  # 2-4, 6-8, 8-10
    assert e["avg_gross_exposure"] == pytest.approx((50 * 2 + 200 * 2 + 20 * 2) / 10)
    assert e["avg_net_exposure"] == pytest.approx((-50 * 2 + 100 * 2 + 20 * 2) / 10)
    assert e["max_gross_exposure"] == 200.0
    assert e["max_leverage"] == pytest.approx(0.5)  # the point at equity 0 has no leverage
    empty = exposure_stats([], 5, 5)
    assert empty["time_in_market"] is None and empty["max_gross_exposure"] == 0.0


def test_downsampling_keeps_extremes_ends_and_skips_gaps() -> None:
    pts = [(i, float(i % 10)) for i in range(1000)]
    pts[500] = (500, 1e6)
    pts[600] = (600, -1e6)
    pts[700] = (700, None)  # type: ignore[assignment]
    out = downsample_minmax(pts, 50)
    assert len(out) <= 50
    assert out[0] == pts[0] and out[-1] == pts[-1]
    assert (500, 1e6) in out and (600, -1e6) in out
    assert [p[0] for p in out] == sorted(p[0] for p in out)
    assert downsample_minmax(pts[:10], 50) == pts[:10]
    gaps = [(0, 1.0), *((i, None) for i in range(1, 99)), (99, 2.0)]
    assert downsample_minmax(gaps, 10) == [(0, 1.0), (99, 2.0)]
