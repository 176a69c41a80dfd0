"""report.html for a backtest: one self-contained page (inline SVG, no script, no network).

It is rendered from the report dict alone, so an old report.json re-renders; every section reads
its keys with defaults, so a report missing a section shows that section empty rather than
failing. Every piece of text goes through `html.escape`: strategy ids, file names and instrument
names come from users.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot4.backtest._charts import Line, Marker, time_chart, utc

__all__ = ["MAX_TRADES_SHOWN", "render_backtest_html", "write_backtest_html"]

MAX_TRADES_SHOWN = 200  # the first round trips listed on the page (report.json has more)

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}
.empty{color:#888}
.grid{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
svg{border:1px solid #ccc;background:#fcfcfc}
"""

# The summary's figures: (key, label, format). Formats: "num" plain, "pct" a fraction shown
# x100, "s" seconds, "ts" a ns timestamp, "int" a count, "text" as is.
_SUMMARY: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Returns",
        (
            ("starting_equity", "starting equity", "num"),
            ("final_equity", "final equity", "num"),
            ("equity_change", "equity change", "num"),
            ("total_return", "total return (%)", "pct"),
            ("cagr", "CAGR (%)", "pct"),
            ("net_pnl", "net PnL (realized - fees + unrealized)", "num"),
            ("realized_pnl", "realized PnL (before fees)", "num"),
            ("unrealized_pnl", "unrealized PnL (at last price)", "num"),
            ("min_equity", "lowest equity", "num"),
            ("max_equity", "highest equity", "num"),
        ),
    ),
    (
        "Risk",
        (
            ("sharpe", "Sharpe", "num"),
            ("sortino", "Sortino", "num"),
            ("calmar", "Calmar (CAGR / max drawdown)", "num"),
            ("volatility", "volatility, annualised (%)", "pct"),
            ("annualisation", "annualisation", "text"),
            ("return_count", "returns on the grid", "int"),
            ("max_drawdown", "max drawdown", "num"),
            ("max_drawdown_pct", "max drawdown (%)", "pct"),
            ("max_drawdown_start_ns", "drawdown start (peak)", "ts"),
            ("max_drawdown_trough_ns", "drawdown trough", "ts"),
            ("max_drawdown_recovery_ns", "drawdown recovery", "ts"),
            ("max_drawdown_duration_s", "drawdown duration", "s"),
            ("longest_drawdown_s", "longest time under water", "s"),
        ),
    ),
    (
        "Trades (round trips, after fees)",
        (
            ("trades", "trades", "int"),
            ("wins", "wins", "int"),
            ("losses", "losses", "int"),
            ("win_rate", "win rate (%)", "pct"),
            ("profit_factor", "profit factor", "num"),
            ("expectancy", "expectancy (mean PnL per trade)", "num"),
            ("avg_win", "average win", "num"),
            ("avg_loss", "average loss", "num"),
            ("best_trade", "best trade", "num"),
            ("worst_trade", "worst trade", "num"),
            ("avg_holding_s", "average holding time", "s"),
            ("max_consecutive_wins", "most wins in a row", "int"),
            ("max_consecutive_losses", "most losses in a row", "int"),
            ("long_share", "long trades (%)", "pct"),
        ),
    ),
    (
        "Activity and costs",
        (
            ("orders", "orders submitted", "int"),
            ("denials", "orders denied by risk", "int"),
            ("fills", "fills", "int"),
            ("maker_share", "maker fills (%)", "pct"),
            ("maker_notional_share", "maker notional (%)", "pct"),
            ("fees", "fees", "num"),
            ("turnover", "turnover (sum of fill notionals)", "num"),
            ("turnover_to_equity", "turnover / starting equity", "num"),
        ),
    ),
    (
        "Exposure",
        (
            ("time_in_market", "time in market (%)", "pct"),
            ("avg_gross_exposure", "average gross exposure", "num"),
            ("avg_net_exposure", "average net exposure", "num"),
            ("max_gross_exposure", "max gross exposure", "num"),
            ("max_leverage", "max gross exposure / equity", "num"),
        ),
    ),
)

_PNL_COLUMNS = (
    ("fills", "fills"),
    ("trades", "trades"),
    ("win_rate", "win rate"),
    ("profit_factor", "profit factor"),
    ("realized_pnl", "realized"),
    ("fees", "fees"),
    ("unrealized_pnl", "unrealized"),
    ("net_pnl", "net"),
    ("turnover", "turnover"),
)
_TRADE_COLUMNS = (
    "strategy_id",
    "instrument",
    "direction",
    "qty",
    "entry_price",
    "exit_price",
    "gross_pnl",
    "fees",
    "net_pnl",
    "holding_s",
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: object, kind: str = "num") -> str:
    """A figure as text; None is an empty cell (summary["notes"] says why)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "pct":
        return f"{value * 100:.4g}"
    if kind == "ts":
        return utc(int(value))
    if kind == "s":
        return f"{value:.6g} s"
    if kind == "int" or isinstance(value, int):
        return str(value)
    return f"{value:.8g}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str) -> str:
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(_fmt(c))}</td>'
            if isinstance(c, int | float) and not isinstance(c, bool)
            else f"<td>{_e(_fmt(c))}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f"<table><tr>{head}</tr>{body}</table>" if head else f"<table>{body}</table>"


def _summary(summary: Mapping[str, Any]) -> str:
    out = ['<div class="grid">']
    for title, figures in _SUMMARY:
        rows = "".join(
            f'<tr><th>{_e(label)}</th><td class="n">{_e(_fmt(summary.get(key), kind))}</td></tr>'
            for key, label, kind in figures
        )
        out.append(f"<div><h3>{_e(title)}</h3><table>{rows}</table></div>")
    out.append("</div>")
    notes = summary.get("notes", {})
    if notes:
        out.append("<h3>Empty figures, and why</h3>")
        out.append(_table(("figure", "why"), sorted(notes.items()), ""))
    return "".join(out)


def _run(run: Mapping[str, Any]) -> str:
    period = run.get("period", {})
    facts = [
        ("start (UTC)", period.get("start", "")),
        ("end (UTC)", period.get("end", "")),
        ("duration (s)", period.get("duration_s")),
        ("fill model", run.get("fill_model", "")),
        ("instruments", ", ".join(run.get("instruments", []))),
        ("data", ", ".join(run.get("data", []))),
    ]
    return _table((), facts, "") + _table(
        ("strategy", "class"), run.get("strategies", {}).items(), "no strategies"
    )


def _pnl_table(first: str, rows: Mapping[str, Mapping[str, Any]], empty: str) -> str:
    return _table(
        (first, *(label for _, label in _PNL_COLUMNS)),
        ((name, *(row.get(k) for k, _ in _PNL_COLUMNS)) for name, row in rows.items()),
        empty,
    )


def _price_charts(series: Mapping[str, Any]) -> str:
    fills = series.get("fills", [])
    out = []
    for inst, points in series.get("prices", {}).items():
        markers = [
            Marker(
                ts_ns=f["ts_ns"],
                price=f["price"],
                side=f["side"],
                label=f"{f['side']} {f['qty']} @ {f['price']} ({f['strategy_id']})",
            )
            for f in fills
            if f["instrument"] == inst
        ]
        out.append(f"<h3>{_e(inst)}</h3>")
        out.append(
            time_chart(f"{inst} price and fills", [Line("price", "#555", points)], markers=markers)
        )
    return "".join(out) or '<p class="empty">no prices recorded</p>'


def render_backtest_html(report: Mapping[str, Any]) -> str:
    """The whole page for one backtest report dict (report.json's content): the curves first
    (what a reader looks at), then the run, the figures and the tables."""
    run = report.get("run", {})
    summary = report.get("summary", {})
    series = report.get("series", {})
    trades = report.get("trades", [])[:MAX_TRADES_SHOWN]
    drawdown = [(p[0], None if p[1] is None else p[1] * 100) for p in series.get("drawdown", [])]
    exposure = series.get("exposure", [])
    title = f"Bot4 backtest {run.get('period', {}).get('start', '')}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "<h2>Equity</h2>",
        time_chart("equity", [Line("equity", "#1f6feb", series.get("equity", []))]),
        "<h2>Drawdown (underwater, % below the running peak)</h2>",
        time_chart("drawdown", [Line("drawdown %", "#cf222e", drawdown)], zero_line=True),
        "<h2>Prices and fills (▲ buy, ▼ sell)</h2>",
        _price_charts(series),
        "<h2>Run</h2>",
        _run(run),
        "<h2>Summary</h2>",
        _summary(summary),
        "<h2>Exposure</h2>",
        time_chart(
            "exposure",
            [
                Line("gross", "#8250df", [(p[0], p[1]) for p in exposure]),
                Line("net", "#bf8700", [(p[0], p[2]) for p in exposure]),
            ],
            zero_line=True,
        ),
        "<h2>PnL per strategy</h2>",
        _pnl_table("strategy", report.get("per_strategy", {}), "no fills"),
        "<h2>PnL per instrument</h2>",
        _pnl_table("instrument", report.get("per_instrument", {}), "no fills"),
        f"<h2>Trades (first {len(trades)} of {summary.get('trades', len(trades))})</h2>",
        _table(
            ("exit (UTC)", *_TRADE_COLUMNS),
            ((utc(t["exit_ts_ns"]), *(t.get(k) for k in _TRADE_COLUMNS)) for t in trades),
            "no round-trip trades",
        ),
        "<h2>Risk denials by check</h2>",
        _table(("check", "denied"), report.get("denials", {}).items(), "no risk denials"),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_backtest_html(out_dir: Path, report: Mapping[str, Any]) -> Path:
    """Write `out_dir/report.html` and return its path."""
    path = Path(out_dir) / "report.html"
    path.write_text(render_backtest_html(report), encoding="utf-8")
    return path
