"""Inline SVG time charts: bounded points, gaps, buy/sell markers, escaped labels."""

from __future__ import annotations

import re

from bot4.backtest._charts import MAX_SVG_MARKERS, MAX_SVG_POINTS, Line, Marker, time_chart, utc

S = 1_000_000_000


def _vertices(svg: str) -> int:
    return sum(len(p.split()) for p in re.findall(r'<polyline[^>]*points="([^"]*)"', svg))


def test_an_empty_chart_says_so() -> None:
    assert "nothing to draw" in time_chart("equity <x>", [Line("e", "#000", [])])
    assert "&lt;x&gt;" in time_chart("equity <x>", [Line("e", "#000", [(0, None)])])


def test_a_long_series_is_drawn_with_bounded_points() -> None:
    pts = [(i * S, float(i % 100)) for i in range(50_000)]
    svg = time_chart("equity", [Line("equity", "#1f6feb", pts)])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert _vertices(svg) <= MAX_SVG_POINTS
    assert utc(0) in svg and utc(49_999 * S) in svg


def test_a_gap_splits_the_line_and_a_flat_line_gets_a_range() -> None:
    svg = time_chart("dd", [Line("dd", "#c00", [(0, 1.0), (S, None), (2 * S, 1.0), (3 * S, 1.0)])])
    assert svg.count("<polyline") == 2
    assert "nan" not in svg.lower()


def test_markers_are_triangles_with_escaped_tooltips_and_bounded() -> None:
    markers = [
        Marker(ts_ns=i, price=100.0 + i % 3, side="BUY" if i % 2 else "SELL", label="<b>mm</b>")
        for i in range(5000)
    ]
    svg = time_chart("price", [Line("price", "#555", [(0, 100.0), (5000, 101.0)])], markers=markers)
    assert svg.count('class="buy"') + svg.count('class="sell"') == MAX_SVG_MARKERS
    assert "<b>" not in svg and "&lt;b&gt;mm&lt;/b&gt;" in svg


def test_the_zero_line_is_drawn_only_when_zero_is_inside() -> None:
    both = time_chart("net", [Line("net", "#000", [(0, -1.0), (S, 1.0)])], zero_line=True)
    assert "stroke-dasharray" in both
    above = time_chart("gross", [Line("gross", "#000", [(0, 1.0), (S, 2.0)])], zero_line=True)
    assert "stroke-dasharray" not in above  # zero is the bottom edge: no separate line
