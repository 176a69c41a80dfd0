"""`bot4 replay`: the CLI contract (JSON keys, exit codes, one-line errors)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.marketdata.cli.replay import replay_command
from bot4.marketdata.sources._offline import PROGRESS_EVERY, replay_offline

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


def _long_kraken_session(tmp_path: Path, updates: int) -> Path:
    """A Kraken book snapshot then `updates` book updates: more lines than one progress step."""
    ws = _kraken_session(tmp_path)
    with ws.open("a", encoding="utf-8") as f:
        for i in range(updates):
            qty = f"{1 + i % 5}.0"
            update = f'[1, {{"b": [["1.00", "{qty}", "2.0"]]}}, "book-10", "A/B"]'
            f.write(f"{2 + i / 1e6:.6f}: {update}\n")
    return ws


def _replay_with_stderr_on_a_tty(ws: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """`bot4 replay` in-process with stderr on a pseudo-terminal; what the terminal showed."""
    master, slave = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        with contextlib.suppress(OSError):
            while data := os.read(master, 65536):
                chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    tty = os.fdopen(slave, "w", encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", tty)
    try:
        replay_command(ws, exchange="kraken", verify=True, json_out=out)
    finally:
        tty.flush()
        monkeypatch.undo()
        tty.close()
        reader.join(5)
        os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # colours and cursor moves


def test_progress_bar_on_a_terminal_and_the_same_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _long_kraken_session(tmp_path, updates=PROGRESS_EVERY * 2 + 10)
    lines = len(ws.read_text().splitlines())
    plain, shown_on = tmp_path / "plain.json", tmp_path / "tty.json"
    result = runner.invoke(
        app, ["replay", str(ws), "--exchange", "kraken", "--verify", "--json", str(plain)]
    )
    assert result.exit_code == 0 and "replay" not in result.stderr, "no bar off a terminal"
    shown = _replay_with_stderr_on_a_tty(ws, shown_on, monkeypatch)
    assert shown_on.read_bytes() == plain.read_bytes(), "the bar does not change the JSON"
    assert f"replay {ws.name}" in shown and f"/{lines} lines" in shown
    assert f"{lines}/{lines}" in shown, "the bar ends full"
    assert json.loads(plain.read_text())["messages"] == lines - 2  # the header lines are not


def test_progress_callback_steps(tmp_path: Path) -> None:
    ws = _long_kraken_session(tmp_path, updates=PROGRESS_EVERY * 2)
    lines = len(ws.read_text().splitlines())
    seen: list[int] = []
    replay_offline(ws, "kraken", progress=seen.append)
    assert seen == [PROGRESS_EVERY, 2 * PROGRESS_EVERY, lines]
