from __future__ import annotations

import io

from rich.console import Console
from typer.testing import CliRunner

from bot4.resilience.demo import Exchange, run_demo


def test_demo_trips_follows_and_recovers() -> None:
    buf = io.StringIO()
    run_demo(Console(file=buf, width=200, color_system=None))
    out = buf.getvalue()
    assert "binance: CLOSED -> OPEN" in out
    assert "global: CLOSED -> OPEN" in out
    assert "refused by the global gate" in out
    assert "binance: OPEN -> HALF_OPEN" in out and "binance: HALF_OPEN -> CLOSED" in out
    assert "global: OPEN -> CLOSED" in out
    assert "8 state changes, 1 global rejection(s)" in out


def test_demo_runs_as_bot4_demo_breakers() -> None:
    from bot4.cli import app

    result = CliRunner().invoke(app, ["demo-breakers"])
    assert result.exit_code == 0, result.output
    assert "HALF_OPEN -> CLOSED" in result.output


def test_exchange_stand_in() -> None:
    ex = Exchange("x")
    assert ex.get_balance() == "ok" and ex.requests == 1
