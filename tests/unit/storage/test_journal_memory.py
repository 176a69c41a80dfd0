"""The durable journal holds only what is not yet durable; `records()` reads the rest back."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import tracemalloc
from pathlib import Path

import asyncpg
import pytest
from tests.support.storage import BACKENDS, open_kind

from bot4.clock import TestClock
from bot4.errors import StorageError
from bot4.model import ClientOrderId, InstrumentId, OrderType, Side, TimeInForce
from bot4.oms import OrderSubmitted
from bot4.storage import DurableJournal, PostgresBackend, SqliteBackend, StorageConfig
from bot4.storage._backend import JournalRow
from bot4.storage._projection import Projection

IID = InstrumentId("BINANCE:BTCUSDT")


def submitted(n: int) -> OrderSubmitted:
    return OrderSubmitted(
        client_order_id=ClientOrderId(f"order-{n}"),
        instrument_id=IID,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        qty=10 + n,
        price=100,
        strategy_id="mm",
        ts_event=1_000 + n,
    )


@pytest.mark.parametrize("kind", BACKENDS)
async def test_committed_records_leave_memory_and_read_back_in_order(
    kind: str, tmp_path: Path
) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, _):
        journal = await DurableJournal.load(backend)
        first = [submitted(n) for n in range(5)]
        for r in first:
            journal.append(r)
        await journal.commit()
        late = [submitted(n) for n in range(5, 7)]
        for r in late:
            journal.append(r)  # not committed: held in memory
        assert list(journal.records()) == first + late
        assert len(journal) == 7 and journal.committed_seq == 5
        await journal.commit()
        assert list(journal.records()) == first + late
        await backend.close()
        # After close (the end-of-run report): read back on a connection of its own.
        assert list(journal.records()) == first + late


async def test_memory_stays_flat_however_many_records_are_committed(tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind("sqlite", tmp_path, clock) as (backend, _):
        journal = await DurableJournal.load(backend)
        for n in range(3000):
            journal.append(submitted(-n))
        # The first commit sets up the lane (thread, statements) and fills CPython's tuple
        # free lists (2,000 per size): neither is the journal's memory.
        await journal.commit()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for n in range(20_000):  # made here: only the journal could keep them alive
                journal.append(submitted(n))
            await journal.commit()
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        # Keeping the records would hold ~5 MB here (20,000 * ~250 B with their strings).
        assert held < 200_000, held
        assert sum(1 for _ in journal.records()) == 23_000


async def test_records_taken_during_a_commit_have_no_gap_and_no_double(tmp_path: Path) -> None:
    class Slow(SqliteBackend):
        """The real embedded backend; a journal write waits until the test lets it go."""

        gate: asyncio.Event

        async def append_journal(self, rows: list[JournalRow], projection: Projection) -> None:
            await self.gate.wait()
            await super().append_journal(rows, projection)

    clock = TestClock()
    cfg = StorageConfig(data_dir=str(tmp_path))
    backend = await Slow.open(cfg, clock)
    backend.gate = asyncio.Event()
    try:
        journal = await DurableJournal.load(backend)
        records = [submitted(n) for n in range(6)]
        for r in records[:4]:
            journal.append(r)
        commit = asyncio.create_task(journal.commit())
        await asyncio.sleep(0.01)  # the commit of 1..4 is in flight
        for r in records[4:]:
            journal.append(r)
        assert list(journal.records()) == records  # in flight and pending, from memory
        taken = journal.records()  # iterated only after 1..4 have landed:
        backend.gate.set()
        await commit
        assert list(taken) == records  # the stored copies are not read twice
        assert list(journal.records()) == records
    finally:
        await backend.close()


def test_sqlite_read_back_errors_are_storage_errors(tmp_path: Path) -> None:
    clock = TestClock()
    missing = SqliteBackend(tmp_path / "nowhere", clock, None)
    with pytest.raises(StorageError, match="nowhere"):
        missing.read_journal_sync()
    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "journal.sqlite").close()  # a file with no journal
    empty = SqliteBackend(tmp_path / "data", clock, None)
    with pytest.raises(StorageError, match="no such table"):
        list(empty.read_journal_sync())


async def test_postgres_read_back_errors_are_storage_errors(tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind("postgresql", tmp_path, clock) as (backend, cfg):
        assert isinstance(backend, PostgresBackend) and cfg.dsn is not None
        conn = await asyncpg.connect(cfg.dsn)
        try:
            await conn.execute("ALTER TABLE journal RENAME TO journal_gone")
        finally:
            await conn.close()
        with pytest.raises(StorageError, match="journal"):
            backend.read_journal_sync()
