"""ApiView without a run: views before the OMS exists, operator commands, risk reloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot4.engine import NodeConfig, build_node
from bot4.engine._api_view import convert_risk
from bot4.engine.config import SafetyConfig
from bot4.errors import ConfigError


async def test_views_and_commands_before_the_run(tmp_path: Path) -> None:
    node = build_node(NodeConfig(), run_dir=tmp_path, strategies=[], api=False)
    view = node.control
    status = view.status()
    assert status["open_orders"] == 0 and status["positions"] == []
    assert status["breakers"] == {
        "binance-ws": "CLOSED",
        "binance-rest": "CLOSED",
        "storage": "CLOSED",
        "journal": "CLOSED",
        "global": "CLOSED",
    }
    assert status["execution"] == {
        "venue": "paper",
        "exchange": None,
        "testnet": False,
        "real_account": False,
        "description": "paper",
    }
    pnl = status["pnl"]
    assert (pnl["realized"], pnl["unrealized"], pnl["total"]) == ("0.00", "0.00", "0.00")
    assert pnl["history"] == []
    assert [w["last_decision"] for w in status["why"]] == [None, None, None]
    assert view.open_orders() == [] and view.positions() == []
    assert view.registry is node.metrics.registry
    assert (await view.kill("drill", "ops"))["active"] is True  # not running: nothing to persist
    assert (await view.reset_kill("ops"))["active"] is False
    assert await view.force_open_breaker("nope") is None


async def test_a_reload_is_checked_then_applied(tmp_path: Path) -> None:
    node = build_node(NodeConfig(), run_dir=tmp_path, strategies=[], api=False)
    view = node.control
    ok = await view.reload_risk_limits({"max_open_orders": 7})
    assert ok["ok"] and ok["limits"]["max_open_orders"] == 7
    assert view.risk_config.max_open_orders == 7
    bad = await view.reload_risk_limits({"max_open_orders": "many"})
    assert not bad["ok"] and bad["errors"][0].startswith("reload: ")
    assert bad["limits"]["max_open_orders"] == 7, "a refused reload keeps what is in force"


def test_convert_risk_raises_config_error() -> None:
    with pytest.raises(ConfigError, match=r"reload: .*bogus"):
        convert_risk({"bogus": 1})
    assert convert_risk({}).max_open_orders == NodeConfig().risk.max_open_orders


async def test_the_global_breaker_trips_the_kill_switch_at_its_ratio(tmp_path: Path) -> None:
    """Half of the node's breakers open (default ratio 0.5) -> global OPEN -> kill switch."""
    node = build_node(NodeConfig(), run_dir=tmp_path, strategies=[], api=False)
    view = node.control
    assert await view.force_open_breaker("global") is None, "derived: not operable"
    await view.force_open_breaker("binance-ws")
    assert view.status()["breakers"]["global"] == "CLOSED", "1 of 4 is below the ratio"
    assert view.status()["kill_switch"]["active"] is False
    await view.force_open_breaker("storage")
    status = view.status()
    assert status["breakers"]["global"] == "OPEN"
    kill = status["kill_switch"]
    assert kill["active"] is True and kill["source"] == "global-breaker"
    assert "binance-ws" in (kill["reason"] or "") and "storage" in (kill["reason"] or "")
    assert status["trading_state"] == "HALTED"
    # Recovery of the components closes the global breaker; the kill switch stays tripped.
    await view.reset_breaker("binance-ws")
    assert view.status()["breakers"]["global"] == "CLOSED"
    assert view.status()["kill_switch"]["active"] is True
    events = [e["event"] for e in node.ops.breaker_events]
    assert any("global" in e for e in events)


async def test_the_global_ratio_comes_from_the_config(tmp_path: Path) -> None:
    cfg = NodeConfig(safety=SafetyConfig(global_open_ratio=0.25))
    node = build_node(cfg, run_dir=tmp_path, strategies=[], api=False)
    await node.control.force_open_breaker("journal")
    assert node.global_breaker.state.name == "OPEN"
    assert node.risk.kill_switch.tripped
