"""The OrderManager wired to a real paper venue over real order books."""

from __future__ import annotations

import asyncio
import logging

import pytest
from oms_helpers import IID, QtyLimitRisk, Rig, filled, request

from bot4.errors import OrderStateError
from bot4.model import ClientOrderId, OrderType, Side, TimeInForce
from bot4.oms import (
    ClientOrderIds,
    InMemoryJournal,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderManager,
    OrderPendingCancel,
    OrderStatus,
    OrderSubmitted,
    Portfolio,
    TradingHalted,
    rebuild,
)
from bot4.oms._manager import order_statuses


def test_marketable_order_is_journaled_acked_filled_and_positioned() -> None:
    rig = Rig()
    seen: list[str] = []
    rig.oms.subscribe(lambda order, event: seen.append(type(event).__name__))
    order = rig.oms.submit(request("A", qty=1_500, price=10_020))
    # Zero latency: ack and both fills inside submit.
    assert order.status is OrderStatus.FILLED
    assert order.filled_qty == 1_500
    assert order.avg_px == (1_000 * 10_010 + 500 * 10_020) // 1_500
    kinds = [type(r).__name__ for r in rig.journal.records()]
    assert kinds == ["OrderSubmitted", "OrderAccepted", "OrderFilled", "OrderFilled"]
    assert seen == kinds
    pos = rig.portfolio.position(IID)
    assert pos.qty == 1_500
    assert pos.fees == order.fees > 0
    assert rig.oms.open_order_count() == 0
    assert rig.oms.counters.fills == 2
    assert rig.risk.seen[0].client_order_id == "A"


def test_denied_order_records_the_reason_and_never_reaches_the_venue() -> None:
    rig = Rig(risk=QtyLimitRisk(max_qty=10))
    order = rig.oms.submit(request("A", qty=11))
    assert order.status is OrderStatus.DENIED
    assert order.reason == "MAX_QTY"
    (record,) = rig.journal.records()
    assert isinstance(record, OrderDenied)
    assert record.detail == "11 > 10"
    assert rig.venue.resting() == 0
    assert rig.oms.counters.denied == 1


def test_duplicate_client_order_id_raises() -> None:
    rig = Rig()
    rig.oms.submit(request("A"))
    with pytest.raises(OrderStateError, match="duplicate"):
        rig.oms.submit(request("A"))


def test_resting_order_cancel_and_open_qty_tracking() -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=300, price=9_000))
    assert order.status is OrderStatus.ACCEPTED
    assert rig.oms.open_order_count(IID) == 1
    assert rig.oms.open_qty(IID, Side.BUY) == 300
    assert rig.oms.open_qty(IID, Side.SELL) == 0
    assert [o.client_order_id for o in rig.oms.open_orders(IID)] == ["A"]
    assert rig.oms.cancel(ClientOrderId("A"))
    assert order.status is OrderStatus.CANCELED
    assert rig.oms.open_qty(IID, Side.BUY) == 0
    assert rig.oms.open_orders() == []
    assert not rig.oms.cancel(ClientOrderId("A"))
    assert not rig.oms.cancel(ClientOrderId("nope"))


def test_replace_rules() -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=300, price=9_000))
    coid = ClientOrderId("A")
    assert not rig.oms.replace(coid, 400, 9_000), "a replace may not add quantity"
    assert not rig.oms.replace(coid, 200, None), "a limit order keeps a price"
    assert not rig.oms.replace(ClientOrderId("B"), 200, 9_000)
    assert rig.oms.replace(coid, 200, 9_100)
    assert (order.status, order.qty, order.price) == (OrderStatus.ACCEPTED, 200, 9_100)
    assert rig.oms.open_qty(IID, Side.BUY) == 200
    # Moving the price through the book fills it at the venue.
    assert rig.oms.replace(coid, 200, 10_010)
    assert order.status is OrderStatus.FILLED
    assert rig.oms.counters.replaces_sent == 2
    assert rig.portfolio.position_qty(IID) == 200


def test_refused_and_unknown_and_duplicate_events_are_counted_not_applied(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=300, price=9_000))
    oms = rig.oms
    with caplog.at_level(logging.ERROR):
        oms.on_venue_event(
            OrderAccepted(client_order_id=ClientOrderId("A"), venue_order_id="x", ts_event=1)
        )
        oms.on_venue_event(OrderCanceled(client_order_id=ClientOrderId("zzz"), ts_event=1))
        oms.on_venue_event(filled("A", qty=100, fill_id="f1", price=9_000))
        oms.on_venue_event(filled("A", qty=100, fill_id="f1", price=9_000))
        oms.on_venue_event(filled("A", qty=201, fill_id="f2", price=9_000))
    c = oms.counters
    assert (c.invalid_events, c.unknown_order_events, c.duplicate_fills, c.overfills) == (
        1,
        1,
        1,
        1,
    )
    assert len(oms.errors) == 3
    assert "not allowed from ACCEPTED" in oms.errors[0]
    assert "order event refused" in caplog.text
    assert order.filled_qty == 100
    assert rig.portfolio.position_qty(IID) == 100
    assert oms.open_qty(IID, Side.BUY) == 200
    fills = [r for r in rig.journal.records() if isinstance(r, OrderFilled)]
    assert len(fills) == 1, "only the applied fill is journaled"


def test_late_fill_after_cancel_moves_the_position() -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=300, price=9_000))
    rig.oms.cancel(ClientOrderId("A"))
    assert order.status is OrderStatus.CANCELED
    rig.oms.on_venue_event(filled("A", qty=50, fill_id="late", price=9_000))
    assert order.status is OrderStatus.CANCELED
    assert rig.portfolio.position_qty(IID) == 50
    assert rig.oms.open_qty(IID, Side.BUY) == 0


def test_emergency_stop_with_1000_open_orders() -> None:
    rig = Rig(latency_us=200)  # the venue confirms cancels only after 200 µs
    oms = rig.oms
    for i in range(1_000):
        side = Side.BUY if i % 2 else Side.SELL
        oms.submit(request(f"O{i}", side=side, qty=10, price=9_000 if side is Side.BUY else 11_000))
    rig.clock.advance_ns(200_000)
    rig.venue.process_due()
    assert oms.open_order_count() == 1_000
    assert rig.venue.resting() == 1_000
    sent = oms.halt("operator", "test")
    # Every open order got its cancel in the same call.
    assert sent == 1_000
    assert all(o.status is OrderStatus.PENDING_CANCEL for o in oms.open_orders())
    assert oms.halt("operator", "again") == 0, "no double cancels"
    late = oms.submit(request("after", qty=1, price=9_000))
    assert late.status is OrderStatus.DENIED
    assert late.reason == "TRADING_HALTED"
    rig.clock.advance_ns(200_000)
    assert rig.venue.process_due() == 1_000
    assert oms.open_order_count() == 0
    assert rig.venue.resting() == 0
    assert order_statuses(oms) == {OrderStatus.CANCELED: 1_000, OrderStatus.DENIED: 1}
    records = list(rig.journal.records())
    assert sum(isinstance(r, OrderPendingCancel) for r in records) == 1_000
    assert sum(isinstance(r, TradingHalted) for r in records) == 2
    oms.resume("operator")
    assert oms.submit(request("again", qty=1, price=9_000)).status is OrderStatus.SUBMITTED


def test_kill_switch_subscriber_halts_and_reduce_only_exits_still_go() -> None:
    rig = Rig()
    rig.oms.submit(request("A", qty=10, price=9_000))

    class Trip:
        source = "drawdown"
        reason = "limit"

    rig.oms.on_kill_switch(Trip())
    assert rig.oms.halted
    assert rig.oms.open_order_count() == 0
    halted = [r for r in rig.journal.records() if isinstance(r, TradingHalted)]
    assert halted[0].source == "drawdown"


async def test_10000_orders_across_50_instruments_in_flight_on_one_loop() -> None:
    symbols = tuple(f"C{i:02d}USDT" for i in range(50))
    # 5 ms of venue latency while the driver moves the clock 1 µs per loop turn: every order is
    # submitted before the first ack, so all 10,000 are in flight together.
    rig = Rig(symbols, latency_us=5_000)
    oms = rig.oms
    ids = ClientOrderIds("S-")
    in_flight_peak = 0

    async def strategy(symbol_index: int) -> None:
        iid = list(rig.instruments)[symbol_index]
        for k in range(200):
            side = Side.BUY if k % 2 else Side.SELL
            # Alternate marketable IOC orders and resting orders that a later cancel removes.
            if k % 4 < 2:
                oms.submit(
                    request(
                        ids.next(),
                        iid=iid,
                        side=side,
                        qty=7,
                        price=None,
                        order_type=OrderType.MARKET,
                        tif=TimeInForce.IOC,
                    )
                )
            else:
                o = oms.submit(
                    request(
                        ids.next(),
                        iid=iid,
                        side=side,
                        qty=5,
                        price=9_000 if side is Side.BUY else 11_000,
                    )
                )
                await asyncio.sleep(0)
                oms.cancel(o.client_order_id)
            await asyncio.sleep(0)

    async def venue_driver(stop: asyncio.Event) -> None:
        nonlocal in_flight_peak
        while not stop.is_set() or rig.venue.next_due_ns() is not None:
            in_flight_peak = max(in_flight_peak, oms.open_order_count())
            rig.clock.advance_ns(1_000)
            rig.venue.process_due()
            await asyncio.sleep(0)

    stop = asyncio.Event()
    async with asyncio.timeout(60):
        driver = asyncio.create_task(venue_driver(stop))
        async with asyncio.TaskGroup() as tg:
            for i in range(50):
                tg.create_task(strategy(i))
        stop.set()
        await driver
    assert len(oms.orders) == 10_000
    assert in_flight_peak == 10_000, "all orders were in flight together"
    assert oms.open_order_count() == 0
    statuses = order_statuses(oms)
    assert statuses == {OrderStatus.FILLED: 5_000, OrderStatus.CANCELED: 5_000}
    assert oms.counters.fills == 5_000
    assert oms.counters.invalid_events == oms.counters.duplicate_fills == 0
    for iid in rig.instruments:
        pos = rig.portfolio.position(iid)
        fills = [o for o in oms.orders.values() if o.instrument_id == iid and o.filled_qty]
        assert pos.qty == sum(o.side.sign * o.filled_qty for o in fills) == 0
        assert pos.fill_count == 100
    assert sum(isinstance(r, OrderSubmitted) for r in rig.journal.records()) == 10_000


def _snapshot(oms: OrderManager) -> tuple[object, object, object]:
    orders = {
        coid: {name: getattr(o, name) for name in type(o).__slots__}
        for coid, o in oms.orders.items()
    }
    positions = {
        iid: {name: getattr(p, name) for name in type(p).__slots__ if name != "mark_price"}
        for iid, p in oms.portfolio.positions.items()
    }
    pf = oms.portfolio
    account = (
        pf.realized_pnl(),
        pf.fees(),
        oms.halted,
        oms.counters,
        {k: oms.open_qty(*k) for k in oms._open_qty},
        oms.open_order_count(),
    )
    return orders, positions, account


def test_rebuild_from_the_journal_gives_the_same_orders_and_positions() -> None:
    rig = Rig(("BTCUSDT", "ETHUSDT"), risk=QtyLimitRisk(max_qty=5_000))
    oms = rig.oms
    eth = list(rig.instruments)[1]
    oms.submit(request("m1", qty=1_500, price=10_020))
    oms.submit(
        request(
            "m2",
            iid=eth,
            side=Side.SELL,
            qty=2_500,
            price=None,
            order_type=OrderType.MARKET,
            tif=TimeInForce.IOC,
        )
    )
    oms.submit(request("d1", qty=9_999))
    oms.submit(request("r1", qty=300, price=9_000))
    oms.submit(request("r2", qty=300, price=9_000))
    oms.replace(ClientOrderId("r2"), 200, 9_100)
    oms.submit(request("c1", qty=300, price=9_000))
    oms.cancel(ClientOrderId("c1"))
    oms.on_venue_event(filled("c1", qty=10, fill_id="late", price=9_000))
    oms.on_venue_event(filled("r1", qty=10, fill_id="f", price=9_000))
    oms.on_venue_event(filled("r1", qty=10, fill_id="f", price=9_000))
    oms.submit(request("p1", side=Side.SELL, qty=100, price=9_000, tif=TimeInForce.POST_ONLY))
    oms.halt("operator", "end of test")
    rig.portfolio.set_mark(IID, 10_500)

    fresh = Portfolio(rig.instruments, clock=rig.clock, starting_equity=10**12)
    rebuilt = rebuild(rig.journal, clock=rig.clock, risk=rig.risk, venue=rig.venue, portfolio=fresh)
    before, after = _snapshot(oms), _snapshot(rebuilt)
    assert after[0] == before[0]
    assert after[1] == before[1]
    # duplicate fills were never journaled, so the rebuilt counter cannot know them
    before_acc = before[2]
    assert after[2][:3] == before_acc[:3]  # type: ignore[index]
    assert after[2][4:] == before_acc[4:]  # type: ignore[index]
    assert rebuilt.orders[ClientOrderId("p1")].status is OrderStatus.REJECTED
    assert rebuilt.halted
    fresh.set_mark(IID, 10_500)
    assert fresh.equity() == rig.portfolio.equity()
    # The rebuilt OMS appends to the same journal and is wired to the venue.
    n = len(rig.journal)  # type: ignore[arg-type]
    rebuilt.resume("operator")
    assert len(rig.journal) == n + 1  # type: ignore[arg-type]


def test_client_order_ids_are_unique_and_observe_replayed_ids() -> None:
    ids = ClientOrderIds("X-")
    assert [ids.next(), ids.next()] == ["X-1", "X-2"]
    ids.observe("X-41")
    ids.observe("Y-99")
    ids.observe("X-abc")
    ids.observe("X-3")
    assert ids.next() == "X-42"


def test_replay_counts_pending_requests() -> None:
    rig = Rig()
    rig.oms.submit(request("A", qty=300, price=9_000))
    rig.oms.replace(ClientOrderId("A"), 200, 9_000)
    rig.oms.cancel(ClientOrderId("A"))
    journal = InMemoryJournal()
    for r in rig.journal.records():
        journal.append(r)
    fresh = Portfolio(rig.instruments, clock=rig.clock)
    rebuilt = rebuild(journal, clock=rig.clock, risk=rig.risk, venue=rig.venue, portfolio=fresh)
    assert rebuilt.counters.cancels_sent == rebuilt.counters.replaces_sent == 1
    assert rebuilt.orders[ClientOrderId("A")].status is OrderStatus.CANCELED
