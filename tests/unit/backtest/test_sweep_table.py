"""The sweep table: ranked by a metric, nulls last, CSV and HTML with the same order."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from bot4.backtest import rank_rows, write_sweep_table
from bot4.errors import ConfigValueError


def _rows() -> list[dict[str, object]]:
    return [
        {"spread": 1, "size": 0.1, "sharpe": 0.5, "trades": 10},
        {"spread": 2, "size": 0.1, "sharpe": None, "trades": 0},
        {"spread": 3, "size": 0.1, "sharpe": 2.0, "trades": 7},
        {"spread": 4, "size": 0.1, "trades": 0},  # no metric at all
        {"spread": 5, "size": 0.1, "sharpe": math.nan, "trades": 1},
        {"spread": 6, "size": 0.1, "sharpe": -1.0, "trades": 3},
        {"spread": 7, "size": 0.1, "sharpe": 0.5, "trades": 4},  # ties keep the given order
    ]


def test_rows_rank_by_the_metric_with_nulls_last() -> None:
    ranked = rank_rows(_rows(), "sharpe")
    assert [r["spread"] for r in ranked] == [3, 1, 7, 6, 2, 4, 5]
    assert [r["rank"] for r in ranked] == list(range(1, 8))
    assert list(ranked[0]) == ["rank", "spread", "size", "sharpe", "trades"]
    ascending = rank_rows(_rows(), "sharpe", descending=False)
    assert [r["spread"] for r in ascending] == [6, 1, 7, 3, 2, 4, 5]


def test_a_metric_in_no_row_is_an_error() -> None:
    with pytest.raises(ConfigValueError, match="sharp"):
        rank_rows(_rows(), "sharp")
    assert rank_rows([], "sharpe") == []


def test_the_csv_and_html_files(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["strategy"] = "<img src=x>"
    csv_path, html_path = write_sweep_table(rows, "sharpe", tmp_path / "sweep")
    assert (csv_path.name, html_path.name) == ("sweep.csv", "sweep.html")
    with csv_path.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["rank", "spread", "size", "sharpe", "trades", "strategy"]
    assert [r[1] for r in table[1:]] == ["3", "1", "7", "6", "2", "4", "5"]
    assert table[5][3] == "" and table[7][3] == ""  # None and NaN are empty cells
    page = html_path.read_text(encoding="utf-8")
    assert "&lt;img src=x&gt;" in page and "<img" not in page
    assert "sharpe ▼" in page
    assert page.index("<td>3</td>") < page.index("<td>5</td>")
    again = write_sweep_table(rows, "sharpe", tmp_path / "again")
    assert again[0].read_bytes() == csv_path.read_bytes()
    assert again[1].read_bytes() == html_path.read_bytes()


def test_an_empty_sweep_and_ascending_order(tmp_path: Path) -> None:
    csv_path, html_path = write_sweep_table([], "max_drawdown", tmp_path, descending=False)
    assert csv_path.read_text(encoding="utf-8") == "rank,max_drawdown\n"
    assert "0 runs ranked by max_drawdown (lowest first" in html_path.read_text(encoding="utf-8")
