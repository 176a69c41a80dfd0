"""The dashboard demo: a MemoryNode trading a random walk behind the real API."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.api import MemoryNode
from bot4.api._demo import DemoMarket, run_demo
from bot4.cli import app
from bot4.clock import TestClock


def test_the_market_quotes_fills_and_explains() -> None:
    node = MemoryNode(TestClock())
    market = DemoMarket(node, seed=1)
    for _ in range(200):
        market.step()
    status = node.status()
    assert set(status["breakers"]) == {"binance-ws", "binance-rest", "storage"}
    assert status["positions"]  # the walk crossed quotes: something filled
    assert len(status["pnl"]["history"]) > 200
    assert all(w["last_decision"].startswith("quote") for w in status["why"])  # type: ignore[union-attr]
    # Always two quotes (or fewer, right after a fill) per instrument, never more.
    assert 1 <= len(node.open_orders()) <= 4


async def test_run_demo_serves_and_ends(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = await run_demo(tmp_path, port=0, duration_s=0.05, step_s=0.01, clock=TestClock(), env={})
    token = (tmp_path / "api-token").read_text().strip()
    assert f"/dashboard?token={token}\n" in capsys.readouterr().out  # generated: URL logs in
    assert node.open_orders()


def test_dashboard_demo_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT4_API_TOKEN", raising=False)
    run_dir = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["dashboard-demo", "--port", "0", "--duration", "0.01", "--run-dir", str(run_dir)]
    )
    assert result.exit_code == 0, result.output
    token = (run_dir / "api-token").read_text().strip()
    assert f"/dashboard?token={token}" in result.stdout
