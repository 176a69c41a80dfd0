"""ApiView without a run: views before the OMS exists, operator commands, risk reloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot4.engine import NodeConfig, build_node
from bot4.engine._api_view import convert_risk
from bot4.errors import ConfigError


async def test_views_and_commands_before_the_run(tmp_path: Path) -> None:
    node = build_node(NodeConfig(), run_dir=tmp_path, strategies=[], api=False)
    view = node.control
    status = view.status()
    assert status["open_orders"] == 0 and status["positions"] == []
    assert status["breakers"] == {"binance-ws": "CLOSED", "binance-rest": "CLOSED"}
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
