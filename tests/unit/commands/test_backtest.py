"""`bot4 backtest` as a user types it: config or --strategy/--param, sweeps, and its errors."""

from __future__ import annotations

import csv
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.commands.backtest import parse_time
from bot4.errors import ConfigError

T0_MS = 1_700_000_000_000
STRATEGY = '''
import msgspec
from bot4.engine import Strategy
from bot4.model import Side


class Config(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    every: int = 50


class EveryNth(Strategy):
    """Buys at the trade price on every Nth trade."""

    config_type = Config

    def on_trade(self, tick):
        self.n = getattr(self, "n", 0) + 1
        if self.n % self.config.every == 0:
            inst = self.ctx.instrument(tick.instrument_id)
            qty = self.lot_size(inst, tick.price, 20)
            self.submit_limit(tick.instrument_id, Side.BUY, qty, tick.price)
'''


def _data(folder: Path) -> Path:
    path = folder / "BTCUSDT-trades-2023-11-14.csv"
    rows = (f"{i},{36_000 + i % 7}.00,0.010,360,{T0_MS + i * 100},true,true" for i in range(800))
    path.write_text("\n".join(rows) + "\n")
    return path


def _invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["backtest", *map(str, args)], env={})
    return result.exit_code, result.output


def test_a_strategy_file_with_params_runs_and_reports(tmp_path: Path) -> None:
    (tmp_path / "nth.py").write_text(STRATEGY)
    code, out = _invoke(
        "--data", _data(tmp_path), "--out", tmp_path / "out",
        "--strategy", tmp_path / "nth.py:EveryNth", "--param", "every=100",
    )  # fmt: skip
    assert code == 0, out
    assert "800 events in" in out and "orders 8," in out
    report = msgspec.json.decode((tmp_path / "out" / "report.json").read_bytes())
    assert report["run"]["strategies"] == {"everynth": f"{tmp_path}/nth.py:EveryNth"}, "as given"
    assert report["summary"]["orders"] == 8
    assert (tmp_path / "out" / "report.html").is_file()


def test_a_sweep_ranks_every_point(tmp_path: Path) -> None:
    (tmp_path / "nth.py").write_text(STRATEGY)
    config = tmp_path / "bt.toml"
    config.write_text('[[strategies]]\nid = "nth"\nclass = "nth.py:EveryNth"\n')
    code, out = _invoke(
        "--config", config, "--data", _data(tmp_path), "--out", tmp_path / "sweep",
        "--sweep", "every=100,200", "--sweep", "paper.taker_fee_ppm=0,500",
        "--rank-by", "orders", "--workers", "1",
    )  # fmt: skip
    assert code == 0, out
    assert "sweep: 4 backtests ranked by orders" in out
    with (tmp_path / "sweep" / "sweep.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["every"], r["orders"]) for r in rows][:2] == [("100", "8"), ("100", "8")]
    assert sorted(r["paper.taker_fee_ppm"] for r in rows) == ["0", "0", "500", "500"]
    assert (tmp_path / "sweep" / "point-0003" / "report.json").is_file()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--on-error", "maybe"], 2, "--on-error 'maybe': expected skip or stop"),
        (["--param", "x=1"], 2, "--param needs --strategy or [[strategies]]"),
        (["--strategy", "nope:Nope"], 2, "strategies[0]"),
        (["--from", "yesterday"], 2, "'yesterday': not a time"),
        (["--sweep", "every"], 2, "expected key=value"),
    ],
)
def test_bad_settings_exit_2_with_one_line(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    got, out = _invoke("--data", _data(tmp_path), "--out", tmp_path / "o", *args)
    assert got == code and message in out, out


def test_unusable_data_exits_1_naming_the_file(tmp_path: Path) -> None:
    code, out = _invoke("--data", tmp_path / "none.csv", "--out", tmp_path / "o")
    assert code == 1 and "none.csv" in out
    bad = _data(tmp_path)
    bad.write_text(bad.read_text() + "broken line\n")
    code, out = _invoke("--data", bad, "--out", tmp_path / "o", "--on-error", "stop")
    assert code == 1 and ":801:" in out


def test_times_parse_as_iso_utc_or_ns() -> None:
    assert parse_time("1700000000000000000") == 1_700_000_000_000_000_000
    assert parse_time("2023-11-14T22:13:20Z") == 1_700_000_000_000_000_000
    assert parse_time("2023-11-14T22:13:20.5") == 1_700_000_000_500_000_000
    assert parse_time("2023-11-15T00:13:20+02:00") == 1_700_000_000_000_000_000
    with pytest.raises(ConfigError):
        parse_time("soon")
