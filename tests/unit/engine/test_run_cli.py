"""`bot4 run` on the command line: config errors, a short run without the API."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot4.cli import app
from bot4.config import load_config
from bot4.engine import NodeConfig
from bot4.errors import ConfigError


def test_unknown_config_key_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bot4.toml"
    bad.write_text('[replay]\npace = 2.0\nsymbol = "BTCUSDT"\n')
    try:
        load_config(bad, NodeConfig)
    except ConfigError as exc:
        assert "replay" in str(exc) and "symbol" in str(exc)
    else:
        raise AssertionError("an unknown key must be refused")
    result = CliRunner().invoke(app, ["run", "--config", str(bad), "--no-api"])
    assert result.exit_code == 2
    assert "symbol" in result.output


def test_run_writes_a_report_in_a_timestamped_run_dir(tmp_path: Path) -> None:
    cfg = tmp_path / "bot4.toml"
    cfg.write_text(f'runs_dir = "{tmp_path / "runs"}"\n[replay]\npace = 100.0\n')
    result = CliRunner().invoke(
        app, ["run", "--config", str(cfg), "--no-api", "--no-tui", "--duration", "15"]
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["frames"]["received"] == 2000
    assert "orders" in result.output and "report:" in result.output
