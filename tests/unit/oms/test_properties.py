"""Hypothesis: random venue event sequences against the OMS never break its invariants.

Whatever a venue sends — acks, fills of any size (over-fills included), duplicate fill ids,
cancels, expiries, refusals, replaces, in any order — the OMS must keep, after every event:
0 <= filled <= qty for every order (no over-fill, no negative remaining), each position equal to
the signed sum of its orders' fills (and to the journal's fills, and to the risk engine's view),
and the open-order bookkeeping equal to a recount.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.oms import BTC, CENT, IID, Rig, request, snapshot

from bot4.model import ClientOrderId, Side
from bot4.oms import (
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    VenueEvent,
)

N_ORDERS = 4

steps = st.lists(
    st.tuples(
        st.integers(0, N_ORDERS - 1),  # which order
        st.sampled_from(
            [
                "ack",
                "fill",
                "fill",
                "fill",
                "cancel",
                "cancel_req",
                "expire",
                "reject",
                "cancel_rej",
                "replace_req",
                "replaced",
                "replace_rej",
            ]
        ),
        st.integers(1, 4 * BTC),  # fill qty (orders are 1..3 BTC: over-fills happen)
        st.integers(0, 5),  # fill id: small range, so duplicates happen
    ),
    max_size=40,
)


def _event(kind: str, coid: ClientOrderId, side: Side, qty: int, fid: int) -> VenueEvent | None:
    if kind == "ack":
        return OrderAccepted(client_order_id=coid, venue_order_id=f"V{coid}", ts_event=1)
    if kind == "fill":
        return OrderFilled(
            client_order_id=coid,
            instrument_id=IID,
            venue_order_id=f"V{coid}",
            fill_id=f"{coid}-{fid}",
            side=side,
            last_qty=qty,
            last_price=(9_600 + fid) * CENT,
            fee=qty // 1_000,
            liquidity=LiquiditySide.MAKER,
            ts_event=1,
        )
    if kind == "cancel":
        return OrderCanceled(client_order_id=coid, ts_event=1)
    if kind == "expire":
        return OrderExpired(client_order_id=coid, ts_event=1)
    if kind == "reject":
        return OrderRejected(client_order_id=coid, reason="X", ts_event=1)
    if kind == "cancel_rej":
        return OrderCancelRejected(client_order_id=coid, reason="X", ts_event=1)
    if kind == "replaced":
        return OrderReplaced(client_order_id=coid, qty=qty, price=9_600 * CENT, ts_event=1)
    if kind == "replace_rej":
        return OrderReplaceRejected(client_order_id=coid, reason="X", ts_event=1)
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_random_venue_events_keep_every_invariant(seq: list[tuple[int, str, int, int]]) -> None:
    # The venue's own answers are delayed forever: only the generated events reach the OMS.
    rig = Rig(latency_us=10**9)
    oms = rig.oms
    coids = []
    for i in range(N_ORDERS):
        side = Side.BUY if i % 2 == 0 else Side.SELL
        price = (9_600 if side is Side.BUY else 10_400) * CENT
        order = oms.submit(request(f"O{i}", side=side, qty=(i % 3 + 1) * BTC, price=price))
        coids.append(order.client_order_id)
    for index, kind, qty, fid in seq:
        coid = coids[index]
        order = oms.orders[coid]
        if kind == "cancel_req":
            oms.cancel(coid)
        elif kind == "replace_req":
            oms.replace(coid, min(qty, order.qty), order.price)
        else:
            event = _event(kind, coid, order.side, qty, fid)
            assert event is not None
            oms.on_venue_event(event)
        check_invariants(rig)
    # And the journal rebuilds exactly this state.
    rebuilt, risk = rig.fresh_rebuild()
    assert snapshot(rebuilt) == snapshot(oms)
    assert risk.positions() == rig.risk.positions()


def check_invariants(rig: Rig) -> None:
    oms = rig.oms
    signed = 0
    open_qty = {Side.BUY: 0, Side.SELL: 0}
    for order in oms.orders.values():
        assert 0 <= order.filled_qty <= order.qty, "never an over-fill"
        assert order.remaining >= 0, "never a negative remaining quantity"
        assert order.filled_qty == 0 or order.fill_ids
        signed += order.side.sign * order.filled_qty
        if order.is_open:
            open_qty[order.side] += order.remaining
    pos = rig.portfolio.position(IID)
    journal_fills = [r for r in rig.journal.records() if isinstance(r, OrderFilled)]
    assert pos.qty == signed == sum(f.side.sign * f.last_qty for f in journal_fills)
    assert pos.fill_count == len(journal_fills) == oms.counters.fills
    assert pos.fees == sum(o.fees for o in oms.orders.values())
    assert rig.risk.positions().get(IID, 0) == pos.qty, "the risk engine agrees"
    assert oms.open_qty(IID, Side.BUY) == open_qty[Side.BUY]
    assert oms.open_qty(IID, Side.SELL) == open_qty[Side.SELL]
    assert oms.open_order_count() == sum(o.is_open for o in oms.orders.values())
