"""compute_stats: hand-computed reports, byte-identical reruns, empty runs without NaN."""

from __future__ import annotations

import itertools
import json
import math
import statistics
from typing import Any

import pytest

from bot4.backtest import (
    BacktestInputs,
    EquityPoint,
    FillRecord,
    PricePoint,
    _stats,
    compute_stats,
    dump_report,
)
from bot4.backtest._stats import stable

S = 1_000_000_000
DAY = 86_400 * S


def _fill(
    ts_s: int, side: str, price: float, qty: float, fee: float, liq: str = "TAKER", sid: str = "mm"
) -> FillRecord:
    return FillRecord(
        ts_ns=ts_s * S,
        strategy_id=sid,
        instrument="BINANCE:BTCUSDT",
        side=side,  # type: ignore[arg-type]
        price=price,
        qty=qty,
        fee=fee,
        liquidity=liq,  # type: ignore[arg-type]
    )


def _inputs(**over: Any) -> BacktestInputs:
    base: dict[str, Any] = {
        "fills": [
            _fill(10, "BUY", 100.0, 2.0, 0.2),
            _fill(20, "SELL", 110.0, 1.0, 0.11, "MAKER"),
            _fill(30, "SELL", 90.0, 1.5, 0.135, "MAKER", sid="mm2"),
        ],
        "equity": [
            EquityPoint(ts_ns=t * S, equity=e, gross_exposure=g, net_exposure=g)
            for t, e, g in [
                (0, 1000.0, 0.0),
                (100, 1010.0, 200.0),
                (200, 990.0, 100.0),
                (300, 1005.0, 0.0),
            ]
        ],
        "prices": [
            PricePoint(ts_ns=5 * S, instrument="BINANCE:BTCUSDT", price=100.0),
            PricePoint(ts_ns=300 * S, instrument="BINANCE:BTCUSDT", price=95.0),
        ],
        "starting_equity": 1000.0,
        "denials": {"max_position": 2, "collar": 1},
        "orders": 7,
        "start_ns": 0,
        "end_ns": 400 * S,
        "fill_model": "book-touch",
        "strategies": {"mm2": "bot4.engine:MomentumTaker", "mm": "bot4.engine:MarketMaker"},
        "instruments": ["BINANCE:BTCUSDT"],
        "data": ["btc.csv (trades csv)"],
    }
    base.update(over)
    return BacktestInputs(**base)


def _no_nan(raw: bytes) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in report.json")

    return json.loads(raw, parse_constant=refuse)


def test_a_known_round_trip_pnl_fees_and_win_rate() -> None:
    r = compute_stats(_inputs())
    s = r["summary"]
    # mm: buy 2 @ 100, sell 1 @ 110: +10 gross, fees 0.1 + 0.11. mm2 sells 1.5 @ 90: its own
    # book, so it opens a short (no round trip) marked at the last price 95: -2.5.
    assert s["trades"] == 1 and s["wins"] == 1 and s["win_rate"] == 1.0
    assert r["trades"][0]["net_pnl"] == pytest.approx(9.79)
    assert r["trades"][0]["holding_s"] == 10.0
    assert s["realized_pnl"] == pytest.approx(10.0)
    assert s["fees"] == pytest.approx(0.445)
    assert s["unrealized_pnl"] == pytest.approx(
        -5.0 + -7.5
    )  # mm long 1 from 100; mm2 short 1.5 from 90
    assert s["net_pnl"] == pytest.approx(10.0 - 0.445 - 12.5)
    assert s["turnover"] == pytest.approx(445.0)
    assert (s["fills"], s["maker_fills"], s["taker_fills"]) == (3, 2, 1)
    assert s["maker_share"] == pytest.approx(2 / 3)
    assert s["maker_notional_share"] == pytest.approx(245 / 445)
    assert (s["orders"], s["denials"]) == (7, 3)
    assert r["per_strategy"]["mm"]["net_pnl"] == pytest.approx(10.0 - 0.31 - 5.0)
    assert r["per_strategy"]["mm2"]["unrealized_pnl"] == pytest.approx(-7.5)
    inst = r["per_instrument"]["BINANCE:BTCUSDT"]
    assert inst["open_qty"] == pytest.approx(-0.5)
    assert inst["market_change"] == pytest.approx(-0.05)
    assert list(r["denials"]) == ["collar", "max_position"]
    assert list(r["run"]["strategies"]) == ["mm", "mm2"]
    assert r["version"] == 1


def test_a_known_equity_path_drawdown_return_and_sharpe() -> None:
    r = compute_stats(_inputs())
    s = r["summary"]
    assert s["total_return"] == pytest.approx(0.005)
    assert s["cagr"] is None and "shorter than 1 day" in s["notes"]["cagr"]
    assert s["max_drawdown"] == pytest.approx(20.0)
    assert s["max_drawdown_pct"] == pytest.approx(20 / 1010)
    assert (s["max_drawdown_start_ns"], s["max_drawdown_trough_ns"]) == (100 * S, 200 * S)
    assert s["max_drawdown_recovery_ns"] is None and s["max_drawdown_duration_s"] == 300.0
    assert (s["min_equity"], s["max_equity"]) == (990.0, 1010.0)
    # 400 s: the 1 s grid (10 s would give only 40 returns); 400 returns, 3 of them non-zero
    assert s["return_grid"] == "1 s" and s["return_count"] == 400
    values = [1000.0] * 100 + [1010.0] * 100 + [990.0] * 100 + [1005.0] * 101
    rets = [b / a - 1 for a, b in itertools.pairwise(values)]
    want = statistics.mean(rets) / statistics.stdev(rets) * math.sqrt(365 * 86_400)
    assert s["sharpe"] == pytest.approx(want, rel=1e-9)
    assert s["annualisation"] == "1 s returns x sqrt(31536000) (365-day year)"
    assert s["time_in_market"] == pytest.approx(0.5)
    assert s["avg_gross_exposure"] == pytest.approx((200 * 100 + 100 * 100) / 400)


def test_cagr_and_calmar_for_a_run_of_a_day_or_more() -> None:
    eq = [
        EquityPoint(ts_ns=0, equity=100.0, gross_exposure=0, net_exposure=0),
        EquityPoint(ts_ns=DAY, equity=90.0, gross_exposure=0, net_exposure=0),
        EquityPoint(ts_ns=2 * DAY, equity=110.0, gross_exposure=0, net_exposure=0),
    ]
    s = compute_stats(_inputs(equity=eq, starting_equity=100.0, end_ns=2 * DAY, fills=[]))[
        "summary"
    ]
    assert s["cagr"] == pytest.approx(1.1 ** (365 / 2) - 1, rel=1e-9)
    assert s["calmar"] == pytest.approx(s["cagr"] / 0.1, rel=1e-9)
    assert s["return_grid"] == "15 min"
    lost = compute_stats(
        _inputs(
            equity=[*eq[:1], EquityPoint(ts_ns=DAY, equity=-1.0, gross_exposure=0, net_exposure=0)],
            end_ns=DAY,
        )
    )
    assert lost["summary"]["cagr"] is None and "<= 0" in lost["summary"]["notes"]["cagr"]


def test_the_same_inputs_give_identical_bytes() -> None:
    a = dump_report(compute_stats(_inputs()))
    b = dump_report(compute_stats(_inputs()))
    assert a == b
    assert a.endswith(b"\n")
    assert json.loads(a)["summary"]["trades"] == 1


def test_empty_inputs_give_a_valid_report_with_nulls_and_zeros() -> None:
    empty = BacktestInputs(
        fills=[],
        equity=[],
        prices=[],
        starting_equity=0.0,
        denials={},
        orders=0,
        start_ns=5,
        end_ns=5,
        fill_model="none",
        strategies={},
        instruments=[],
        data=[],
    )
    r = _no_nan(dump_report(compute_stats(empty)))
    s = r["summary"]
    assert s["trades"] == 0 and s["fills"] == 0 and s["fees"] == 0.0
    for key in (
        "win_rate",
        "profit_factor",
        "sharpe",
        "sortino",
        "cagr",
        "total_return",
        "time_in_market",
    ):
        assert s[key] is None and key in s["notes"]
    assert r["series"]["equity"] == [[5, 0.0]]
    assert r["per_strategy"] == {} and r["trades"] == []


def test_one_equity_point_and_fills_without_prices_mark_at_the_last_fill() -> None:
    one = [EquityPoint(ts_ns=0, equity=1000.0, gross_exposure=0, net_exposure=0)]
    r = _no_nan(dump_report(compute_stats(_inputs(equity=one, prices=[]))))
    assert r["summary"]["sharpe"] is None
    assert r["series"]["prices"]["BINANCE:BTCUSDT"][-1] == [30 * S, 90.0]
    assert r["summary"]["unrealized_pnl"] == pytest.approx(-10.0)  # mm long 1 from 100 at 90


def test_non_finite_inputs_never_reach_the_json() -> None:
    bad = _inputs(fills=[_fill(1, "BUY", math.inf, 1.0, 0.0)])
    _no_nan(dump_report(compute_stats(bad)))
    assert stable({"a": (1.0000000000001, -0.0, math.nan, True, "x")}) == {
        "a": [1.0, 0.0, None, True, "x"]
    }


def test_long_series_fills_and_trades_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_stats, "MAX_SERIES_POINTS", 20)
    monkeypatch.setattr(_stats, "MAX_SERIES_FILLS", 5)
    monkeypatch.setattr(_stats, "MAX_TRADES_LISTED", 3)
    fills = [_fill(t, "BUY" if t % 2 else "SELL", 100.0 + t % 7, 1.0, 0.0) for t in range(1, 41)]
    eq = [
        EquityPoint(ts_ns=t * S, equity=1000.0 + t % 13, gross_exposure=1.0, net_exposure=1.0)
        for t in range(200)
    ]
    r = compute_stats(_inputs(fills=fills, equity=eq, end_ns=200 * S))
    assert len(r["series"]["equity"]) <= 20 and len(r["series"]["exposure"]) <= 20
    assert len(r["series"]["fills"]) == 5
    assert len(r["trades"]) == 3 and r["summary"]["trades_listed"] == 3
    assert r["summary"]["trades"] == 20
