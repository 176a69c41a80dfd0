"""A parameter sweep's results as one ranked table: sweep.csv and sweep.html.

One row per parameter combination (its parameters and headline metrics, as the driver gives
them), ranked by one metric. A row whose metric is missing, None or not a finite number ranks
last (a Sharpe of None means "not computable", not "worst"); ties keep the rows' given order.
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot4.backtest._stats import stable
from bot4.errors import ConfigValueError

__all__ = ["rank_rows", "write_sweep_table"]


def _metric(row: Mapping[str, Any], metric: str) -> float | None:
    v = row.get(metric)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def rank_rows(
    rows: Sequence[Mapping[str, Any]], metric: str, *, descending: bool = True
) -> list[dict[str, Any]]:
    """The rows best first by `metric`, each with its 1-based "rank" as the first column.

    Raises ConfigValueError when no row has the metric at all (a misspelt metric would otherwise
    give a table in the given order that looks ranked).
    """
    if rows and all(metric not in r for r in rows):
        known = sorted({k for r in rows for k in r})
        raise ConfigValueError(f"sweep metric {metric!r} is in no row; the rows have {known}")
    sign = -1.0 if descending else 1.0

    def key(i: int) -> tuple[bool, float, int]:
        v = _metric(rows[i], metric)
        return (v is None, 0.0 if v is None else sign * v, i)

    order = sorted(range(len(rows)), key=key)
    return [{"rank": n, **rows[i]} for n, i in enumerate(order, start=1)]


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key, in the order first seen (parameters first, as the driver writes them)."""
    seen: dict[str, None] = {}
    for r in rows:
        seen.update(dict.fromkeys(r))
    return list(seen)


def _cell(value: Any) -> str:
    v = stable(value)
    return "" if v is None else str(v)


def _html(
    ranked: Sequence[Mapping[str, Any]], columns: Sequence[str], metric: str, descending: bool
) -> str:
    e = html.escape
    head = "".join(
        f"<th>{e(c)}{' ▼' if c == metric and descending else ' ▲' if c == metric else ''}</th>"
        for c in columns
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{e(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in ranked
    )
    order = "highest first" if descending else "lowest first"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Bot4 sweep by {e(metric)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px}th{background:#f3f3f3}</style></head><body>"
        f"<h1>Sweep: {len(ranked)} runs ranked by {e(metric)} ({order}; empty last)</h1>"
        f"<table><tr>{head}</tr>{body}</table></body></html>\n"
    )


def write_sweep_table(
    rows: list[dict[str, Any]], metric: str, out_dir: Path, *, descending: bool = True
) -> tuple[Path, Path]:
    """Write out_dir/sweep.csv and out_dir/sweep.html (ranked by `metric`); return their paths.

    Floats are rounded like report.json's, None is an empty cell; the same rows give the same
    bytes.
    """
    ranked = rank_rows(rows, metric, descending=descending)
    columns = _columns(ranked) if ranked else ["rank", metric]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(r.get(c)) for c in columns] for r in ranked)
    csv_path, html_path = out / "sweep.csv", out / "sweep.html"
    csv_path.write_text(buf.getvalue(), encoding="utf-8")
    html_path.write_text(_html(ranked, columns, metric, descending), encoding="utf-8")
    return csv_path, html_path
