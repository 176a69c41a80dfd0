"""NodeContext without a run: a strategy sees the node but can send nothing before the OMS."""

from __future__ import annotations

from pathlib import Path

from bot4.engine import NodeConfig, Strategy, build_node
from bot4.model import ClientOrderId, InstrumentId, Side

BTC = InstrumentId("BINANCE:BTCUSDT")


def test_before_the_run_a_strategy_sees_the_node_and_sends_nothing(tmp_path: Path) -> None:
    probe = Strategy("probe", [BTC])
    node = build_node(NodeConfig(), run_dir=tmp_path, strategies=[probe], api=False)
    ctx = node.context
    probe.bind(ctx)
    assert ctx.clock is node.clock and ctx.instrument(BTC).symbol == "BTCUSDT"
    assert ctx.book(BTC) is None and ctx.position_qty(BTC) == 0
    first, second = ctx.next_client_order_id(), ctx.next_client_order_id()
    assert first.startswith("N-") and first != second
    assert probe.submit_market(BTC, Side.BUY, 1) is None and ctx.orders_submitted == 0
    assert ctx.open_order_ids(probe) == []
    ctx.cancel(probe, ClientOrderId("N-1"))  # nothing to cancel at: a no-op
    probe.decide(BTC, "waiting")
    text, ts_ns = ctx.decisions[BTC]
    assert text == "probe: waiting" and ts_ns > 0
