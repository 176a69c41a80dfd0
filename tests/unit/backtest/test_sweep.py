"""Sweep grids: settings parsed as TOML literals, applied to the right table, run in order."""

from __future__ import annotations

from typing import Any

import pytest

from bot4.backtest._sweep import (
    SweepPoint,
    apply_setting,
    grid,
    parse_setting,
    parse_value,
    points,
    run_points,
)
from bot4.errors import ConfigValueError


def test_values_are_toml_literals_and_bare_words_are_strings() -> None:
    assert parse_value("5") == 5 and parse_value("0.5") == 0.5 and parse_value("true") is True
    assert parse_value("[1, 2]") == [1, 2] and parse_value('"x y"') == "x y"
    assert parse_value("fast") == "fast"


def test_a_setting_needs_an_equals_sign() -> None:
    assert parse_setting(" a.b = 3 ") == ("a.b", "3")
    with pytest.raises(ConfigValueError, match="expected key=value"):
        parse_setting("spread")
    with pytest.raises(ConfigValueError, match="expected key=value"):
        parse_setting("=3")


def test_the_grid_is_the_product_with_the_first_key_slowest() -> None:
    assert grid(["a=1,2", "b=x,y"]) == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
    ]
    with pytest.raises(ConfigValueError, match="no values"):
        grid(["a= , "])


def _two() -> dict[str, Any]:
    return {"strategies": [{"id": "mm", "class": "m:A"}, {"id": "mo", "class": "m:B"}]}


def test_settings_reach_the_strategy_or_the_config_path() -> None:
    one: dict[str, Any] = {"strategies": [{"id": "mm", "class": "m:A"}]}
    apply_setting(one, "spread_bps", 8)  # one strategy: a bare key is its config
    assert one["strategies"][0]["config"] == {"spread_bps": 8}
    two = _two()
    apply_setting(two, "strategies.mo.fast.alpha", 0.5)
    assert two["strategies"][1]["config"] == {"fast": {"alpha": 0.5}}
    apply_setting(two, "paper.latency_us", 500)
    assert two["paper"] == {"latency_us": 500}


def test_settings_that_cannot_be_placed_are_refused_with_the_key() -> None:
    with pytest.raises(ConfigValueError, match=r"no strategy with id 'zz'"):
        apply_setting(_two(), "strategies.zz.x", 1)
    with pytest.raises(ConfigValueError, match="bare key needs exactly one strategy"):
        apply_setting(_two(), "spread_bps", 1)
    with pytest.raises(ConfigValueError, match="is not a table"):
        apply_setting({"paper": 3}, "paper.latency_us", 1)


def test_points_copy_the_tables() -> None:
    base: dict[str, Any] = {"strategies": [{"id": "mm", "class": "m:A"}]}
    todo = points(base, ["spread_bps=1,2"])
    assert [p.params for p in todo] == [{"spread_bps": 1}, {"spread_bps": 2}]
    assert [p.data["strategies"][0]["config"]["spread_bps"] for p in todo] == [1, 2]
    assert "config" not in base["strategies"][0], "the base tables are not changed"


def _square(point: SweepPoint) -> dict[str, Any]:
    return {"i": point.index, "sq": point.params["x"] ** 2}


@pytest.mark.parametrize("workers", [1, 2])
def test_points_run_in_grid_order_in_processes_or_inline(workers: int) -> None:
    todo = points({}, ["paper.x=1,2,3"])
    todo = [SweepPoint(p.index, {"x": p.params["paper.x"]}, p.data) for p in todo]
    done: list[int] = []
    rows = run_points(_square, todo, workers, done.append)
    assert rows == [{"i": 0, "sq": 1}, {"i": 1, "sq": 4}, {"i": 2, "sq": 9}]
    assert done == [1, 2, 3]
