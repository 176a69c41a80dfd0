"""The same suite over both backends: migrations, idempotent batches, journal, kill switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.storage import BACKENDS, open_kind

from bot4.clock import TestClock
from bot4.model import ClientOrderId, InstrumentId, OrderType, Side, TimeInForce
from bot4.oms import (
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderSubmitted,
    TradingHalted,
    TradingResumed,
)
from bot4.storage import Batch, DurableJournal
from bot4.storage._projection import project

pytestmark = pytest.mark.parametrize("kind", BACKENDS)

IID = InstrumentId("BINANCE:BTCUSDT")


def trade_row(seq: int, ts: int = 1_700_000_000_000_000_000) -> tuple[object, ...]:
    return ("BINANCE:BTCUSDT", seq, ts, ts + 1, 100 + seq, 5, 1, f"t{seq}")


def submitted(n: int) -> OrderSubmitted:
    return OrderSubmitted(
        client_order_id=ClientOrderId(f"o{n}"),
        instrument_id=IID,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        qty=10,
        price=100,
        ts_event=1_000 + n,
    )


def filled(n: int) -> OrderFilled:
    return OrderFilled(
        client_order_id=ClientOrderId(f"o{n}"),
        instrument_id=IID,
        venue_order_id=f"v{n}",
        fill_id=f"f{n}",
        side=Side.BUY,
        last_qty=10,
        last_price=100,
        fee=3,
        liquidity=LiquiditySide.MAKER,
        ts_event=2_000 + n,
    )


async def test_batches_are_idempotent(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, _):
        assert await backend.last_batch_id("w") == 0
        batch = Batch(7, "trades", [trade_row(1), trade_row(2)])
        assert await backend.write_batch("w", batch) is True
        # The same id again (a retry after an unknown outcome): nothing written twice.
        assert await backend.write_batch("w", batch) is False
        assert await backend.write_batch("other", Batch(7, "trades", [trade_row(3)])) is True
        rows = await backend.fetch_market("trades")
        assert [r[1] for r in rows] == [1, 2, 3]
        assert rows[0] == trade_row(1)
        assert await backend.last_batch_id("w") == 7


async def test_journal_round_trip_and_projection(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, _):
        journal = await DurableJournal.load(backend)
        canceled = OrderCanceled(client_order_id=ClientOrderId("o1"), ts_event=10)
        records = [
            submitted(1),
            OrderAccepted(client_order_id=ClientOrderId("o1"), venue_order_id="v1", ts_event=5),
            filled(1),
            TradingHalted(source="op", reason="test", ts_event=9),
            canceled,
            TradingResumed(source="op", ts_event=11),
        ]
        seqs = [journal.append(r) for r in records]
        assert seqs == [1, 2, 3, 4, 5, 6]
        await journal.commit()
        assert journal.committed_seq == 6
        await journal.commit()  # nothing pending: returns at once
        again = await DurableJournal.load(backend)
        assert list(again.records()) == records
        assert len(again) == 6
        # A retried commit of rows already stored adds nothing.
        pending = list(enumerate(records, 1))
        from bot4.oms.journal import encode_record
        from bot4.storage._backend import JournalRow

        rows = [JournalRow(s, r.ts_event, type(r).__name__, encode_record(r)) for s, r in pending]
        await backend.append_journal(rows, project(pending))
        assert len(await backend.read_journal()) == 6


async def test_kill_switch_state_saved(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, _):
        assert await backend.load_kill_switch() is None
        await backend.save_kill_switch(b"one", 5)
        await backend.save_kill_switch(b"two", 6)
        assert await backend.load_kill_switch() == (b"two", 6)


async def test_storage_opens_all_three_and_closes(kind: str, tmp_path: Path) -> None:
    from tests.support.storage import fresh_database

    from bot4.model import TradeTick
    from bot4.storage import Storage, StorageConfig

    clock = TestClock()

    async def scenario(cfg: StorageConfig) -> None:
        storage = await Storage.open(cfg, clock)
        assert storage.backend.name == kind
        storage.journal.append(filled(1))
        storage.writer.put(
            TradeTick(
                instrument_id=IID,
                price=1,
                qty=1,
                aggressor=None,
                trade_id="t",
                ts_event=1,
                ts_init=1,
            )
        )
        await storage.close()
        await storage.close()
        again = await Storage.open(cfg, clock)
        assert list(again.journal.records()) == [filled(1)]
        assert len(await again.backend.fetch_market("trades")) == 1
        await again.close()

    if kind == "postgresql":
        async with fresh_database() as dsn:
            await scenario(StorageConfig(dsn=dsn, data_dir=str(tmp_path)))
    else:
        await scenario(StorageConfig(data_dir=str(tmp_path)))
