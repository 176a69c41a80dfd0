"""report.html: the end-of-run report as one self-contained page (inline SVG, no script/network).

It is built from report.json's dict alone, so an old run's report can be re-rendered, and every
piece of text goes through `html.escape` (strategy errors and kill reasons are free text).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

__all__ = ["pnl_svg", "render_html", "write_html_report"]

_W, _H = 800, 260  # chart size in px
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 70, 10, 10, 30  # room for the axis labels

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1000px}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}
.empty{color:#888}
svg{border:1px solid #ccc;background:#fcfcfc}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _plain(value: object) -> object:
    """Decimal strings in plain notation ("0E-7" -> "0.0000000"); anything else unchanged."""
    if isinstance(value, str) and "E" in value:
        with contextlib.suppress(InvalidOperation):
            return f"{Decimal(value):f}"
    return value


def _utc(ts_ns: int) -> str:
    return _dt.datetime.fromtimestamp(ts_ns / 1e9, _dt.UTC).strftime("%H:%M:%S.%f")[:-3]


def _num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str) -> str:
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(c)}</td>' if _num(c) else f"<td>{_e(_plain(c))}</td>" for c in row
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f"<table><tr>{head}</tr>{body}</table>" if head else f"<table>{body}</table>"


def _kv(pairs: Mapping[str, object], empty: str) -> str:
    return _table((), pairs.items(), empty)


def _float(text: object) -> float | None:
    """The sample's value, or None when it is not a finite number (such a sample is skipped)."""
    try:
        v = float(Decimal(str(text)))
    except InvalidOperation:
        return None
    return v if math.isfinite(v) else None


def pnl_svg(history: Sequence[Mapping[str, Any]]) -> str:
    """A line chart of total PnL over time: one polyline vertex per history sample."""
    pts = [(int(p["ts_ns"]), v) for p in history if (v := _float(p["total"])) is not None]
    if not pts:
        return '<p class="empty">no PnL samples</p>'
    t0, t1 = pts[0][0], pts[-1][0]
    values = [v for _, v in pts]
    lo = min(*values, 0.0)  # zero is always on the chart: above or below it is the point
    hi = max(*values, 0.0)
    if hi == lo:
        hi, lo = lo + 1.0, lo - 1.0
    span_t = max(t1 - t0, 1)
    plot_w, plot_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B

    def x(ts: int) -> float:
        return _PAD_L + plot_w * (ts - t0) / span_t

    def y(v: float) -> float:
        return _PAD_T + plot_h * (hi - v) / (hi - lo)

    coords = " ".join(f"{x(ts):.1f},{y(v):.1f}" for ts, v in pts)
    zero = y(0.0)
    bottom = _H - _PAD_B
    end_x, end_y = x(pts[-1][0]), y(pts[-1][1])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="PnL over time">'
        f'<line x1="{_PAD_L}" y1="{zero:.1f}" x2="{_W - _PAD_R}" y2="{zero:.1f}" '
        'stroke="#999" stroke-dasharray="4 3"/>'
        f'<text x="{_PAD_L - 4}" y="{_PAD_T + 10}" text-anchor="end" font-size="11">{hi:.4g}</text>'
        f'<text x="{_PAD_L - 4}" y="{bottom}" text-anchor="end" font-size="11">{lo:.4g}</text>'
        f'<text x="{_PAD_L}" y="{_H - 8}" font-size="11">0 s</text>'
        f'<text x="{_W - _PAD_R}" y="{_H - 8}" text-anchor="end" font-size="11">'
        f"{(t1 - t0) / 1e9:.1f} s</text>"
        f'<polyline class="pnl" fill="none" stroke="#1f6feb" stroke-width="1.5" points="{coords}"/>'
        f'<circle cx="{end_x:.1f}" cy="{end_y:.1f}" r="3" fill="#1f6feb"/>'
        "</svg>"
    )


def render_html(report: Mapping[str, Any]) -> str:
    """The whole page for one report dict (report.json's content)."""
    pnl = report["pnl"]
    frames = report["frames"]
    facts = {
        "run directory": report["run_dir"],
        "elapsed (s)": report["elapsed_s"],
        "frames received / in replay": f"{frames['received']} / {frames['total']}",
        "orders submitted": report["orders_submitted"],
        "fills": report["fills"],
        "fills in the journal": report["journal_fills"],
        "journal records": report["journal_records"],
        "open orders at stop": report["open_orders_at_stop"],
    }
    kill = report["kill_switch"]
    kill_text = (
        f"tripped by {kill.get('who')} ({kill.get('source')}): {kill.get('reason')}"
        if kill.get("active")
        else "not tripped"
    )
    positions = [
        (
            p["instrument_id"],
            p["qty"],
            p["avg_price"] or "",
            p["mark_price"] or "",
            p["realized_pnl"],
            p["unrealized_pnl"],
        )
        for p in report["positions"]
    ]
    latency = [
        (stage, q["count"], q["p50_us"], q["p90_us"], q["p99_us"], q["max_us"])
        for stage, q in report["latency"].items()
    ]
    history = report.get("pnl_history", [])
    by_instrument = [
        (iid, f["fills"], f["bought"], f["sold"], f["fees"])
        for iid, f in report.get("fills_by_instrument", {}).items()
    ]
    fill_keys = ("client_order_id", "instrument_id", "side", "qty", "price", "fee", "liquidity")
    recent = [
        (_utc(f["ts_ns"]), *(f[k] for k in fill_keys)) for f in report.get("recent_fills", [])
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Bot4 run report {_e(report['run_dir'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Bot4 run report</h1><p>{_e(report['run_dir'])}</p>",
        "<h2>PnL</h2>",
        _kv(
            {
                "realized (before fees)": pnl["realized"],
                "fees": pnl["fees"],
                "unrealized": pnl["unrealized"],
                "equity": pnl["equity"],
                "total (realized - fees + unrealized)": pnl.get("total", ""),
            },
            "",
        ),
        f"<h2>PnL over time ({len(history)} samples)</h2>",
        pnl_svg(history),
        "<h2>Run</h2>",
        _kv(facts, ""),
        f"<p>Kill switch: {_e(kill_text)}</p>",
        "<h2>Positions</h2>",
        _table(
            ("instrument", "qty", "avg price", "mark", "realized", "unrealized"),
            positions,
            "no positions",
        ),
        f"<h2>Fills ({_e(report['fills'])})</h2>",
        _table(("instrument", "fills", "bought", "sold", "fees"), by_instrument, "no fills"),
        f"<h3>Last {len(recent)} fills</h3>",
        _table(
            ("time (UTC)", "order", "instrument", "side", "qty", "price", "fee", "liquidity"),
            recent,
            "no fills",
        ),
        "<h2>Risk denials by reason</h2>",
        _table(("reason", "count"), report["risk_denials"].items(), "no risk denials"),
        "<h2>Venue rejections by reason</h2>",
        _table(("reason", "count"), report["venue_rejections"].items(), "no venue rejections"),
        "<h2>Breaker events</h2>",
        _table(
            ("time (UTC)", "event"),
            ((_utc(b["ts_ns"]), b["event"]) for b in report["breaker_events"]),
            "no breaker events",
        ),
        "<h2>Strategies stopped</h2>",
        _table(("strategy", "why"), report["strategies_failed"].items(), "none"),
        "<h2>Latency per pipeline stage (µs)</h2>",
        _table(("stage", "count", "p50", "p90", "p99", "max"), latency, "no latency samples"),
        "<h2>Feed</h2>",
        _kv(report["feed"], "no feed counters"),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_html_report(run_dir: Path, report: Mapping[str, Any]) -> Path:
    """Write `run_dir/report.html` and return its path."""
    path = run_dir / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path
