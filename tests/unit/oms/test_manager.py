"""The OrderManager wired to the real RiskEngine and a paper venue over real order books.

Prices are written in cents of USDT (`* CENT`), sizes in BTC: the rig's book is bid 99.90
(9_990 * CENT) / ask 100.10 (10_010 * CENT), 10 BTC at the top, 20 and 50 BTC behind.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from decimal import Decimal

import pytest
from tests.support.oms import (
    BTC,
    CENT,
    ETH,
    IID,
    INSTRUMENTS,
    Rig,
    filled,
    px,
    request,
    risk_config,
    snapshot,
)

from bot4.errors import OrderStateError, VenueError
from bot4.model import ClientOrderId, Instrument, OrderType, Side, TimeInForce
from bot4.oms import (
    ClientOrderIds,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderManager,
    OrderPendingCancel,
    OrderStatus,
    OrderSubmitted,
    TradingHalted,
)
from bot4.oms._store import order_statuses
from bot4.risk import DenyReason, InstrumentLimits, KillSwitchConfig


def unit(inst: Instrument) -> int:
    """0.1 base unit (about 10 USDT at 100.00) on the lot grid, at least one lot."""
    return max(inst.lot, 10**inst.size_precision // 10 // inst.lot * inst.lot)


def test_marketable_order_is_journaled_acked_filled_and_positioned() -> None:
    rig = Rig()
    seen: list[str] = []
    rig.oms.subscribe(lambda order, event: seen.append(type(event).__name__))
    order = rig.oms.submit(request("A", qty=15 * BTC, price=10_020 * CENT))
    # Zero latency: ack and both fills inside submit.
    assert order.status is OrderStatus.FILLED
    assert order.filled_qty == 15 * BTC
    assert order.avg_px == (10 * 10_010 + 5 * 10_020) * CENT // 15
    kinds = [type(r).__name__ for r in rig.journal.records()]
    assert kinds == ["OrderSubmitted", "OrderAccepted", "OrderFilled", "OrderFilled"]
    assert seen == kinds
    pos = rig.portfolio.position(IID)
    assert pos.qty == 15 * BTC
    assert pos.fees == order.fees > 0
    assert rig.oms.open_order_count() == 0
    assert rig.oms.counters.fills == 2
    # The risk engine saw the fills and the close.
    assert rig.risk.positions() == {IID: 15 * BTC}
    assert rig.risk.open_orders() == 0


def test_denied_order_records_the_reason_and_never_reaches_the_venue() -> None:
    rig = Rig(config=risk_config(defaults=InstrumentLimits(max_order_qty=Decimal("5"))))
    seen: list[object] = []
    rig.oms.subscribe(lambda order, event: seen.append(event))
    order = rig.oms.submit(request("A", qty=6 * BTC))
    assert [type(e).__name__ for e in seen] == ["OrderDenied"]
    assert order.status is OrderStatus.DENIED
    assert order.reason == DenyReason.MAX_ORDER_QTY.name
    (record,) = rig.journal.records()
    assert isinstance(record, OrderDenied)
    assert record.detail
    assert rig.venue.resting() == 0
    assert rig.oms.counters.denied == 1


def test_duplicate_client_order_id_raises() -> None:
    rig = Rig()
    rig.oms.submit(request("A", price=9_600 * CENT))
    with pytest.raises(OrderStateError, match="duplicate"):
        rig.oms.submit(request("A", price=9_600 * CENT))


def test_resting_order_cancel_and_open_qty_tracking() -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    assert order.status is OrderStatus.ACCEPTED
    assert rig.oms.open_order_count(IID) == 1
    assert rig.oms.open_qty(IID, Side.BUY) == 3 * BTC
    assert rig.oms.open_qty(IID, Side.SELL) == 0
    assert [o.client_order_id for o in rig.oms.open_orders(IID)] == ["A"]
    assert rig.risk.open_orders() == 1
    assert rig.oms.cancel(ClientOrderId("A"))
    assert order.status is OrderStatus.CANCELED
    assert rig.oms.open_qty(IID, Side.BUY) == 0
    assert rig.oms.open_orders() == []
    assert rig.risk.open_orders() == 0
    assert not rig.oms.cancel(ClientOrderId("A"))
    assert not rig.oms.cancel(ClientOrderId("nope"))


def test_cancel_throttled_by_the_risk_engine_is_not_sent() -> None:
    config = risk_config(defaults=InstrumentLimits(cancels_per_s=1.0, cancel_burst=1))
    rig = Rig(config=config)
    rig.oms.submit(request("A", qty=BTC, price=9_600 * CENT))
    rig.oms.submit(request("B", qty=BTC, price=9_500 * CENT))
    assert rig.oms.cancel(ClientOrderId("A"))
    assert not rig.oms.cancel(ClientOrderId("B"))
    assert rig.oms.orders[ClientOrderId("B")].status is OrderStatus.ACCEPTED


def test_replace_rules() -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    coid = ClientOrderId("A")
    seen: list[str] = []
    rig.oms.subscribe(lambda order, event: seen.append(type(event).__name__))
    assert not rig.oms.replace(coid, 4 * BTC, 9_600 * CENT), "a replace may not add quantity"
    assert not rig.oms.replace(coid, 2 * BTC, None), "a limit order keeps a price"
    assert not rig.oms.replace(ClientOrderId("B"), 2 * BTC, 9_600 * CENT)
    assert rig.oms.replace(coid, 2 * BTC, 9_700 * CENT)
    assert (order.status, order.qty, order.price) == (OrderStatus.ACCEPTED, 2 * BTC, 9_700 * CENT)
    assert rig.oms.open_qty(IID, Side.BUY) == 2 * BTC
    # Moving the price through the book fills it at the venue.
    assert rig.oms.replace(coid, 2 * BTC, 10_010 * CENT)
    assert order.status is OrderStatus.FILLED
    assert rig.oms.counters.replaces_sent == 2
    assert rig.portfolio.position_qty(IID) == 2 * BTC
    assert seen[:2] == ["OrderPendingReplace", "OrderReplaced"]


def test_refused_and_unknown_and_duplicate_events_are_counted_not_applied(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    oms = rig.oms
    ack = OrderAccepted(client_order_id=ClientOrderId("A"), venue_order_id="x", ts_event=1)
    with caplog.at_level(logging.ERROR):
        oms.on_venue_event(ack)
        oms.on_venue_event(OrderCanceled(client_order_id=ClientOrderId("zzz"), ts_event=1))
        oms.on_venue_event(filled("A", qty=BTC, fill_id="f1", price=9_600 * CENT))
        oms.on_venue_event(filled("A", qty=BTC, fill_id="f1", price=9_600 * CENT))
        oms.on_venue_event(filled("A", qty=2 * BTC + 1, fill_id="f2", price=9_600 * CENT))
    c = oms.counters
    counts = (c.invalid_events, c.unknown_order_events, c.duplicate_fills, c.overfills)
    assert counts == (1, 1, 1, 1)
    assert len(oms.errors) == 3
    assert "not allowed from ACCEPTED" in oms.errors[0]
    assert "order event refused" in caplog.text
    assert order.filled_qty == BTC
    assert rig.portfolio.position_qty(IID) == BTC
    assert rig.risk.positions() == {IID: BTC}
    assert oms.open_qty(IID, Side.BUY) == 2 * BTC
    fills = [r for r in rig.journal.records() if isinstance(r, OrderFilled)]
    assert len(fills) == 1, "only the applied fill is journaled"


def test_late_fill_after_cancel_moves_both_positions() -> None:
    rig = Rig()
    order = rig.oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    rig.oms.cancel(ClientOrderId("A"))
    assert order.status is OrderStatus.CANCELED
    rig.oms.on_venue_event(filled("A", qty=BTC // 2, fill_id="late", price=9_600 * CENT))
    assert order.status is OrderStatus.CANCELED
    assert rig.portfolio.position_qty(IID) == BTC // 2
    assert rig.risk.positions() == {IID: BTC // 2}
    assert rig.oms.open_qty(IID, Side.BUY) == 0


def test_emergency_stop_with_1000_open_orders() -> None:
    symbols = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT")
    rig = Rig(symbols, latency_us=200)  # the venue confirms cancels only after 200 µs
    oms = rig.oms
    for iid, inst in rig.instruments.items():  # 200 per instrument: the exchange's maximum
        for i in range(200):
            buy = i % 2 == 0
            price = px(inst, 9_700 - i // 8 if buy else 10_300 + i // 8)
            side = Side.BUY if buy else Side.SELL
            order = oms.submit(
                request(f"{iid}-{i}", iid=iid, side=side, qty=unit(inst), price=price)
            )
            assert order.status is OrderStatus.SUBMITTED, order.reason
    rig.clock.advance_ns(200_000)
    rig.venue.process_due()
    assert oms.open_order_count() == 1_000
    assert rig.venue.resting() == 1_000
    assert rig.risk.kill_switch.trip("operator pressed stop", source="operator", by="ops")
    # Every open order got its cancel inside trip(): same call, same event-loop turn.
    assert oms.halted
    assert oms.counters.cancels_sent == 1_000
    assert all(o.status is OrderStatus.PENDING_CANCEL for o in oms.open_orders())
    assert oms.halt("operator", "again") == 0, "no double cancels"
    late = oms.submit(request("after", qty=BTC, price=9_600 * CENT))
    assert late.status is OrderStatus.DENIED
    assert late.reason == "TRADING_HALTED"
    rig.clock.advance_ns(200_000)
    assert rig.venue.process_due() == 1_000
    assert oms.open_order_count() == 0
    assert rig.venue.resting() == 0
    assert rig.risk.open_orders() == 0
    assert order_statuses(oms.orders) == {OrderStatus.CANCELED: 1_000, OrderStatus.DENIED: 1}
    records = list(rig.journal.records())
    assert sum(isinstance(r, OrderPendingCancel) for r in records) == 1_000
    assert [r.source for r in records if isinstance(r, TradingHalted)] == ["operator", "operator"]
    # A halted OMS also refuses what the risk engine would let through.
    rig.risk.kill_switch.reset(by="ops")
    assert not oms.halted
    assert oms.submit(request("again", qty=BTC, price=9_600 * CENT)).status is OrderStatus.SUBMITTED


def test_kill_switch_flatten_orders_are_exits_and_still_go_out() -> None:
    config = risk_config(kill_switch=KillSwitchConfig(flatten=True))
    rig = Rig(config=config)
    rig.oms.submit(request("long", qty=5 * BTC, price=10_010 * CENT))
    rig.oms.submit(request("rest", qty=BTC, price=9_600 * CENT))
    assert rig.portfolio.position_qty(IID) == 5 * BTC
    rig.risk.kill_switch.trip("drawdown", source="drawdown", by="risk_engine")
    assert rig.oms.halted
    assert rig.oms.open_order_count() == 0
    # The flatten order (reduce-only market sell) passed both the OMS halt and the engine.
    assert rig.portfolio.position_qty(IID) == 0
    halted = [r for r in rig.journal.records() if isinstance(r, TradingHalted)]
    assert halted[0].source == "drawdown"


async def test_10000_orders_across_50_instruments_in_flight_on_one_loop() -> None:
    # Market orders here cross our own resting orders on purpose: no self-trade prevention.
    rig = Rig(
        tuple(i.symbol for i in list(INSTRUMENTS.values())[:50]),
        latency_us=5_000,
        config=risk_config(self_trade_prevention=False),
        max_terminal_orders=10_000,  # every order kept: the checks below look at all of them
    )
    # 5 ms of venue latency while the driver moves the clock 1 µs per loop turn: every order is
    # submitted before the first ack, so all 10,000 are in flight together.
    oms = rig.oms
    ids = ClientOrderIds("S-")
    in_flight_peak = 0

    async def strategy(inst: Instrument) -> None:
        for k in range(200):
            side = Side.BUY if k % 2 else Side.SELL
            q = unit(inst)
            # Alternate marketable IOC market orders and resting orders a later cancel removes.
            if k % 4 < 2:
                o = oms.submit(
                    request(
                        ids.next(),
                        iid=inst.id,
                        side=side,
                        qty=q,
                        price=None,
                        order_type=OrderType.MARKET,
                        tif=TimeInForce.IOC,
                    )
                )
            else:
                price = px(inst, 9_700 - k // 8 if side is Side.BUY else 10_300 + k // 8)
                o = oms.submit(request(ids.next(), iid=inst.id, side=side, qty=q, price=price))
                await asyncio.sleep(0)
                oms.cancel(o.client_order_id)
            assert o.status is not OrderStatus.DENIED, o.reason
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
            for inst in rig.instruments.values():
                tg.create_task(strategy(inst))
        stop.set()
        await driver
    assert len(oms.orders) == 10_000
    assert in_flight_peak == 10_000, "all orders were in flight together"
    assert oms.open_order_count() == 0
    assert rig.risk.open_orders() == 0
    statuses = order_statuses(oms.orders)
    assert statuses == {OrderStatus.FILLED: 5_000, OrderStatus.CANCELED: 5_000}
    assert oms.counters.fills == 5_000
    assert oms.counters.invalid_events == oms.counters.duplicate_fills == 0
    for iid in rig.instruments:
        pos = rig.portfolio.position(iid)
        fills = [o for o in oms.orders.values() if o.instrument_id == iid and o.filled_qty]
        assert pos.qty == sum(o.side.sign * o.filled_qty for o in fills) == 0
        assert pos.fill_count == 100
    assert rig.risk.positions() == {}
    assert sum(isinstance(r, OrderSubmitted) for r in rig.journal.records()) == 10_000


def test_rebuild_from_the_journal_gives_the_same_orders_and_positions() -> None:
    limits = InstrumentLimits(max_order_qty=Decimal("50"))
    rig = Rig(("BTCUSDT", "ETHUSDT"), config=risk_config(defaults=limits))
    oms = rig.oms
    eth = list(rig.instruments)[1]
    oms.submit(request("m1", qty=15 * BTC, price=10_020 * CENT))
    oms.submit(
        request(
            "m2",
            iid=eth,
            side=Side.SELL,
            qty=25 * ETH,
            price=None,
            order_type=OrderType.MARKET,
            tif=TimeInForce.IOC,
        )
    )
    oms.submit(request("d1", qty=99 * BTC))
    oms.submit(request("r1", qty=3 * BTC, price=9_600 * CENT))
    oms.submit(request("r2", qty=3 * BTC, price=9_600 * CENT))
    oms.replace(ClientOrderId("r2"), 2 * BTC, 9_610 * CENT)
    oms.submit(request("c1", qty=3 * BTC, price=9_600 * CENT))
    oms.cancel(ClientOrderId("c1"))
    oms.on_venue_event(filled("c1", qty=BTC, fill_id="late", price=9_600 * CENT))
    oms.on_venue_event(filled("r1", qty=BTC, fill_id="f", price=9_600 * CENT))
    oms.on_venue_event(filled("r1", qty=BTC, fill_id="f", price=9_600 * CENT))
    oms.submit(
        request("p1", side=Side.SELL, qty=BTC, price=9_990 * CENT, tif=TimeInForce.POST_ONLY)
    )
    oms.submit(
        request(
            "s1",
            qty=BTC,
            price=9_650 * CENT,
            order_type=OrderType.STOP_LIMIT,
            trigger_price=10_300 * CENT,
        )
    )

    rebuilt, risk = rig.fresh_rebuild()
    before, after = snapshot(oms), snapshot(rebuilt)
    for key in before:
        assert after[key] == before[key], key
    assert rebuilt.orders[ClientOrderId("p1")].status is OrderStatus.REJECTED
    assert rebuilt.counters.fills == oms.counters.fills
    # The fresh risk engine was brought in step: open orders and positions.
    assert risk.open_orders() == rig.risk.open_orders() == 3
    assert risk.positions() == rig.risk.positions()
    # A halt is journaled too, and the rebuilt OMS keeps appending to the same journal.
    oms.halt("operator", "end of test")
    rebuilt2, _ = rig.fresh_rebuild()
    assert rebuilt2.halted
    n = len(rig.journal)
    rebuilt2.resume("operator")
    assert len(rig.journal) == n + 1


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
    rig.oms.submit(request("A", qty=3 * BTC, price=9_600 * CENT))
    rig.oms.replace(ClientOrderId("A"), 2 * BTC, 9_600 * CENT)
    rig.oms.cancel(ClientOrderId("A"))
    rig.oms.halt("operator", "test")
    rig.oms.resume("operator")
    rebuilt, _ = rig.fresh_rebuild()
    assert not rebuilt.halted
    assert rebuilt.counters.cancels_sent == rebuilt.counters.replaces_sent == 1
    assert rebuilt.orders[ClientOrderId("A")].status is OrderStatus.CANCELED


def test_marks_move_equity_and_the_risk_reference() -> None:
    rig = Rig()
    rig.oms.submit(request("A", qty=10 * BTC, price=10_010 * CENT))
    equity = rig.portfolio.equity()
    rig.oms.on_mark(IID, 11_010 * CENT)
    # 10 BTC * (110.10 - 100.00 mid) USDT, in account units (8 decimals).
    assert rig.portfolio.equity() - equity == 101 * 10**8
    assert rig.risk.exposure()[0] > 0


class _FlakyVenue:
    """A venue link that can go down: while down, every request raises VenueError at once;
    while up it takes requests and answers nothing (the test sends the events)."""

    name = "flaky"

    def __init__(self) -> None:
        self.down = False

    def set_event_handler(self, handler: object) -> None:
        self.handler = handler

    def _send(self) -> None:
        if self.down:
            raise VenueError("connection down")

    def submit(self, order: object) -> None:
        self._send()

    def cancel(self, client_order_id: object, instrument_id: object) -> None:
        self._send()

    def replace(
        self, client_order_id: object, instrument_id: object, qty: int, price: object
    ) -> None:
        self._send()


def test_requests_a_venue_cannot_send_are_answered_as_refusals() -> None:
    rig = Rig()
    venue = _FlakyVenue()
    oms = OrderManager(
        clock=rig.clock, risk=rig.risk, venue=venue, journal=rig.journal, portfolio=rig.portfolio
    )
    working = oms.submit(request("A", qty=BTC, price=9_600 * CENT))
    oms.on_venue_event(
        OrderAccepted(client_order_id=ClientOrderId("A"), venue_order_id="a", ts_event=1)
    )
    venue.down = True
    order = oms.submit(request("B", qty=BTC, price=9_500 * CENT))
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "VENUE_ERROR: connection down"
    assert rig.risk.open_orders() == 1, "the engine no longer counts the rejected one"
    # The working order keeps working when its cancel or replace cannot be sent.
    assert oms.cancel(ClientOrderId("A"))
    assert working.status is OrderStatus.ACCEPTED
    assert working.reason == "VENUE_ERROR: connection down"
    assert oms.replace(ClientOrderId("A"), BTC // 2, 9_610 * CENT)
    assert (working.status, working.qty, working.price) == (OrderStatus.ACCEPTED, BTC, 9_600 * CENT)
    assert oms.open_order_count() == 1


async def test_a_trip_from_another_thread_cancels_on_the_loop_thread() -> None:
    loop = asyncio.get_running_loop()
    rig = Rig(wire_kill_switch=False)
    oms = rig.oms
    rig.risk.kill_switch.subscribe(oms.kill_switch_handler(loop.call_soon_threadsafe))
    oms.submit(request("A", qty=BTC, price=9_600 * CENT))
    cancel_threads: list[int] = []
    oms.subscribe(
        lambda order, event: (
            cancel_threads.append(threading.get_ident())
            if isinstance(event, OrderPendingCancel)
            else None
        )
    )
    # The control API trips the switch from its own thread.
    worker = threading.Thread(target=rig.risk.kill_switch.trip, args=("api",))
    worker.start()
    worker.join(timeout=10)
    assert not oms.halted, "nothing touched the OMS from the worker thread"
    assert oms.open_order_count() == 1
    done = asyncio.Event()
    loop.call_soon(done.set)  # runs after the handed-off halt (FIFO)
    async with asyncio.timeout(10):
        await done.wait()
    assert oms.halted
    assert oms.open_order_count() == 0
    assert cancel_threads == [threading.get_ident()], "the cancel went out on the loop thread"


def test_kill_switch_handler_on_the_owning_thread_acts_inside_the_trip() -> None:
    rig = Rig(wire_kill_switch=False)
    handed_off: list[object] = []
    handler = rig.oms.kill_switch_handler(lambda *a: handed_off.append(a))
    rig.oms.submit(request("A", qty=BTC, price=9_600 * CENT))
    rig.risk.kill_switch.subscribe(handler)
    rig.risk.kill_switch.trip("same thread")
    assert handed_off == []
    assert rig.oms.open_order_count() == 0
