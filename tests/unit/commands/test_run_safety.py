"""`bot4 run`: the execution setting and its confirmation, and `--fresh`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.commands.run import move_aside


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("venue", ["binance", "ccxt"])
def test_a_live_venue_without_the_confirmation_is_refused_in_one_line(venue: str) -> None:
    result = CliRunner().invoke(app, ["run", "--execution", venue, "--no-api"])
    assert result.exit_code == 2
    (line,) = _errors(result.output)
    assert line.startswith(f"error: execution venue {venue!r} places real orders")
    assert "--confirm-live" in line
    assert not Path("runs").exists() and not Path("var").exists(), "nothing built or opened"


def test_the_setting_in_the_config_needs_the_confirmation_too(tmp_path: Path) -> None:
    cfg = tmp_path / "bot4.toml"
    cfg.write_text('[execution]\nvenue = "binance"\n')
    result = CliRunner().invoke(app, ["run", "--config", str(cfg), "--no-api"])
    assert result.exit_code == 2 and len(_errors(result.output)) == 1
    assert "--confirm-live" in result.output


@pytest.mark.parametrize(
    ("args", "config"),
    [
        (["--execution", "binance", "--confirm-live"], ""),
        ([], '[execution]\nvenue = "binance"\nconfirm_live = true\n'),
        (["--confirm-live"], '[execution]\nvenue = "binance"\n'),
    ],
)
def test_a_confirmed_venue_missing_from_this_build_is_one_clear_line(
    tmp_path: Path, args: list[str], config: str
) -> None:
    cfg = tmp_path / "bot4.toml"
    cfg.write_text(config)
    result = CliRunner().invoke(app, ["run", "--config", str(cfg), "--no-api", *args])
    assert result.exit_code == 2
    assert _errors(result.output) == [
        "error: execution venue 'binance' is not available in this build (available: paper)"
    ]


def test_an_unknown_execution_value_is_refused() -> None:
    result = CliRunner().invoke(app, ["run", "--execution", "ftx", "--no-api"])
    assert result.exit_code == 2
    assert _errors(result.output) == [
        "error: --execution must be paper, binance or ccxt, got 'ftx'"
    ]


def test_move_aside_renames_and_never_deletes(tmp_path: Path) -> None:
    data = tmp_path / "var" / "bot4"
    assert move_aside(data, "20260101T000000Z") is None, "nothing to move"
    data.mkdir(parents=True)
    (data / "journal.sqlite").write_text("old")
    first = move_aside(data, "20260101T000000Z")
    assert first == tmp_path / "var" / "bot4.20260101T000000Z"
    assert (first / "journal.sqlite").read_text() == "old" and not data.exists()
    data.mkdir()
    second = move_aside(data, "20260101T000000Z")
    assert second == tmp_path / "var" / "bot4.20260101T000000Z.1"
    assert first.exists() and second.exists()


def test_fresh_is_refused_with_a_database_server(tmp_path: Path) -> None:
    cfg = tmp_path / "bot4.toml"
    cfg.write_text('[storage]\ndsn = "postgresql://bot4@127.0.0.1:1/bot4"\n')
    result = CliRunner().invoke(app, ["run", "--config", str(cfg), "--no-api", "--fresh"])
    assert result.exit_code == 2
    assert _errors(result.output) == [
        "error: --fresh works on the embedded storage only ([storage] dsn is set)"
    ]


def test_runs_share_the_data_directory_and_fresh_moves_it_aside(tmp_path: Path) -> None:
    """Two runs, one journal (the default data_dir); --fresh starts a new one, keeping the old."""
    cfg = tmp_path / "bot4.toml"
    cfg.write_text(f'runs_dir = "{tmp_path / "runs"}"\n[replay]\npace = 200.0\n')
    args = ["run", "--config", str(cfg), "--no-api", "--no-tui", "--duration", "10"]
    first = CliRunner().invoke(app, [*args, "--fresh"])  # nothing to move aside yet
    assert first.exit_code == 0, first.output
    assert "--fresh" not in first.output
    journal = tmp_path / "var" / "bot4" / "journal.sqlite"
    assert journal.is_file()
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    reports = [json.loads((d / "report.json").read_text()) for d in (tmp_path / "runs").iterdir()]
    assert len(reports) == 2
    fresh = CliRunner().invoke(app, [*args, "--fresh"])
    assert fresh.exit_code == 0, fresh.output
    (moved,) = (tmp_path / "var").glob("bot4.*")
    shown = moved.relative_to(tmp_path)
    assert f"--fresh: moved the old data directory to {shown}" in fresh.output
    assert (moved / "journal.sqlite").is_file() and journal.is_file()
