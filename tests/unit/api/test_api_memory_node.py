"""MemoryNode: the in-memory NodeControl keeps positions, PnL and orders right."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot4.api import MemoryNode
from bot4.clock import TestClock


def position(node: MemoryNode, instrument: str) -> dict[str, object]:
    found = [p for p in node.positions() if p["instrument_id"] == instrument]
    return dict(found[0]) if found else {}


def test_partial_fill_then_close_realizes_pnl() -> None:
    node = MemoryNode(TestClock())
    order = node.submit_order("BTCUSDT", "BUY", "2", "100")
    assert order is not None
    node.fill(order, "1", "100")
    assert node.open_orders()[0]["state"] == "PARTIALLY_FILLED"
    assert node.open_orders()[0]["filled_qty"] == "1"
    node.fill(order, "1", "110")
    assert node.open_orders() == []
    assert position(node, "BTCUSDT")["avg_price"] == "105"
    close = node.submit_order("BTCUSDT", "SELL", "2", None)
    assert close is not None
    node.fill(close, "2", "120")
    assert position(node, "BTCUSDT") == {}  # flat positions are not listed
    assert node.status()["pnl"]["realized"] == "30"


def test_flip_from_long_to_short_reopens_at_the_fill_price() -> None:
    node = MemoryNode(TestClock())
    buy = node.submit_order("ETHUSDT", "BUY", "1", "10")
    assert buy is not None
    node.fill(buy, "1", "10")
    sell = node.submit_order("ETHUSDT", "SELL", "3", "12")
    assert sell is not None
    node.fill(sell, "3", "12")
    p = position(node, "ETHUSDT")
    assert (p["qty"], p["avg_price"], p["realized_pnl"]) == ("-2", "12", "2")
    node.mark("ETHUSDT", "11")
    assert position(node, "ETHUSDT")["unrealized_pnl"] == "2"
    node.mark("XRPUSDT", "1")  # a mark without a position changes no PnL
    assert node.status()["pnl"]["total"] == "4"


def test_venue_rejection_removes_the_order_and_explains_why() -> None:
    node = MemoryNode(TestClock())
    order = node.submit_order("BTCUSDT", "BUY", "1", "100")
    assert order is not None
    node.reject("BTCUSDT", order, "venue", "POST_ONLY_WOULD_TAKE", "would cross")
    assert node.open_orders() == []
    (why,) = node.status()["why"]
    assert why["last_decision"] is None
    assert why["rejections"][0]["source"] == "venue"
    text = node.metrics.exposition().decode()
    assert 'bot4_venue_rejections_total{reason="POST_ONLY_WOULD_TAKE",venue="memory"} 1.0' in text


def test_rejections_are_bounded() -> None:
    node = MemoryNode(TestClock())
    for i in range(50):
        node.reject("BTCUSDT", f"O-{i}", "risk", "RATE_LIMIT", "too fast")
    (why,) = node.status()["why"]
    assert len(why["rejections"]) == 20
    assert why["rejections"][-1]["client_order_id"] == "O-49"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1.5", True),
        (3, True),
        (2.5, True),
        (True, False),
        ("NaN", False),
        ("x", False),
        ({"a": 1}, False),
        ("-0.1", False),
    ],
)
async def test_reload_accepts_only_finite_non_negative_numbers(value: object, ok: bool) -> None:
    node = MemoryNode(TestClock())
    result = await node.reload_risk_limits({"max_position": value})
    assert result["ok"] is ok
    expected = str(Decimal(str(value))) if ok else "10"
    assert node.limits["max_position"] == expected


def test_partial_close_keeps_the_entry_price() -> None:
    node = MemoryNode(TestClock())
    buy = node.submit_order("BTCUSDT", "BUY", "4", "100")
    assert buy is not None
    node.fill(buy, "4", "100")
    sell = node.submit_order("BTCUSDT", "SELL", "1", "90")
    assert sell is not None
    node.fill(sell, "1", "90")
    p = position(node, "BTCUSDT")
    assert (p["qty"], p["avg_price"], p["realized_pnl"]) == ("3", "100", "-10")
