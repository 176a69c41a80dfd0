"""OrderTracker: every road (REST answer, stream, queries) yields each VenueEvent once, in an
order the OMS accepts."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.oms import BTC, CENT, IID, INSTRUMENTS, submitted

from bot4.errors import VenueError
from bot4.model import (
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
)
from bot4.venues.binance._tracker import OrderTracker
from bot4.venues.binance._wire import ExecutionReport, RestFill, RestOrder, Trade

INST = INSTRUMENTS[IID]


def er(**kw: Any) -> ExecutionReport:
    fields: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "client_order_id": "O-1",
        "execution_type": "NEW",
        "status": "NEW",
        "order_id": 10,
        "transact_ms": 1_000,
    }
    fields.update(kw)
    return ExecutionReport(**fields)


def trade_er(trade_id: int, qty: str = "0.05", **kw: Any) -> ExecutionReport:
    fields: dict[str, Any] = {
        "execution_type": "TRADE",
        "status": "PARTIALLY_FILLED",
        "last_qty": qty,
        "last_price": "99.50",
        "commission": "0.004975",
        "commission_asset": "USDT",
        "trade_id": trade_id,
        "maker": True,
    }
    fields.update(kw)
    return er(**fields)


def tracker() -> tuple[OrderTracker, Any]:
    tr = OrderTracker()
    t = tr.add(submitted("O-1", qty=BTC // 10, price=9_950 * CENT), INST)
    return tr, t


def kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_accept_once_then_fills_once_each() -> None:
    tr, t = tracker()
    assert kinds(tr.on_execution_report(er())) == ["OrderAccepted"]
    assert tr.on_execution_report(er()) == []
    fill = tr.on_execution_report(trade_er(1))
    assert kinds(fill) == ["OrderFilled"]
    f = fill[0]
    assert isinstance(f, OrderFilled)
    assert (f.fill_id, f.last_qty, f.last_price, f.liquidity) == (
        "1",
        BTC // 20,
        9_950 * CENT,
        LiquiditySide.MAKER,
    )
    assert f.fee == 4_975 * 10 ** (INST.notional_scale() - 6)  # 0.004975 USDT
    assert tr.on_execution_report(trade_er(1)) == []  # the same trade again: dropped
    assert kinds(tr.on_execution_report(trade_er(2, status="FILLED"))) == ["OrderFilled"]
    assert t.terminal and t.filled == BTC // 10
    assert tr.on_execution_report(er(execution_type="CANCELED", status="CANCELED")) == []


def test_a_fill_before_the_ack_brings_the_ack_first() -> None:
    tr, t = tracker()
    events = tr.on_execution_report(trade_er(5))
    assert kinds(events) == ["OrderAccepted", "OrderFilled"]
    assert isinstance(events[0], OrderAccepted) and events[0].venue_order_id == "10"
    assert tr.find_order_id(10) is t


def test_fees_in_base_in_quote_and_in_neither() -> None:
    tr, _ = tracker()
    base = tr.on_execution_report(trade_er(1, commission="0.00005", commission_asset="BTC"))
    assert isinstance(base[-1], OrderFilled)
    assert base[-1].fee == 5_000 * (9_950 * CENT)  # 0.00005 BTC at 99.50 = 0.004975 USDT
    bnb = tr.on_execution_report(trade_er(2, commission="0.001", commission_asset="BNB"))
    assert isinstance(bnb[-1], OrderFilled) and bnb[-1].fee == 0
    assert tr.fees_unconverted == 1
    odd = tr.on_execution_report(
        trade_er(3, qty="0.001", commission="0.000000001", commission_asset="BTC")
    )
    assert isinstance(odd[-1], OrderFilled) and odd[-1].fee == 0
    assert tr.fees_unconverted == 2
    none = tr.on_execution_report(trade_er(4, qty="0.001", commission="0", commission_asset=None))
    assert isinstance(none[-1], OrderFilled) and none[-1].fee == 0


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ("CANCELED", ["OrderAccepted", "OrderCanceled"]),
        ("EXPIRED", ["OrderAccepted", "OrderExpired"]),
        ("TRADE_PREVENTION", ["OrderAccepted", "OrderExpired"]),
        ("REJECTED", ["OrderRejected"]),
        ("AMENDMENT", []),
    ],
)
def test_terminal_execution_types(x: str, expected: list[str]) -> None:
    tr, _ = tracker()
    assert kinds(tr.on_execution_report(er(execution_type=x, status=x))) == expected
    if expected:
        assert tr.on_execution_report(er(execution_type=x, status=x)) == []


def test_a_cancel_report_names_the_order_in_C() -> None:
    tr, _ = tracker()
    tr.on_execution_report(er())
    cancel = er(client_order_id="cancel-xyz", orig_client_order_id="O-1", execution_type="CANCELED")
    assert kinds(tr.on_execution_report(cancel)) == ["OrderCanceled"]


def test_reports_of_other_clients_orders_are_ignored() -> None:
    tr, _ = tracker()
    assert tr.on_execution_report(er(client_order_id="web_123")) == []


def test_replace_via_stream_suppresses_the_old_orders_cancel() -> None:
    tr, t = tracker()
    tr.on_execution_report(er())
    tr.on_execution_report(trade_er(1, qty="0.02"))
    new_id = tr.begin_replace(t, 8 * BTC // 100, 9_960 * CENT)
    assert new_id == "O-1.r1"
    old_cancel = er(client_order_id="x", orig_client_order_id="O-1", execution_type="CANCELED")
    assert tr.on_execution_report(old_cancel) == []
    events = tr.on_execution_report(er(client_order_id=new_id, order_id=11))
    assert kinds(events) == ["OrderReplaced"]
    r = events[0]
    assert isinstance(r, OrderReplaced) and (r.qty, r.price) == (8 * BTC // 100, 9_960 * CENT)
    assert (t.venue_coid, t.venue_order_id) == (new_id, "11")
    assert tr.replaced(t, 11, 1) == []  # the REST answer after the stream: nothing more
    late_old = er(client_order_id="O-1", execution_type="EXPIRED")
    assert tr.on_execution_report(late_old) == []
    assert tr.on_execution_report(er(client_order_id=new_id)) == []  # its NEW again
    # Fills on the new id belong to the same order.
    assert kinds(tr.on_execution_report(trade_er(2, qty="0.06", client_order_id=new_id))) == [
        "OrderFilled"
    ]
    assert t.terminal


def test_replace_failed_restores_the_old_id() -> None:
    tr, t = tracker()
    tr.on_execution_report(er())
    tr.begin_replace(t, BTC // 20, 9_960 * CENT)
    tr.replace_failed(t)
    tr.replace_failed(t)  # idempotent
    assert tr.find("O-1.r1") is None and t.replacing is None
    cancel = er(client_order_id="x", orig_client_order_id="O-1", execution_type="CANCELED")
    assert kinds(tr.on_execution_report(cancel)) == ["OrderCanceled"]


def test_replacement_ids_stay_within_binances_36_characters() -> None:
    tr = OrderTracker()
    with pytest.raises(VenueError):
        tr.add(submitted("X" * 37), INST)
    t = tr.add(submitted("Y" * 35), INST)
    with pytest.raises(VenueError):
        tr.begin_replace(t, 1, 1)


def test_rest_order_with_full_fills_and_trades() -> None:
    tr, t = tracker()
    order = RestOrder(
        symbol="BTCUSDT",
        order_id=10,
        client_order_id="O-1",
        executed_qty="0.1",
        status="FILLED",
        transact_time=7,
        fills=[RestFill(price="100.10", qty="0.04", commission="0", trade_id=3)],
    )
    trades = [
        Trade(symbol="BTCUSDT", id=3, order_id=10, price="100.10", qty="0.04", time=7),
        Trade(symbol="BTCUSDT", id=4, order_id=10, price="100.10", qty="0.06", time=8),
        Trade(symbol="BTCUSDT", id=9, order_id=99, price="1", qty="1", time=8),  # another order
    ]
    events = tr.on_rest_order(t, order, trades)
    assert kinds(events) == ["OrderAccepted", "OrderFilled", "OrderFilled"]
    assert [e.fill_id for e in events if isinstance(e, OrderFilled)] == ["3", "4"]
    assert tr.on_rest_order(t, order, trades) == []


def test_rest_order_statuses() -> None:
    tr, t = tracker()
    rejected = RestOrder(symbol="BTCUSDT", order_id=1, status="REJECTED")
    assert kinds(tr.on_rest_order(t, rejected, [])) == ["OrderRejected"]
    tr2, t2 = tracker()
    expired = RestOrder(symbol="BTCUSDT", order_id=1, status="EXPIRED", transact_time=3)
    events = tr2.on_rest_order(t2, expired, [])
    assert kinds(events) == ["OrderAccepted", "OrderExpired"]
    assert isinstance(events[1], OrderExpired) and events[1].ts_event == 3_000_000
    assert tr2.rejected(t2, "late", 1) == []


def test_rejected_only_before_any_answer() -> None:
    tr, t = tracker()
    events = tr.rejected(t, "-2010: insufficient balance", 5)
    assert isinstance(events[0], OrderRejected) and events[0].reason.startswith("-2010")
    assert tr.rejected(t, "again", 6) == []
    tr2, t2 = tracker()
    tr2.on_execution_report(er())
    assert tr2.rejected(t2, "too late", 1) == []
    assert tr2.ended(t2, "FILLED", "", 1) == []  # FILLED: the fills say it


def test_terminal_orders_are_forgotten_past_the_bound() -> None:
    tr = OrderTracker(max_terminal=1)
    a = tr.add(submitted("A"), INST)
    b = tr.add(submitted("B"), INST)
    tr.ended(a, "CANCELED", "", 1)
    tr.accepted(b, 42, 1)
    tr.ended(b, "CANCELED", "", 1)
    assert "A" not in tr.orders and tr.find("A") is None and "B" in tr.orders
    c = tr.add(submitted("C"), INST)
    tr.ended(c, "EXPIRED", "", 1)
    assert tr.find_order_id(42) is None and tr.open() == []
    assert isinstance(tr.ended(tr.add(submitted("D"), INST), "CANCELED", "", 1)[-1], OrderCanceled)
