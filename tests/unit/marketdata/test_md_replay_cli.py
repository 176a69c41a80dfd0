"""`bot4 replay`: the CLI contract (JSON keys, exit codes, one-line errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.cli import app

runner = CliRunner()

KEYS = {
    "messages",
    "parsed",
    "errors",
    "gaps",
    "resyncs",
    "checksum_ok",
    "checksum_failed",
    "books",
}


def _kraken_session(tmp_path: Path) -> Path:
    ws = tmp_path / "KRAKEN.ws.1.0"
    snap = [1, {"as": [["2.00", "1.0", "1.0"]], "bs": [["1.00", "3.0", "1.0"]]}, "book-10", "A/B"]
    ws.write_text(
        "wss://ws.kraken.com <-> 1.0\n"
        'wss://ws.kraken.com <- 1.1: {"event":"subscribe"}\n'
        f"1.2: {json.dumps(snap)}\n"
        "not a record\n",
        encoding="utf-8",
    )
    return ws


def test_replay_writes_the_contract_json(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    ws = _kraken_session(tmp_path)
    result = runner.invoke(
        app, ["replay", str(ws), "--exchange", "kraken", "--verify", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert set(data) >= KEYS
    assert data["errors"] == 1 and data["messages"] == 2  # the bad line is counted
    assert data["books"]["A/B"] == {
        "synced": True,
        "bids": [["1.00", "3.0"]],
        "asks": [["2.00", "1.0"]],
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exchange", "okx"], "--exchange must be one of"),
        (["--exchange", "kraken"], "--json OUT is required"),
        (["--exchange", "kraken", "--snapshots", "/no/such/file"], "cannot read"),
    ],
)
def test_bad_arguments_fail_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    ws = _kraken_session(tmp_path)
    if "--json" not in args and "required" not in message:
        args = [*args, "--json", str(tmp_path / "o.json")]
    result = runner.invoke(app, ["replay", str(ws), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unreadable_output_fails(tmp_path: Path) -> None:
    ws = _kraken_session(tmp_path)
    out = tmp_path / "missing-dir" / "o.json"
    result = runner.invoke(app, ["replay", str(ws), "--exchange", "kraken", "--json", str(out)])
    assert result.exit_code == 2 and "cannot write" in result.output


def test_replay_recordings_end_to_end(recordings: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    args = [
        "replay",
        str(recordings / "BINANCE_FUTURES.ws.1.0"),
        "--exchange",
        "binance-futures",
        "--snapshots",
        str(recordings / "BINANCE_FUTURES.http.0.0"),
        "--header",
        str(recordings / "BINANCE_FUTURES.0"),
        "--verify",
        "--json",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["gaps"] == 0 and data["errors"] == 0
    assert set(data["books"]) == {"SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT"}
    assert all(b["synced"] and len(b["bids"]) == 10 for b in data["books"].values())
