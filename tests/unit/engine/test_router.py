"""EventRouter without a run: what it refuses before the OMS, guard, order-event tallies."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot4.engine import NodeConfig, Strategy, TradingNode, build_node
from bot4.model import (
    ClientOrderId,
    InstrumentId,
    OrderType,
    Side,
    TimeInForce,
    TradeTick,
)
from bot4.oms import Order, OrderDenied, OrderEvent, OrderRejected

BTC = InstrumentId("BINANCE:BTCUSDT")


class _Recorder(Strategy):
    def __init__(self, strategy_id: str = "s") -> None:
        super().__init__(strategy_id, [BTC])
        self.trades = 0
        self.events: list[OrderEvent] = []

    def on_trade(self, tick: TradeTick) -> None:
        self.trades += 1

    def on_order_event(self, event: OrderEvent) -> None:
        self.events.append(event)


def _node(tmp_path: Path, *strategies: Strategy) -> TradingNode:
    return build_node(NodeConfig(), run_dir=tmp_path, strategies=list(strategies), api=False)


def _denied(coid: str, strategy_id: str) -> tuple[Order, OrderDenied]:
    event = OrderDenied(
        client_order_id=ClientOrderId(coid), instrument_id=BTC, side=Side.BUY,
        order_type=OrderType.LIMIT, time_in_force=TimeInForce.GTC, qty=1, price=1,
        trigger_price=None, reduce_only=False, strategy_id=strategy_id, reason="X", ts_event=0,
    )  # fmt: skip
    return Order(event), event


def test_market_data_before_the_oms_reaches_no_strategy(tmp_path: Path) -> None:
    rec = _Recorder()
    node = _node(tmp_path, rec)
    tick = TradeTick(
        instrument_id=BTC, price=1, qty=1, aggressor=Side.BUY, trade_id="1",
        ts_event=0, ts_init=0,
    )  # fmt: skip
    node.router.on_events([tick])
    assert rec.trades == 0 and node.ops.feed_last_ns is None


def test_guard_stops_a_raising_strategy_once_and_spares_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad, good = _Recorder("bad"), _Recorder("good")
    node = _node(tmp_path, bad, good)
    calls: list[str] = []

    def boom() -> None:
        calls.append("boom")
        raise KeyError("x")

    with caplog.at_level(logging.ERROR):
        node.router.guard(bad, boom)
        node.router.guard(bad, boom)  # stopped: not called again
        node.router.guard(good, lambda: calls.append("good"))
    assert calls == ["boom", "good"]
    assert node.router.failed == {"bad": "KeyError: 'x'"}
    assert "strategy bad stopped: KeyError" in caplog.text


def test_order_events_are_tallied_and_reach_their_strategy(tmp_path: Path) -> None:
    rec = _Recorder("s")
    node = _node(tmp_path, rec)
    order, denied = _denied("c1", "s")
    node.router.on_order(order, denied)
    rejected = OrderRejected(client_order_id=ClientOrderId("c1"), reason="POST_ONLY", ts_event=1)
    node.router.on_order(order, rejected)
    other, other_event = _denied("c2", "nobody")  # no such strategy: tallied only
    node.router.on_order(other, other_event)
    assert rec.events == [denied, rejected]
    assert node.router.denials == {"X": 2} and node.router.rejections == {"POST_ONLY": 1}
    assert [r["source"] for r in node.ops.recent_rejections.get(BTC)] == ["risk", "venue", "risk"]
