"""A node with notifications: fills reach the webhook; a dead webhook never stops trading."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.notify import Receiver

from bot4.api.config import ApiConfig
from bot4.engine import NodeConfig, build_node
from bot4.engine.config import ReplayConfig, StrategyEntry
from bot4.notify import NotificationsConfig
from bot4.resilience import CircuitState


def _config(webhook_url: str) -> NodeConfig:
    return NodeConfig(
        replay=ReplayConfig(pace=40),
        api=ApiConfig(enabled=False),
        strategies=[
            StrategyEntry(
                id="momentum",
                class_="bot4.engine.strategies:MomentumTaker",
                config={"cooldown_s": 0.05},
            )
        ],
        notifications=NotificationsConfig(
            webhook_url=webhook_url, webhook_per_s=100.0, breaker_open_s=60.0, timeout_s=1.0
        ),
    )


async def test_fills_and_the_pnl_at_stop_reach_the_webhook(
    tmp_path: Path, receiver: Receiver
) -> None:
    node = build_node(_config(f"{receiver.base}/hook/x"), run_dir=tmp_path / "run")
    report = await node.run(duration_s=6)
    assert report["fills"] > 0
    notices = [n for body, _ in receiver.webhook for n in json.loads(body)["notices"]]
    kinds = [n["kind"] for n in notices]
    assert kinds.count("fill") == report["fills"]
    assert kinds[-1] == "daily_pnl" and notices[-1]["text"].startswith("PnL at stop")
    assert b"bot4_notifications_sent_total" in node.metrics.exposition()


async def test_a_node_with_a_dead_webhook_still_completes(tmp_path: Path) -> None:
    node = build_node(_config("http://127.0.0.1:9/hook/x"), run_dir=tmp_path / "run")
    report = await node.run(duration_s=6)
    assert report["fills"] > 0
    notifier = node.ops.notifier
    assert notifier is not None
    webhook = notifier.senders["webhook"]
    assert webhook.breaker.state is CircuitState.OPEN
    assert webhook.sent == 0 and webhook.failed + webhook.dropped >= report["fills"]
