"""run_backtest: data files through the node's parts on a simulated clock, and what it reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest

from bot4.backtest import dump_report, run_backtest, summary_line
from bot4.engine import NodeConfig, Strategy
from bot4.engine.config import StrategyEntry
from bot4.errors import DataError
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import Candle, InstrumentId, OrderAccepted, OrderEvent, Side, TradeTick
from bot4.venues import PaperVenueConfig

BTC = InstrumentId("BINANCE:BTCUSDT")
T0_MS = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def trades_csv(folder: Path, rows: int = 600, step_ms: int = 250) -> Path:
    """A Binance public-data trades file: one trade every `step_ms`, price zig-zagging."""
    path = folder / "BTCUSDT-trades-2023-11-14.csv"
    lines = []
    for i in range(rows):
        price = 36_000 + (i % 20) - 10
        lines.append(f"{i},{price}.00,0.01000,{price * 0.01:.4f},{T0_MS + i * step_ms},"
                     f"{'true' if i % 2 else 'false'},true")  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


class Clocked(Strategy):
    """Timers, bars, a resting buy below the market and its ack time: what a backtest must
    deliver at the simulated time it is due."""

    def __init__(self, strategy_id: str, instruments: Sequence[InstrumentId]) -> None:
        super().__init__(strategy_id, instruments)
        self.timer_at: list[int] = []
        self.bars: list[Candle] = []
        self.trades = 0
        self.submitted_at: int | None = None
        self.acked_at: int | None = None

    def on_start(self) -> None:
        self.set_timer("tick", 1.0, lambda: self.timer_at.append(self.ctx.clock.time_ns()))
        self.subscribe_bars(BTC, 60)

    def on_trade(self, tick: TradeTick) -> None:
        self.trades += 1
        if self.trades == 10:
            inst = self.ctx.instrument(BTC)
            price = tick.price - 100 * inst.tick
            self.submitted_at = self.ctx.clock.time_ns()
            self.submit_limit(BTC, Side.BUY, self.lot_size(inst, price, 20), price)

    def on_bar(self, bar: Candle) -> None:
        self.bars.append(bar)

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderAccepted):
            self.acked_at = self.ctx.clock.time_ns()


def test_timers_bars_and_latency_run_on_the_data_clock(tmp_path: Path) -> None:
    data = trades_csv(tmp_path)  # 600 trades, 150 s
    cfg = NodeConfig(strategies=[], paper=PaperVenueConfig(latency_us=500))
    s = Clocked("c", [BTC])
    result = run_backtest(cfg, [data], strategies=[s])
    assert result.events == s.trades == 600
    start_ns = T0_MS * 1_000_000
    # A 1 s timer from the first event to the last: each fire at its exact due time.
    assert s.timer_at[:3] == [start_ns + k * 1_000_000_000 for k in (1, 2, 3)]
    assert len(s.timer_at) == 149
    # Bars close on the minute (epoch-aligned); the last, unfinished minute does not.
    assert [b.ts_close for b in s.bars] == [
        (start_ns // 60_000_000_000 + k) * 60_000_000_000 for k in (1, 2)
    ]
    assert sum(b.trades for b in s.bars) < 600
    # The ack lands 500 µs of simulated time after the order, not at the next trade (250 ms).
    assert s.submitted_at is not None and s.acked_at == s.submitted_at + 500_000
    # Trades only: the venue's book is the last trade; the buy 1 USDT below it rests, and the
    # zig-zag trades through it later.
    assert result.orders == 1 and result.fills == 1
    assert result.report["run"]["fill_model"].find("latency fixed 500us") >= 0


def test_the_same_inputs_give_the_same_report_bytes_apart_from_timing(tmp_path: Path) -> None:
    data = [DEFAULT_DATASET / "BINANCE.ws.1.0"]
    first = run_backtest(NodeConfig(), data, out_dir=tmp_path / "a")
    second = run_backtest(NodeConfig(), data, out_dir=tmp_path / "b")
    assert first.orders > 0 and first.fills > 0, "the samples trade on the bundled session"
    assert first.report["timing"]["events_per_s"] > 0
    for r in (first.report, second.report):
        r.pop("timing")
    assert dump_report(first.report) == dump_report(second.report)
    written = msgspec.json.decode((tmp_path / "a" / "report.json").read_bytes())
    assert set(written) >= {"summary", "series", "timing", "run", "per_strategy"}
    assert (tmp_path / "b" / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert first.report["run"]["strategies"] == {
        "mm": "bot4.engine.strategies:MarketMaker",
        "momentum": "bot4.engine.strategies:MomentumTaker",
    }
    assert first.sent == second.sent
    assert len(first.sent) + first.report["summary"]["denials"] == first.orders
    assert "events in" in summary_line(first) and "sharpe" in summary_line(first)


def test_the_config_strategies_run_when_none_are_given(tmp_path: Path) -> None:
    entry = StrategyEntry(id="mo", class_="bot4.engine.strategies:MomentumTaker")
    result = run_backtest(NodeConfig(strategies=[entry]), [trades_csv(tmp_path)])
    assert result.report["run"]["strategies"] == {"mo": "bot4.engine.strategies:MomentumTaker"}


class Raises(Strategy):
    def on_trade(self, tick: TradeTick) -> None:
        raise ArithmeticError("boom")


def test_a_strategy_that_raises_is_stopped_and_reported(tmp_path: Path) -> None:
    result = run_backtest(
        NodeConfig(strategies=[]), [trades_csv(tmp_path)], strategies=[Raises("bad", [BTC])]
    )
    assert result.report["strategies_failed"] == {"bad": "ArithmeticError: boom"}
    assert result.events == 600


def test_progress_and_the_period(tmp_path: Path) -> None:
    seen: list[int] = []
    data = trades_csv(tmp_path, rows=70_000, step_ms=1)
    start = (T0_MS + 1000) * 1_000_000
    result = run_backtest(
        NodeConfig(strategies=[]), [data], start_ns=start, end_ns=start + 2_000_000_000,
        progress=seen.append,
    )  # fmt: skip
    assert result.events == 2000 and seen[-1] == 2000
    assert result.report["run"]["start_ns"] == start
    seen.clear()
    run_backtest(NodeConfig(strategies=[]), [data], progress=seen.append)
    assert seen == [65_536, 70_000]


def test_no_data_in_the_period_and_bad_lines(tmp_path: Path) -> None:
    data = trades_csv(tmp_path)
    with pytest.raises(DataError, match="no market data in the chosen period"):
        run_backtest(NodeConfig(strategies=[]), [data], start_ns=2 * 10**18)
    data.write_text(data.read_text() + "oops,not,a,trade\n")
    result = run_backtest(NodeConfig(strategies=[]), [data])
    assert result.report["data_errors"]["count"] == 1
    assert result.report["data_errors"]["first"][0].startswith(f"{data}:601:")
    with pytest.raises(DataError, match=":601:"):
        run_backtest(NodeConfig(strategies=[]), [data], on_error="stop")
