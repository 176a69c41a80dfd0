"""report.html for a backtest: self-contained, escaped, rendered from report.json alone."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bot4.backtest import (
    BacktestInputs,
    EquityPoint,
    FillRecord,
    PricePoint,
    compute_stats,
    dump_report,
    render_backtest_html,
    write_backtest_html,
)
from bot4.backtest._html import MAX_TRADES_SHOWN

S = 1_000_000_000
HOSTILE = '<script>alert("x")</script>'


class _Tags(HTMLParser):
    """Collects start tags and text, to check the page's structure without regexes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _report(n_round_trips: int = 3) -> dict[str, Any]:
    fills = []
    for i in range(n_round_trips):
        for side, price in (("BUY", 100.0 + i), ("SELL", 101.0 + i * (-1) ** i)):
            fills.append(
                FillRecord(
                    ts_ns=(len(fills) + 1) * S,
                    strategy_id=HOSTILE,
                    instrument="BINANCE:BTC<USDT>",
                    side=side,  # type: ignore[arg-type]
                    price=price,
                    qty=1.0,
                    fee=0.01,
                    liquidity="TAKER",
                )
            )
    inputs = BacktestInputs(
        fills=fills,
        equity=[
            EquityPoint(
                ts_ns=t * S,
                equity=1000.0 + (t % 5) - 2,
                gross_exposure=100.0 * (t % 2),
                net_exposure=-50.0,
            )
            for t in range(2 * n_round_trips + 2)
        ],
        prices=[
            PricePoint(ts_ns=t * S, instrument="BINANCE:BTC<USDT>", price=100.0 + t % 3)
            for t in range(8)
        ],
        starting_equity=1000.0,
        denials={"max_notional & co": 4},
        orders=9,
        start_ns=0,
        end_ns=(2 * n_round_trips + 2) * S,
        fill_model="book-touch",
        strategies={HOSTILE: "evil:<Strategy>"},
        instruments=["BINANCE:BTC<USDT>"],
        data=["a&b.csv"],
    )
    return compute_stats(inputs)


def test_the_page_escapes_hostile_strategy_ids_and_has_no_script() -> None:
    page = render_backtest_html(_report())
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags
    assert "&lt;script&gt;" in page
    assert HOSTILE in "".join(parser.text)  # shown as text, not run
    assert "BINANCE:BTC&lt;USDT&gt;" in page and "a&amp;b.csv" in page
    assert "max_notional &amp; co" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_page_has_every_section_and_chart() -> None:
    report = _report()
    page = render_backtest_html(report)
    for heading in (
        "Summary",
        "Equity",
        "Drawdown",
        "Exposure",
        "Prices and fills",
        "PnL per strategy",
        "PnL per instrument",
        "Trades",
        "Risk denials by check",
    ):
        assert f"<h2>{heading}" in page
    assert page.count("<svg") == 4  # equity, drawdown, exposure, one instrument's price
    assert 'class="buy"' in page and 'class="sell"' in page
    assert "1 s returns x sqrt(31536000) (365-day year)" in page
    assert "Empty figures, and why" in page  # CAGR on a short run


def test_an_old_report_json_re_renders_identically(tmp_path: Path) -> None:
    report = _report()
    reloaded = json.loads(dump_report(report))
    path = write_backtest_html(tmp_path, reloaded)
    assert path == tmp_path / "report.html"
    assert path.read_text(encoding="utf-8") == render_backtest_html(report)


def test_a_report_missing_sections_still_renders() -> None:
    page = render_backtest_html({})
    assert (
        "nothing to draw" in page and "no risk denials" in page and "no round-trip trades" in page
    )


def test_the_trades_table_lists_the_first_n() -> None:
    report = _report(MAX_TRADES_SHOWN + 5)
    page = render_backtest_html(report)
    assert f"first {MAX_TRADES_SHOWN} of {MAX_TRADES_SHOWN + 5}" in page
