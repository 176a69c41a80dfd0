"""report.html: the report's numbers on one self-contained, escaped page with an SVG PnL chart."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bot4.engine._report import summary
from bot4.engine._report_html import pnl_svg, render_html, write_html_report

T0 = 1_764_115_200_000_000_000  # 2025-11-26T00:00:00Z


def _report(history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "run_dir": "runs/<x>",
        "elapsed_s": 12.5,
        "frames": {"total": 2000, "received": 1999},
        "feed": {"messages": 1999, "gaps": 7},
        "pnl": {
            "realized": "1.25000000",
            "fees": "0.50000000",
            "unrealized": "0E-8",
            "equity": "1000000.75000000",
            "total": "0.75000000",
        },
        "pnl_history": history,
        "positions": [
            {
                "instrument_id": "BINANCE:BTCUSDT",
                "qty": "-0.00470",
                "avg_price": "43250.04",
                "mark_price": "43250.05",
                "realized_pnl": "0.0000470",
                "unrealized_pnl": "-0.0000470",
            },
            {
                "instrument_id": "BINANCE:ETHUSDT",
                "qty": "0.0000",
                "avg_price": None,
                "mark_price": None,
                "realized_pnl": "0.0123",
                "unrealized_pnl": "0E-7",
            },
        ],
        "orders_submitted": 84,
        "fills": 19,
        "fills_by_instrument": {
            "BINANCE:BTCUSDT": {"fills": 11, "bought": "0.00940", "sold": "0.01410", "fees": "0.3"}
        },
        "recent_fills": [
            {
                "ts_ns": T0 + 1_500_000_000,
                "client_order_id": "N-17",
                "instrument_id": "BINANCE:BTCUSDT",
                "side": "SELL",
                "qty": "0.00470",
                "price": "43250.04",
                "fee": "0.20327519",
                "liquidity": "MAKER",
            }
        ],
        "journal_records": 311,
        "journal_fills": 19,
        "open_orders_at_stop": 0,
        "risk_denials": {"SELF_TRADE": 2, "MAX_POSITION": 5},
        "venue_rejections": {"POST_ONLY_WOULD_CROSS": 3},
        "breaker_events": [{"event": "binance-ws: CLOSED -> OPEN", "ts_ns": T0 + 2_000_000_000}],
        "kill_switch": {
            "active": True,
            "reason": "drawdown <limit>",
            "who": "ops & co",
            "source": "operator",
            "ts_ns": T0,
        },
        "strategies_failed": {"mm": "ZeroDivisionError: <script>alert(1)</script>"},
        "latency": {
            "strategies": {
                "count": 1234,
                "p50_us": 12.5,
                "p90_us": 30.25,
                "p99_us": 99.0,
                "max_us": 1500.0,
            }
        },
    }


def _history(n: int) -> list[dict[str, Any]]:
    return [{"ts_ns": T0 + i * 1_000_000_000, "total": f"{(i % 7) - 3}.5"} for i in range(n)]


def _vertices(page: str) -> list[tuple[float, float]]:
    m = re.search(r'<polyline class="pnl"[^>]* points="([^"]*)"', page)
    assert m is not None, "the chart has a PnL polyline"
    pairs = [p.split(",") for p in m.group(1).split()]
    return [(float(a), float(b)) for a, b in pairs]


class _Cells(HTMLParser):
    """Text of every table cell, unescaped, plus every tag seen (to check nothing external)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


def _parse(page: str) -> _Cells:
    p = _Cells()
    p.feed(page)
    return p


def test_page_shows_the_reports_numbers(tmp_path: Path) -> None:
    report = _report(_history(30))
    path = write_html_report(tmp_path, report)
    assert path == tmp_path / "report.html"
    page = path.read_text(encoding="utf-8")
    cells = _parse(page).cells
    for value in ("1.25000000", "0.50000000", "1000000.75000000", "0.75000000"):
        assert value in cells, value
    assert "0.00000000" in cells, "0E-8 is shown in plain notation"
    assert "0.0000000" in cells and "0E-7" not in page
    # Fills: count, per instrument, and the recent ones (time in UTC).
    assert "Fills (19)" in page
    b = cells.index("BINANCE:BTCUSDT", cells.index("bought"))
    assert cells[b : b + 5] == ["BINANCE:BTCUSDT", "11", "0.00940", "0.01410", "0.3"]
    assert "00:00:01.500" in cells and "N-17" in cells and "MAKER" in cells
    # Positions, flat one without an average price.
    i = cells.index("BINANCE:BTCUSDT")
    assert cells[i : i + 6] == [
        "BINANCE:BTCUSDT", "-0.00470", "43250.04", "43250.05", "0.0000470", "-0.0000470",
    ]  # fmt: skip
    j = cells.index("BINANCE:ETHUSDT")
    assert cells[j : j + 4] == ["BINANCE:ETHUSDT", "0.0000", "", ""]
    # Denials and rejections by reason, breaker events, latency percentiles, run facts.
    assert cells[cells.index("SELF_TRADE") + 1] == "2"
    assert cells[cells.index("MAX_POSITION") + 1] == "5"
    assert cells[cells.index("POST_ONLY_WOULD_CROSS") + 1] == "3"
    k = cells.index("binance-ws: CLOSED -> OPEN")
    assert cells[k - 1] == "00:00:02.000"
    s = cells.index("strategies")
    assert cells[s : s + 6] == ["strategies", "1234", "12.5", "30.25", "99.0", "1500.0"]
    assert cells[cells.index("orders submitted") + 1] == "84"
    assert cells[cells.index("frames received / in replay") + 1] == "1999 / 2000"
    assert cells[cells.index("gaps") + 1] == "7"
    assert "tripped by ops &amp; co (operator): drawdown &lt;limit&gt;" in page


def test_text_is_escaped_and_the_page_is_self_contained() -> None:
    page = render_html(_report(_history(3)))
    assert "<script" not in page
    assert "ZeroDivisionError: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "runs/&lt;x&gt;" in page
    parsed = _parse(page)
    assert "ZeroDivisionError: <script>alert(1)</script>" in parsed.cells
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "img", "iframe"), tag
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)


def test_svg_has_one_point_per_history_sample() -> None:
    for n in (1, 2, 30, 2000):
        history = _history(n)
        page = render_html(_report(history))
        assert f"PnL over time ({n} samples)" in page
        pts = _vertices(page)
        assert len(pts) == n
        xs = [x for x, _ in pts]
        assert xs == sorted(xs), "time runs left to right"
        assert all(10 <= y <= 230 for _, y in pts), "every point inside the plot area"
        if n > 1:
            assert xs[0] == 70.0 and xs[-1] == 790.0, "the run spans the plot's width"


def test_svg_orders_values_bottom_to_top() -> None:
    history = [
        {"ts_ns": T0, "total": "-2"},
        {"ts_ns": T0 + 1, "total": "0"},
        {"ts_ns": T0 + 2, "total": "3"},
    ]
    (_, y_lo), (_, y_zero), (_, y_hi) = _vertices(pnl_svg(history))
    assert y_lo > y_zero > y_hi, "higher PnL is drawn higher (SVG y grows downwards)"
    assert 'y1="' + f"{y_zero:.1f}" in pnl_svg(history), "a zero line at PnL 0"


def test_svg_skips_unusable_samples_and_handles_none() -> None:
    assert "no PnL samples" in pnl_svg([])
    assert "no PnL samples" in render_html({**_report([]), "pnl_history": []})
    bad = [{"ts_ns": T0, "total": "x"}, {"ts_ns": T0 + 1, "total": "NaN"}]
    assert "no PnL samples" in pnl_svg(bad)
    flat = [{"ts_ns": T0, "total": "0"}, {"ts_ns": T0 + 5, "total": "0"}]
    assert len(_vertices(pnl_svg(flat))) == 2


def test_an_old_report_without_the_newer_keys_renders() -> None:
    report = _report(_history(2))
    for key in ("pnl_history", "fills_by_instrument", "recent_fills"):
        del report[key]
    report["kill_switch"] = {"active": False}
    report["risk_denials"] = {}
    report["breaker_events"] = []
    report["latency"] = {}
    page = render_html(report)
    assert "no PnL samples" in page and "not tripped" in page
    assert "no risk denials" in page and "no breaker events" in page
    assert "no latency samples" in page and "no fills" in page


def test_summary_lines() -> None:
    report = _report(_history(3))
    text = summary(report)
    assert "orders 84, fills 19, denied 7" in text
    assert "total 0.75000000 equity 1000000.75000000" in text
    assert "venue rejected 3 {'POST_ONLY_WOULD_CROSS': 3}" in text
    assert "breaker events 1" in text
    assert "kill switch tripped by ops & co: drawdown <limit>" in text
    assert "latency strategies: p50 12.5 us, p99 99.0 us" in text
    assert text.endswith("report: runs/<x>/report.json\nreport: runs/<x>/report.html")
    quiet = {
        **report,
        "venue_rejections": {},
        "breaker_events": [],
        "kill_switch": {"active": False},
        "strategies_failed": {},
    }
    lines = summary(quiet)
    assert "venue rejected" not in lines and "breaker events" not in lines
    assert "kill switch" not in lines and "strategies stopped" not in lines
