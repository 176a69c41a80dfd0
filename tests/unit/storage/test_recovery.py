"""Recovery over both backends: orders and positions rebuilt, the kill switch restored."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.storage import BACKENDS, open_kind

from bot4.clock import TestClock
from bot4.marketdata import OrderBook
from bot4.model import (
    ClientOrderId,
    InstrumentId,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
    bundled_instruments,
)
from bot4.oms import OrderManager, Portfolio, TradingHalted, TradingResumed
from bot4.risk import RiskConfig, RiskEngine
from bot4.risk.kill_switch import KillSwitch
from bot4.storage import (
    DurableJournal,
    fills,
    persist_kill_switch,
    rebuild_orders,
    restore_kill_switch,
)
from bot4.venues import PaperVenue, PaperVenueConfig

IID = InstrumentId("BINANCE:BTCUSDT")


def _wire(clock: TestClock, journal: DurableJournal) -> tuple[OrderManager, PaperVenue, RiskEngine]:
    instruments = {IID: bundled_instruments()[IID]}
    inst = instruments[IID]
    book = OrderBook(inst)
    one = 10**inst.size_precision
    book.apply(Side.BUY, inst.price("99.9"), 10 * one)
    book.apply(Side.SELL, inst.price("100.1"), 10 * one)
    book.synced = True
    venue = PaperVenue(clock, PaperVenueConfig(), {IID: book})
    risk = RiskEngine(instruments, RiskConfig(duplicate_window_ms=0), clock)
    risk.on_price(IID, book.mid() or 0)
    portfolio = Portfolio(instruments, clock=clock, starting_equity=10**14)
    oms = OrderManager(clock=clock, risk=risk, venue=venue, journal=journal, portfolio=portfolio)
    oms.on_mark(IID, book.mid() or 0)
    return oms, venue, risk


@pytest.mark.parametrize("kind", BACKENDS)
async def test_orders_and_positions_rebuilt(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, _):
        journal = await DurableJournal.load(backend)
        oms, _, _ = _wire(clock, journal)
        inst = bundled_instruments()[IID]
        for n, (side, price) in enumerate([(Side.BUY, "100.2"), (Side.SELL, "120")]):
            oms.submit(
                OrderRequest(
                    client_order_id=ClientOrderId(f"c{n}"),
                    instrument_id=IID,
                    side=side,
                    order_type=OrderType.LIMIT,
                    qty=inst.qty("0.2"),
                    price=inst.price(price),
                    time_in_force=TimeInForce.GTC,
                    ts_init=0,
                )
            )
        await journal.commit()
        assert fills(journal.records())  # the marketable buy filled
        before = {c: (o.status, o.filled_qty) for c, o in oms.orders.items()}
        position = oms.portfolio.position(IID).qty

        again = await DurableJournal.load(backend)
        assert list(again.records()) == list(journal.records())
        clock2 = TestClock()
        _, venue, risk = _wire(clock2, again)
        instruments = {IID: inst}
        rebuilt = rebuild_orders(
            again,
            clock=clock2,
            risk=risk,
            venue=venue,
            portfolio=Portfolio(instruments, clock=clock2, starting_equity=10**14),
        )
        assert {c: (o.status, o.filled_qty) for c, o in rebuilt.orders.items()} == before
        assert rebuilt.portfolio.position(IID).qty == position != 0


@pytest.mark.parametrize("kind", BACKENDS)
async def test_kill_switch_saved_and_restored(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, _):
        ks = KillSwitch(clock)
        saver = persist_kill_switch(ks, backend, clock)
        ks.trip("drawdown", source="risk", by="engine")
        await saver.wait()
        saved = await backend.load_kill_switch()
        assert saved is not None and saved[1] == clock.time_ns()
        saver.unsubscribe()

        fresh = KillSwitch(clock)
        assert await restore_kill_switch(fresh, backend, []) is True
        assert fresh.triggers[0].reason == "drawdown"

        # A reset journaled after the save re-arms it; a halt journaled later trips it again.
        clock.advance(1)
        resumed = TradingResumed(source="operator", ts_event=clock.time_ns())
        other = KillSwitch(clock)
        assert await restore_kill_switch(other, backend, [resumed]) is False
        clock.advance(1)
        halted = TradingHalted(source="op", reason="again", ts_event=clock.time_ns())
        third = KillSwitch(clock)
        assert await restore_kill_switch(third, backend, [resumed, halted]) is True
        assert third.triggers[0].reason == "drawdown"  # still the saved trip


async def test_kill_switch_save_failure_is_counted(tmp_path: Path) -> None:
    # Embedded only: a closed PostgreSQL backend reconnects on the next call.
    clock = TestClock()
    async with open_kind("sqlite", tmp_path, clock) as (backend, _):
        ks = KillSwitch(clock)
        saver = persist_kill_switch(ks, backend, clock)
        await backend.close()  # the database went away
        ks.trip("x")
        await saver.wait()
        assert saver.failures == 1


@pytest.mark.parametrize("kind", BACKENDS)
async def test_kill_switch_from_journal_alone(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, _):
        ks = KillSwitch(clock)
        assert await restore_kill_switch(ks, backend, []) is False
        halted = TradingHalted(source="op", reason="crash before save", ts_event=5)
        assert await restore_kill_switch(ks, backend, [halted]) is True
