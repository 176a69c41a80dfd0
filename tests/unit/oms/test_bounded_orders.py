"""The OMS in bounded memory (terminal orders evicted) and replaces checked by the risk engine.

Rig book (BTCUSDT, prices written in cents: `* CENT`): bid 99.90 / ask 100.10, reference 100.00;
the default collar is 500 bps (95.00 .. 105.00).
"""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from tests.support.oms import BTC, CENT, IID, Rig, filled, request, risk_config, snapshot

from bot4.errors import ConfigError
from bot4.model import ClientOrderId, Side
from bot4.oms import OrderCanceled, OrderManager, OrderStatus
from bot4.oms._store import order_statuses
from bot4.risk import DenyReason, InstrumentLimits


def cid(text: str) -> ClientOrderId:
    return ClientOrderId(text)


def test_terminal_orders_past_the_window_are_evicted_oldest_first() -> None:
    rig = Rig(max_terminal_orders=3)
    oms = rig.oms
    resting = oms.submit(request("R", qty=BTC, price=9_600 * CENT))
    for k in range(5):
        assert (
            oms.submit(request(f"F{k}", qty=BTC, price=10_010 * CENT)).status is OrderStatus.FILLED
        )
    assert oms.submit(request("D", qty=BTC, price=5_000 * CENT)).status is OrderStatus.DENIED
    assert set(oms.orders) == {"R", "F3", "F4", "D"}, "open + the 3 latest terminal"
    assert oms.counters.evicted == 3
    assert order_statuses(oms.orders) == {
        OrderStatus.ACCEPTED: 1,
        OrderStatus.FILLED: 2,
        OrderStatus.DENIED: 1,
    }
    assert oms.open_orders() == [resting] and oms.open_qty(IID, Side.BUY) == BTC
    # Eviction forgets the order objects, not what they did.
    assert rig.portfolio.position_qty(IID) == 5 * BTC
    assert oms.counters.fills == 5


def test_a_late_event_for_an_evicted_order_is_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig(max_terminal_orders=1)
    oms = rig.oms
    oms.submit(request("A", qty=BTC, price=10_010 * CENT))
    oms.submit(request("B", qty=BTC, price=10_010 * CENT))
    assert cid("A") not in oms.orders and cid("B") in oms.orders
    records = len(rig.journal)
    with caplog.at_level(logging.ERROR):
        oms.on_venue_event(filled("A", qty=BTC, fill_id="late", price=10_010 * CENT))
        oms.on_venue_event(OrderCanceled(client_order_id=cid("A"), ts_event=9))
    assert oms.counters.unknown_order_events == 2
    assert "evicted" in caplog.text
    assert "order A" in oms.errors[-1] and "OrderCanceled" in oms.errors[-1]
    assert len(rig.journal) == records, "nothing journaled for an event that was not applied"
    assert rig.portfolio.position_qty(IID) == 2 * BTC
    assert not oms.cancel(cid("A")) and not oms.replace(cid("A"), BTC, 9_600 * CENT)


def test_a_rebuild_evicts_like_the_live_oms() -> None:
    rig = Rig(max_terminal_orders=2)
    oms = rig.oms
    oms.submit(request("r1", qty=BTC, price=9_600 * CENT))
    for k in range(4):
        oms.submit(request(f"f{k}", qty=BTC, price=10_010 * CENT))
    oms.submit(request("c1", qty=BTC, price=9_500 * CENT))
    oms.cancel(cid("c1"))
    oms.submit(request("d1", qty=BTC, price=5_000 * CENT))
    rebuilt, _ = rig.fresh_rebuild()
    assert snapshot(rebuilt) == snapshot(oms)
    assert rebuilt.counters.evicted == oms.counters.evicted == 4
    assert set(rebuilt.orders) == {"r1", "c1", "d1"}


def test_a_window_of_zero_keeps_only_open_orders_and_a_negative_one_is_refused() -> None:
    rig = Rig(max_terminal_orders=0)
    oms = rig.oms
    oms.submit(request("open", qty=BTC, price=9_600 * CENT))
    oms.submit(request("done", qty=BTC, price=10_010 * CENT))
    assert set(oms.orders) == {"open"} and oms.counters.evicted == 1
    with pytest.raises(ConfigError, match="max_terminal_orders"):
        OrderManager(
            clock=rig.clock,
            risk=rig.risk,
            venue=rig.venue,
            journal=rig.journal,
            portfolio=rig.portfolio,
            max_terminal_orders=-1,
        )


def test_a_replace_outside_the_collar_is_refused_and_the_order_stands() -> None:
    rig = Rig()
    oms = rig.oms
    order = oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    records = len(rig.journal)
    engine_before = (rig.risk.open_orders(), rig.risk.exposure())
    assert not oms.replace(cid("A"), 2 * BTC, 9_000 * CENT)  # 90.00: 10 % under the reference
    assert (order.status, order.qty, order.price) == (OrderStatus.ACCEPTED, 3 * BTC, 9_600 * CENT)
    assert len(rig.journal) == records, "nothing journaled, nothing sent"
    assert oms.counters.replaces_denied == 1 and oms.counters.replaces_sent == 0
    assert (rig.risk.open_orders(), rig.risk.exposure()) == engine_before
    assert oms.open_qty(IID, Side.BUY) == 3 * BTC
    # The order still works at its old terms: a good replace goes out.
    assert oms.replace(cid("A"), 2 * BTC, 9_700 * CENT)
    assert (order.qty, order.price) == (2 * BTC, 9_700 * CENT)


def test_a_replace_onto_our_own_resting_order_is_refused_as_a_self_trade() -> None:
    rig = Rig()
    oms = rig.oms
    oms.submit(request("S", side=Side.SELL, qty=BTC, price=10_300 * CENT))
    buy = oms.submit(request("B", qty=BTC, price=9_600 * CENT))
    assert not oms.replace(cid("B"), BTC, 10_300 * CENT)
    assert buy.price == 9_600 * CENT and buy.status is OrderStatus.ACCEPTED
    assert oms.counters.replaces_denied == 1


def test_the_engine_counts_a_replaced_order_at_its_confirmed_terms() -> None:
    rig = Rig()
    oms = rig.oms
    oms.submit(request("B", qty=2 * BTC, price=9_600 * CENT))
    assert oms.replace(cid("B"), 2 * BTC, 9_700 * CENT)
    # A sell at 96.50 would have passed our old bid (96.00); it crosses the new one (97.00).
    verdict = rig.risk.check(request("probe", side=Side.SELL, qty=BTC, price=9_650 * CENT))
    assert not verdict and verdict.reason is DenyReason.SELF_TRADE
    assert rig.risk.open_orders() == 1


def test_a_replace_does_not_count_its_own_order_twice() -> None:
    limits = InstrumentLimits(max_open_orders=1, max_position=Decimal("3"))
    rig = Rig(config=risk_config(defaults=limits))
    oms = rig.oms
    order = oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    assert oms.submit(request("X", qty=BTC, price=9_500 * CENT)).status is OrderStatus.DENIED
    oms.on_venue_event(filled("A", qty=BTC, fill_id="f1", price=9_600 * CENT))
    # Position 1 BTC + 2 BTC left = the 3 BTC limit; the open-order limit is 1. Checked as the
    # remaining 2 BTC with the order's own terms taken out, the replace fits both.
    assert oms.replace(cid("A"), 3 * BTC, 9_650 * CENT)
    assert (order.price, order.remaining) == (9_650 * CENT, 2 * BTC)
    assert rig.risk.open_orders() == 1
    # The limits still bind: a new order cannot squeeze in beside it.
    assert oms.submit(request("Y", qty=BTC, price=9_500 * CENT)).status is OrderStatus.DENIED


def test_a_replace_confirmed_after_fills_reached_its_qty_closes_the_order() -> None:
    rig = Rig(latency_us=200)  # the venue answers 200 µs later
    oms = rig.oms
    order = oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    rig.clock.advance_ns(200_000)
    rig.venue.process_due()
    assert order.status is OrderStatus.ACCEPTED
    assert oms.replace(cid("A"), 2 * BTC, 9_650 * CENT)
    oms.on_venue_event(
        filled("A", qty=2 * BTC, fill_id="x", price=9_600 * CENT)
    )  # raced the replace
    rig.clock.advance_ns(200_000)
    rig.venue.process_due()  # the replace to 2 BTC lands: all of it is filled
    assert order.status is OrderStatus.FILLED and order.qty == 2 * BTC
    assert oms.open_order_count() == 0 and rig.risk.open_orders() == 0
    assert rig.risk.positions() == {IID: 2 * BTC}


def test_a_rebuild_with_a_closed_out_position_tells_the_engine_nothing_open() -> None:
    rig = Rig()
    oms = rig.oms
    oms.submit(request("B", qty=BTC, price=10_010 * CENT))  # bought at the ask
    oms.submit(request("S", side=Side.SELL, qty=BTC, price=9_990 * CENT))  # sold at the bid: flat
    assert rig.portfolio.position_qty(IID) == 0
    rebuilt, risk = rig.fresh_rebuild()
    assert snapshot(rebuilt) == snapshot(oms)
    assert risk.positions() == {} and risk.open_orders() == 0
