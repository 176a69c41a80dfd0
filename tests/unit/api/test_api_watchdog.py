"""Watchdog: a component quiet past its limit is logged and counted once per episode."""

from __future__ import annotations

import logging

import pytest
from test_api_metrics import samples

from bot4.api import MemoryNode, NodeMetrics, Watchdog
from bot4.clock import TestClock


def test_one_alert_per_quiet_episode(caplog: pytest.LogCaptureFixture) -> None:
    clock = TestClock()
    metrics = NodeMetrics(clock)
    dog = Watchdog(clock, metrics.on_watchdog_alert, metrics.register_watched)
    dog.watch("feed:binance", 2.0)
    dog.watch("strategy:mm", 5.0)
    assert samples(metrics)[("bot4_watchdog_alerts_total", (("component", "strategy:mm"),))] == 0
    dog.beat("strategy:unknown")  # not watched: ignored
    clock.advance(1.5)
    assert dog.check() == [] and dog.quiet() == []
    dog.beat("feed:binance")
    clock.advance(2.5)  # the feed: 2.5 s since its beat; mm: 4 s since watch
    with caplog.at_level(logging.INFO, logger="bot4.api._watchdog"):
        assert dog.check() == ["feed:binance"]
        clock.advance(1)
        assert dog.check() == []  # still quiet: no second alert
        assert dog.quiet() == [{"component": "feed:binance", "quiet_s": 3.5, "limit_s": 2.0}]
        clock.advance(0.5)  # mm: 5.5 s, never beat
        assert dog.check() == ["strategy:mm"]
        dog.beat("feed:binance", clock.monotonic_ns())
        assert dog.check() == []
        assert [q["component"] for q in dog.quiet()] == ["strategy:mm"]
        clock.advance(3)
        assert dog.check() == ["feed:binance"]  # a new episode: alerted again
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "watchdog: feed:binance quiet for 2.5 s (limit 2.0 s)",
        "watchdog: strategy:mm quiet for 5.5 s (limit 5.0 s)",
        "watchdog: feed:binance quiet for 3.0 s (limit 2.0 s)",
    ]
    assert "watchdog: feed:binance is alive again" in caplog.text
    assert dog.alerts == 3
    s = samples(metrics)
    assert s[("bot4_watchdog_alerts_total", (("component", "feed:binance"),))] == 2
    assert s[("bot4_watchdog_alerts_total", (("component", "strategy:mm"),))] == 1


def test_without_a_callback_and_in_the_memory_node_status() -> None:
    clock = TestClock()
    dog = Watchdog(clock)
    dog.watch("x", 0.1)
    clock.advance(1)
    assert dog.check() == ["x"]
    node = MemoryNode(clock)
    assert node.status()["quiet"] == []
    node.watchdog.watch("strategy:mm", 1.0)
    clock.advance(2)
    node.watchdog.check()
    assert node.status()["quiet"][0]["component"] == "strategy:mm"
