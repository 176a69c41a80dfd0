"""`bot4 run` on the command line: config errors, a short run without the API."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.commands.run import parse_risk, run_command
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


def test_run_refuses_what_check_config_refuses_one_line_each(tmp_path: Path) -> None:
    bad = tmp_path / "bot4.toml"
    bad.write_text('[replay]\nsymbols = ["NOSUCHUSDT"]\n[risk]\nmax_open_orders = -1\n')
    result = CliRunner().invoke(app, ["run", "--config", str(bad), "--no-api"])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert any("NOSUCHUSDT" in line for line in errors), result.output
    assert any("risk.max_open_orders" in line for line in errors), result.output
    assert "Traceback" not in result.output


def test_run_applies_environment_overrides_without_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT4__REPLAY__PACE", "not-a-number")
    result = CliRunner().invoke(app, ["run", "--no-api"])
    assert result.exit_code == 2
    assert "BOT4__REPLAY__PACE" in result.output and "replay.pace" in result.output


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


def _run_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_tui: bool) -> str:
    """`run_command` with stdout on a pseudo-terminal (as `make run` in a shell); its output."""
    cfg = tmp_path / "bot4.toml"
    cfg.write_text(f'runs_dir = "{tmp_path / "runs"}"\n[replay]\npace = 20.0\n')
    master, slave = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # the pty buffer is small: read it while the node runs
        with contextlib.suppress(OSError):
            while data := os.read(master, 65536):
                chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    tty = os.fdopen(slave, "w", encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", tty)
    try:
        run_command(config=cfg, duration=4, no_api=True, no_tui=no_tui)
    finally:
        tty.flush()
        monkeypatch.undo()
        tty.close()
        reader.join(5)
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_run_on_a_terminal_shows_the_live_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = _run_on_a_terminal(tmp_path, monkeypatch, no_tui=False)
    assert "top of book" in shown and "breakers" in shown and "msg/s" in shown
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert f"report: {run_dir}/report.json" in shown
    assert f"report: {run_dir}/report.html" in shown
    assert (run_dir / "report.html").is_file()


def test_no_tui_on_a_terminal_prints_plain_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = _run_on_a_terminal(tmp_path, monkeypatch, no_tui=True)
    assert "top of book" not in shown and "\x1b[" not in shown
    assert "orders" in shown and "report:" in shown


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_run_cleanly_with_a_report(
    tmp_path: Path, signum: signal.Signals
) -> None:
    cfg = tmp_path / "bot4.toml"
    cfg.write_text(f'runs_dir = "{tmp_path / "runs"}"\n[replay]\npace = 1.0\n')
    done = threading.Event()

    def send() -> None:
        # The run dir appears once node.run started, after the handlers were installed: a
        # signal sent earlier would meet Python's defaults (SIGTERM would end pytest).
        for _ in range(600):
            if done.wait(0.05):
                return
            if (tmp_path / "runs").exists() and any((tmp_path / "runs").iterdir()):
                break
        else:
            return  # never started: the assertions below say so
        if not done.wait(1.5):
            os.kill(os.getpid(), signum)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        result = CliRunner().invoke(
            app, ["run", "--config", str(cfg), "--no-api", "--no-tui", "--duration", "40"]
        )
    finally:
        done.set()
        sender.join()
    assert result.exit_code == 0, result.output
    assert f"{signum.name}: stopping" in result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["elapsed_s"] < 20, "stopped by the signal, not by --duration or the replay"
    assert report["frames"]["received"] < report["frames"]["total"]
    assert report["open_orders_at_stop"] == 0
    assert f"report: {run_dir}/report.json" in result.output
    # The handlers are gone after the run: the default SIGINT handler is back.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_risk_reload_is_checked_as_a_config_file_is() -> None:
    """`bot4 run` gives the node the config layer's checker: errors name the key."""
    with pytest.raises(ConfigError, match=r"^reload: bogus: unknown key \(known keys: "):
        parse_risk({"bogus": 1})
    with pytest.raises(ConfigError, match=r"^reload: max_open_orders: "):
        parse_risk({"max_open_orders": "many"})
    assert parse_risk({"max_open_orders": 3}).max_open_orders == 3
