"""Inline SVG charts for report.html: time series lines and buy/sell markers, no script.

Long series are cut to MAX_SVG_POINTS per line with the min/max-preserving downsampler, so a
year of data draws as fast as a minute of it. Every label goes through `html.escape`.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot4.backtest._curve import downsample_minmax

__all__ = ["MAX_SVG_MARKERS", "MAX_SVG_POINTS", "Line", "Marker", "time_chart", "utc"]

MAX_SVG_POINTS = 1_200  # per line: about two per horizontal pixel
MAX_SVG_MARKERS = 2_000  # fill markers per chart (evenly spaced beyond that)
_W, _H = 900, 260  # chart size in px
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 80, 12, 12, 34  # room for the axis labels


def utc(ts_ns: int) -> str:
    """A timestamp as UTC text, to the second."""
    return _dt.datetime.fromtimestamp(ts_ns / 1e9, _dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Line:
    """One series: [ts_ns, value] pairs (value None = a gap), drawn in one colour."""

    name: str
    color: str
    points: Sequence[Sequence[Any]]


@dataclass(frozen=True, slots=True)
class Marker:
    """A fill on a price chart: an up triangle for a buy, a down triangle for a sell."""

    ts_ns: int
    price: float
    side: str  # "BUY" or "SELL"
    label: str  # the tooltip (strategy, qty)


@dataclass(slots=True)
class _Frame:
    """The data->pixel mapping of one chart."""

    t0: int
    t1: int
    lo: float
    hi: float

    def x(self, ts: float) -> float:
        return _PAD_L + (_W - _PAD_L - _PAD_R) * (ts - self.t0) / max(self.t1 - self.t0, 1)

    def y(self, v: float) -> float:
        return _PAD_T + (_H - _PAD_T - _PAD_B) * (self.hi - v) / (self.hi - self.lo)


def _finite(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _segments(points: Sequence[Sequence[Any]]) -> list[list[tuple[int, float]]]:
    """The drawable runs of a series, split where a value is missing."""
    runs: list[list[tuple[int, float]]] = [[]]
    for p in points:
        if _finite(p[1]):
            runs[-1].append((int(p[0]), float(p[1])))
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _frame(
    lines: Sequence[list[list[tuple[int, float]]]], markers: Sequence[Marker], zero: bool
) -> _Frame | None:
    ts = [t for runs in lines for run in runs for t, _ in run] + [m.ts_ns for m in markers]
    vs = [v for runs in lines for run in runs for _, v in run] + [m.price for m in markers]
    if not ts:
        return None
    lo, hi = min(vs), max(vs)
    if zero:  # zero on the chart: which side of it a value is on is the point
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        hi, lo = hi + max(abs(hi) * 0.01, 1.0), lo - max(abs(lo) * 0.01, 1.0)
    return _Frame(min(ts), max(ts), lo, hi)


def _marker_svg(f: _Frame, m: Marker) -> str:
    x, y = f.x(m.ts_ns), f.y(m.price)
    tip = -5 if m.side == "BUY" else 5  # a buy points up, a sell down
    pts = f"{x:.1f},{y + tip:.1f} {x - 4:.1f},{y - tip * 0.6:.1f} {x + 4:.1f},{y - tip * 0.6:.1f}"
    cls, color = ("buy", "#1a7f37") if m.side == "BUY" else ("sell", "#cf222e")
    return (
        f'<polygon class="{cls}" points="{pts}" fill="{color}">'
        f"<title>{html.escape(m.label)}</title></polygon>"
    )


def time_chart(
    title: str,
    lines: Sequence[Line],
    *,
    markers: Sequence[Marker] = (),
    zero_line: bool = False,
    y_suffix: str = "",
) -> str:
    """One chart of value against time; an empty-state paragraph when there is nothing to draw."""
    runs = [_segments(downsample_minmax(line.points, MAX_SVG_POINTS)) for line in lines]
    n = len(markers)
    if n > MAX_SVG_MARKERS:
        markers = [markers[i * n // MAX_SVG_MARKERS] for i in range(MAX_SVG_MARKERS)]
    f = _frame(runs, markers, zero_line)
    if f is None:
        return f'<p class="empty">{html.escape(title)}: nothing to draw</p>'
    bottom, right = _H - _PAD_B, _W - _PAD_R
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{html.escape(title)}">',
        f'<line x1="{_PAD_L}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>',
        f'<text x="{_PAD_L - 4}" y="{_PAD_T + 10}" text-anchor="end" font-size="11">'
        f"{f.hi:.6g}{html.escape(y_suffix)}</text>",
        f'<text x="{_PAD_L - 4}" y="{bottom}" text-anchor="end" font-size="11">'
        f"{f.lo:.6g}{html.escape(y_suffix)}</text>",
        f'<text x="{_PAD_L}" y="{_H - 10}" font-size="11">{utc(f.t0)}</text>',
        f'<text x="{right}" y="{_H - 10}" text-anchor="end" font-size="11">{utc(f.t1)}</text>',
    ]
    if zero_line and f.lo < 0 < f.hi:
        z = f.y(0.0)
        parts.append(
            f'<line x1="{_PAD_L}" y1="{z:.1f}" x2="{right}" y2="{z:.1f}" '
            'stroke="#999" stroke-dasharray="4 3"/>'
        )
    for line, line_runs in zip(lines, runs, strict=True):
        for run in line_runs:
            coords = " ".join(f"{f.x(t):.1f},{f.y(v):.1f}" for t, v in run)
            parts.append(
                f'<polyline fill="none" stroke="{html.escape(line.color)}" stroke-width="1.3" '
                f'points="{coords}"><title>{html.escape(line.name)}</title></polyline>'
            )
    parts.extend(_marker_svg(f, m) for m in markers)
    legend_x = _PAD_L + 8
    for line in lines:
        parts.append(
            f'<text x="{legend_x}" y="{_PAD_T + 12}" font-size="11" '
            f'fill="{html.escape(line.color)}">{html.escape(line.name)}</text>'
        )
        legend_x += 8 + 7 * len(line.name)
    parts.append("</svg>")
    return "".join(parts)
