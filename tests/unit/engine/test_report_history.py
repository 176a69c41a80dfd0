"""PnlHistory: bounded memory, even spacing after halving, the latest sample always reported."""

from __future__ import annotations

import itertools

import pytest

from bot4.engine._report import PnlHistory
from bot4.errors import ConfigValueError


def test_empty_history_has_no_points() -> None:
    assert PnlHistory().points() == []


def test_points_in_order_until_full() -> None:
    h = PnlHistory(max_points=10)
    for i in range(5):
        h.sample(i * 1_000, f"{i}.5")
    assert h.points() == [{"ts_ns": i * 1_000, "total": f"{i}.5"} for i in range(5)]


@pytest.mark.parametrize("max_points", [3, 4, 7, 10, 2000])
def test_bounded_and_evenly_spaced_over_the_whole_run(max_points: int) -> None:
    h = PnlHistory(max_points=max_points)
    n = 20_000
    for i in range(n):
        h.sample(i, str(i))
        if i % 37 == 0 or max_points < 10:
            assert len(h.points()) <= max_points
    ts = [p["ts_ns"] for p in h.points()]
    assert ts[0] == 0, "the first sample is kept"
    assert ts[-1] == n - 1, "the latest sample is always reported"
    steps = {b - a for a, b in itertools.pairwise(ts[:-1])}
    assert len(steps) == 1, f"kept points are evenly spaced, got steps {steps}"
    (step,) = steps
    assert step & (step - 1) == 0, "the step is a power of two (resolution halves)"
    assert ts[-1] - ts[-2] <= step
    assert len(ts) > max_points // 2, "halving keeps about half, not fewer"


def test_latest_not_duplicated_when_kept() -> None:
    h = PnlHistory(max_points=100)
    h.sample(1, "1")
    assert h.points() == [{"ts_ns": 1, "total": "1"}]


def test_too_small_is_refused() -> None:
    with pytest.raises(ConfigValueError, match="max_points"):
        PnlHistory(max_points=2)
