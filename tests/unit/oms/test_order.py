"""The order state machine: the whole (status x event) table, fills, duplicates, over-fills."""

from __future__ import annotations

import itertools

import pytest
from tests.support.oms import IID, accepted, filled, submitted

from bot4.errors import OrderStateError, OverfillError
from bot4.model import ClientOrderId
from bot4.oms import (
    OPEN_STATUSES,
    TRANSITIONS,
    EventKind,
    Order,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderStatus,
)

S = OrderStatus
K = EventKind
C = ClientOrderId("O-1")

# The expected table, written out independently of the implementation's dict:
# (status, event) -> status after (a fill here is a partial fill of 10 out of 100).
EXPECTED: dict[tuple[OrderStatus, EventKind], OrderStatus] = {
    (S.INITIALIZED, K.SUBMIT): S.SUBMITTED,
    (S.INITIALIZED, K.DENY): S.DENIED,
    (S.SUBMITTED, K.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, K.REJECT): S.REJECTED,
    (S.SUBMITTED, K.FILL): S.PARTIALLY_FILLED,
    (S.SUBMITTED, K.PENDING_CANCEL): S.PENDING_CANCEL,
    (S.SUBMITTED, K.CANCEL): S.CANCELED,
    (S.SUBMITTED, K.EXPIRE): S.EXPIRED,
    (S.FILLED, K.CANCEL_REJECT): S.FILLED,
    (S.FILLED, K.REPLACE_REJECT): S.FILLED,
    (S.PENDING_CANCEL, K.ACCEPT): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, K.REJECT): S.REJECTED,
    (S.PENDING_CANCEL, K.FILL): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, K.CANCEL): S.CANCELED,
    (S.PENDING_CANCEL, K.CANCEL_REJECT): S.ACCEPTED,
    (S.PENDING_CANCEL, K.EXPIRE): S.EXPIRED,
    (S.PENDING_CANCEL, K.REPLACE): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, K.REPLACE_REJECT): S.PENDING_CANCEL,
    (S.CANCELED, K.FILL): S.CANCELED,
    (S.PENDING_REPLACE, K.FILL): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, K.PENDING_CANCEL): S.PENDING_CANCEL,
    (S.PENDING_REPLACE, K.CANCEL): S.CANCELED,
    (S.PENDING_REPLACE, K.EXPIRE): S.EXPIRED,
    (S.PENDING_REPLACE, K.REPLACE): S.ACCEPTED,
    (S.PENDING_REPLACE, K.REPLACE_REJECT): S.ACCEPTED,
    (S.EXPIRED, K.FILL): S.EXPIRED,
}
for _w in (S.ACCEPTED, S.PARTIALLY_FILLED):
    EXPECTED |= {
        (_w, K.FILL): S.PARTIALLY_FILLED,
        (_w, K.PENDING_CANCEL): S.PENDING_CANCEL,
        (_w, K.CANCEL): S.CANCELED,
        (_w, K.EXPIRE): S.EXPIRED,
        (_w, K.PENDING_REPLACE): S.PENDING_REPLACE,
    }


def _denied() -> OrderDenied:
    s = submitted()
    return OrderDenied(
        client_order_id=s.client_order_id,
        instrument_id=s.instrument_id,
        side=s.side,
        order_type=s.order_type,
        time_in_force=s.time_in_force,
        qty=s.qty,
        price=s.price,
        reason="MAX_QTY",
        ts_event=1,
    )


# How to bring a fresh order into each status (all from INITIALIZED).
PATHS: dict[OrderStatus, list[OrderEvent]] = {
    S.INITIALIZED: [],
    S.DENIED: [_denied()],
    S.SUBMITTED: [submitted()],
    S.ACCEPTED: [submitted(), accepted()],
    S.REJECTED: [submitted(), OrderRejected(client_order_id=C, reason="NO", ts_event=2)],
    S.PARTIALLY_FILLED: [submitted(), accepted(), filled(fill_id="T-0")],
    S.FILLED: [submitted(), accepted(), filled(qty=100, fill_id="T-0")],
    S.PENDING_CANCEL: [submitted(), accepted(), OrderPendingCancel(client_order_id=C, ts_event=2)],
    S.CANCELED: [submitted(), accepted(), OrderCanceled(client_order_id=C, ts_event=2)],
    S.PENDING_REPLACE: [
        submitted(),
        accepted(),
        OrderPendingReplace(client_order_id=C, qty=100, price=9_000, ts_event=2),
    ],
    S.EXPIRED: [submitted(), accepted(), OrderExpired(client_order_id=C, ts_event=2)],
}

EVENTS: dict[EventKind, OrderEvent] = {
    K.SUBMIT: submitted(),
    K.DENY: _denied(),
    K.ACCEPT: accepted(),
    K.REJECT: OrderRejected(client_order_id=C, reason="NO", ts_event=5),
    K.FILL: filled(qty=10, fill_id="T-9"),
    K.PENDING_CANCEL: OrderPendingCancel(client_order_id=C, ts_event=5),
    K.CANCEL: OrderCanceled(client_order_id=C, ts_event=5),
    K.CANCEL_REJECT: OrderCancelRejected(client_order_id=C, reason="UNKNOWN", ts_event=5),
    K.EXPIRE: OrderExpired(client_order_id=C, ts_event=5),
    K.PENDING_REPLACE: OrderPendingReplace(client_order_id=C, qty=90, price=9_500, ts_event=5),
    K.REPLACE: OrderReplaced(client_order_id=C, qty=90, price=9_500, ts_event=5),
    K.REPLACE_REJECT: OrderReplaceRejected(client_order_id=C, reason="NO", ts_event=5),
}


def order_in(status: OrderStatus) -> Order:
    order = Order(submitted())
    for event in PATHS[status]:
        assert order.apply(event)
    assert order.status is status
    return order


def test_every_status_has_a_path_and_every_kind_an_event() -> None:
    assert set(PATHS) == set(OrderStatus)
    assert set(EVENTS) == set(EventKind)
    assert set(TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(
    ("status", "kind"),
    list(itertools.product(OrderStatus, EventKind)),
    ids=lambda v: v.name,
)
def test_transition_table_cell(status: OrderStatus, kind: EventKind) -> None:
    order = order_in(status)
    before = (order.status, order.filled_qty, order.qty, order.price, order.ts_last)
    event = EVENTS[kind]
    expected = EXPECTED.get((status, kind))
    # A working status after a partial fill goes back to PARTIALLY_FILLED, not ACCEPTED.
    if expected is S.ACCEPTED and order.filled_qty:
        expected = S.PARTIALLY_FILLED
    assert order.can_apply(kind) is (expected is not None)
    if expected is None:
        with pytest.raises(OrderStateError, match="not allowed"):
            order.apply(event)
        after = (order.status, order.filled_qty, order.qty, order.price, order.ts_last)
        assert after == before, "a refused event changes nothing"
    else:
        assert order.apply(event) is True
        assert order.status is expected
        assert order.ts_last == event.ts_event


def test_partially_filled_cells_return_to_partially_filled() -> None:
    order = order_in(S.PARTIALLY_FILLED)
    order.apply(OrderPendingCancel(client_order_id=C, ts_event=5))
    order.apply(OrderCancelRejected(client_order_id=C, reason="late", ts_event=6))
    assert order.status is S.PARTIALLY_FILLED
    assert order.reason == "late"
    order.apply(OrderPendingReplace(client_order_id=C, qty=50, price=1, ts_event=7))
    order.apply(OrderReplaced(client_order_id=C, qty=50, price=1, ts_event=8))
    assert (order.status, order.qty, order.price, order.remaining) == (
        S.PARTIALLY_FILLED,
        50,
        1,
        40,
    )


def test_cancel_refused_before_ack_returns_to_submitted() -> None:
    order = order_in(S.SUBMITTED)
    order.apply(OrderPendingCancel(client_order_id=C, ts_event=5))
    order.apply(OrderCancelRejected(client_order_id=C, reason="x", ts_event=6))
    assert order.status is S.SUBMITTED


def test_fills_accumulate_and_complete() -> None:
    order = order_in(S.ACCEPTED)
    assert order.avg_px is None
    assert order.apply(filled(qty=40, price=10_000, fill_id="a", fee=3))
    assert order.apply(filled(qty=60, price=10_010, fill_id="b", fee=4))
    assert order.status is S.FILLED
    assert not order.is_open
    assert order.filled_qty == 100
    assert order.remaining == 0
    assert order.avg_px == (40 * 10_000 + 60 * 10_010) // 100
    assert order.fees == 7


def test_duplicate_fill_is_ignored() -> None:
    order = order_in(S.ACCEPTED)
    assert order.check(filled(qty=10, fill_id="a"))
    assert order.apply(filled(qty=10, fill_id="a"))
    assert order.check(filled(qty=10, fill_id="a")) is False
    assert order.apply(filled(qty=10, fill_id="a")) is False
    assert order.filled_qty == 10


def test_overfill_raises_and_changes_nothing() -> None:
    order = order_in(S.PARTIALLY_FILLED)
    with pytest.raises(OverfillError):
        order.apply(filled(qty=91, fill_id="big"))
    with pytest.raises(OverfillError):
        order.apply(filled(qty=0, fill_id="zero"))
    assert order.filled_qty == 10
    assert order.fill_ids == {"T-0"}


def test_replace_below_filled_is_an_overfill() -> None:
    order = order_in(S.PARTIALLY_FILLED)
    order.apply(OrderPendingReplace(client_order_id=C, qty=50, price=1, ts_event=7))
    with pytest.raises(OverfillError):
        order.apply(OrderReplaced(client_order_id=C, qty=5, price=1, ts_event=8))
    order.apply(OrderReplaced(client_order_id=C, qty=10, price=1, ts_event=8))
    assert order.status is S.FILLED


def test_late_fill_after_cancel_is_applied_and_can_complete() -> None:
    order = order_in(S.CANCELED)
    assert order.apply(filled(qty=30, fill_id="late"))
    assert (order.status, order.filled_qty) == (S.CANCELED, 30)
    assert order.apply(filled(qty=70, fill_id="later"))
    assert order.status is S.FILLED


def test_first_fill_names_the_venue_order_id_and_open_statuses() -> None:
    order = order_in(S.SUBMITTED)
    order.apply(filled(fill_id="x"))
    assert order.venue_order_id == "V-1"
    assert order.is_open
    assert {s for s in OrderStatus if order_in(s).is_open} == OPEN_STATUSES
    assert order.instrument_id == IID
