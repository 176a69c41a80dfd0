"""Marks of flat positions wait until something reads them; everything reads the same state."""

from __future__ import annotations

from tests.support.oms import BTC, CENT, IID, Rig, request

from bot4.model import Side


def _ref(rig: Rig) -> tuple[int, int]:
    slot = rig.risk.ledger._slots[IID]
    return slot.ref, slot.ref_ts


def test_a_flat_mark_waits_for_the_next_check_with_its_own_time() -> None:
    rig = Rig()
    before = _ref(rig)
    rig.clock.advance_ns(1_000)
    rig.oms.on_mark(IID, 990_100 * CENT)  # flat: pending
    assert _ref(rig) == before and rig.portfolio.positions[IID].mark_price != 990_100 * CENT
    rig.clock.advance_ns(5_000)
    rig.oms.submit(request("A", price=980_000 * CENT))  # the check sees the mark, timed at 1 µs
    assert _ref(rig) == (990_100 * CENT, 1_000)
    assert rig.portfolio.positions[IID].mark_price == 990_100 * CENT


def test_a_fill_marks_first_and_open_positions_mark_at_once() -> None:
    rig = Rig()
    ask = rig.books[IID].best_ask()
    assert ask is not None
    rig.oms.on_mark(IID, ask[0] + 50 * CENT)  # flat: pending
    rig.oms.submit(request("B", qty=BTC, price=ask[0]))  # fills at once at the ask
    pos = rig.portfolio.positions[IID]
    assert pos.qty == BTC and pos.mark_price == ask[0] + 50 * CENT
    equity = rig.portfolio.equity()
    rig.oms.on_mark(IID, ask[0] + 100 * CENT)  # open position: applied now
    assert rig.portfolio.equity() > equity
    equity = rig.portfolio.equity()
    rig.oms.on_mark(IID, ask[0] + 100 * CENT)  # the same mark again: nothing moves
    assert rig.portfolio.equity() == equity


def test_flush_applies_every_pending_mark() -> None:
    rig = Rig(("BTCUSDT", "ETHUSDT"))
    marks = {iid: rig.books[iid].mid() for iid in rig.books}
    for iid, mid in marks.items():
        assert mid is not None
        rig.oms.on_mark(iid, mid + CENT, 7)
    rig.oms.flush_marks()
    for iid, mid in marks.items():
        assert mid is not None
        assert rig.portfolio.positions[iid].mark_price == mid + CENT
        assert rig.risk.ledger._slots[iid].ref_ts == 7
    rig.oms.submit(request("S", side=Side.SELL, price=1_100_000 * CENT))  # nothing pending
    assert rig.oms.orders
