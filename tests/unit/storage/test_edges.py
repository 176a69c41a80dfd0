"""Edges of each backend: partitions and retention, failures mid-write, spill file, journal."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from tests.support.storage import BACKENDS, fresh_database, open_kind

from bot4.clock import TestClock
from bot4.errors import StorageDataError, StorageError
from bot4.oms import TradingHalted
from bot4.storage import (
    Batch,
    DurableJournal,
    JournalRow,
    PostgresBackend,
    PostgresJournal,
    SqliteBackend,
    SqliteJournal,
    Storage,
    StorageConfig,
)
from bot4.storage._projection import Projection
from bot4.storage._spill import SpillFile

DAY = 86_400 * 10**9
NOW = 1_700_000_000 * 10**9


def row(seq: int, ts: int) -> tuple[object, ...]:
    return ("X:Y", seq, ts, ts, 1, 1, None, str(seq))


@pytest.mark.parametrize("kind", BACKENDS)
async def test_retention_drops_old_market_data(kind: str, tmp_path: Path) -> None:
    clock = TestClock(wall_offset_ns=NOW)
    async with open_kind(kind, tmp_path, clock, retention_s=2 * 86_400) as (backend, _):
        old, recent = NOW - 10 * DAY, NOW - DAY // 2
        assert await backend.write_batch("w", Batch(1, "trades", [row(1, old), row(2, recent)]))
        await backend.maintain(NOW)
        assert [r[1] for r in await backend.fetch_market("trades")] == [2]


async def test_partitions_created_ahead_and_on_demand(tmp_path: Path) -> None:
    clock = TestClock(wall_offset_ns=NOW)
    async with fresh_database() as dsn:
        cfg = StorageConfig(dsn=dsn, data_dir=str(tmp_path), partitions_ahead=2)
        backend = await PostgresBackend.open(cfg, clock)
        try:
            conn = await asyncpg.connect(dsn)
            names = {
                r[0]
                for r in await conn.fetch(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'trades'"
                )
            }
            bucket = NOW // DAY
            assert {f"trades_p{b}" for b in range(bucket, bucket + 3)} <= names
            # A replay of old data: its partition is made before the COPY.
            assert await backend.write_batch("w", Batch(1, "trades", [row(1, 5 * DAY + 7)]))
            assert await conn.fetchval("SELECT count(*) FROM trades_p5") == 1
            await conn.close()
            # Reopening applies no migration twice and learns the partitions that exist.
            again = await PostgresBackend.open(cfg, clock)
            assert await again.last_batch_id("w") == 1
            await again.close()
        finally:
            await backend.close()


async def test_postgres_failures_drop_the_connection_and_recover(tmp_path: Path) -> None:
    clock = TestClock()
    async with fresh_database() as dsn:
        cfg = StorageConfig(dsn=dsn, data_dir=str(tmp_path))
        backend = await PostgresBackend.open(cfg, clock)
        journal = await DurableJournal.load(backend)
        try:
            admin = await asyncpg.connect(dsn)
            assert await backend.write_batch("w", Batch(1, "trades", [row(1, NOW)]))

            async def kill_others() -> None:
                await admin.execute(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

            await kill_others()
            with pytest.raises(StorageError, match=r"PostgreSQL at 127\.0\.0\.1"):
                await backend.write_batch("w", Batch(2, "trades", [row(2, NOW)]))
            assert await backend.write_batch("w", Batch(2, "trades", [row(2, NOW)]))

            journal.append(TradingHalted(source="t", reason="r", ts_event=1))
            await kill_others()
            with pytest.raises(StorageError):
                await journal.commit()
            assert journal.committed_seq == 0
            await journal.commit()  # reconnects; the pending record is kept and written
            assert journal.committed_seq == 1
            for call in (
                backend.read_journal,
                lambda: backend.last_batch_id("w"),
                lambda: backend.save_kill_switch(b"x", 1),
            ):
                await call()  # connected and well...
                await kill_others()
                with pytest.raises(StorageError):  # ...until the server drops the connection
                    await call()
            assert len(await backend.read_journal()) == 1
            await admin.close()
        finally:
            await backend.close()
            await backend.close()  # idempotent


async def test_cancelled_write_drops_the_connection(tmp_path: Path) -> None:
    clock = TestClock()
    async with fresh_database() as dsn:
        backend = await PostgresBackend.open(StorageConfig(dsn=dsn, data_dir=str(tmp_path)), clock)
        try:
            rows = [row(i, NOW) for i in range(50_000)]
            task = asyncio.create_task(backend.write_batch("w", Batch(1, "trades", rows)))
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            journal = await DurableJournal.load(backend)
            journal.append(TradingHalted(source="t", reason="r", ts_event=1))
            commit = asyncio.create_task(journal.commit())
            await asyncio.sleep(0)
            commit.cancel()
            with pytest.raises(asyncio.CancelledError):
                await commit
            await journal.commit()
            assert journal.committed_seq == 1
            assert await backend.write_batch("w", Batch(1, "trades", rows[:1]))
        finally:
            await backend.close()


async def test_sqlite_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="embedded storage in"):
        await SqliteBackend.open(StorageConfig(data_dir=str(blocker)), TestClock())
    backend = await SqliteBackend.open(StorageConfig(data_dir=str(tmp_path / "d")), TestClock())
    with pytest.raises(StorageDataError, match="refused batch 1 of nope"):
        await backend.write_batch("w", Batch(1, "nope", [row(1, 1)]))
    with pytest.raises(sqlite3.ProgrammingError, match="bindings"):
        await backend.append_journal(
            [JournalRow(1, 1, "TradingHalted", b"x")], Projection(orders=[("too", "short")])
        )
    assert await backend.read_journal() == []  # rolled back as a whole
    await backend.close()
    await backend.close()
    with pytest.raises(StorageError, match="after close"):
        backend._journal.conn()


@pytest.mark.parametrize("kind", BACKENDS)
async def test_journal_open_close_and_gaps(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock) as (backend, cfg):
        opener = PostgresJournal if kind == "postgresql" else SqliteJournal
        journal = await opener.open(cfg, clock)
        journal.append(TradingHalted(source="a", reason="b", ts_event=1))
        journal.append(TradingHalted(source="a", reason="c", ts_event=2))
        # Two commits at once share one write.
        await asyncio.gather(journal.commit(), journal.commit())
        await journal.close()
        await backend.append_journal([JournalRow(5, 1, "TradingHalted", b"\x80")], Projection())
        with pytest.raises(StorageError, match="journal seq gap"):
            await DurableJournal.load(backend)
        with pytest.raises(StorageError, match="journal seq gap"):
            await opener.open(cfg, clock)
        with pytest.raises(StorageError, match="journal seq gap"):
            await Storage.open(cfg, clock)


def test_spill_file(tmp_path: Path) -> None:
    spill = SpillFile(tmp_path / "s.bin")
    assert spill.peek() is None
    with pytest.raises(StorageError, match="empty spill"):
        spill.pop()
    spill.append(Batch(3, "trades", [row(1, 1)]))
    spill.append(Batch(4, "trades", [row(2, 1)]))
    spill.close()
    again = SpillFile(tmp_path / "s.bin")
    assert (again.pending, again.pending_rows, again.max_batch_id) == (2, 2, 4)
    assert [b.batch_id for b in again.drain()] == [3, 4]
    again.rewrite([Batch(9, "trades", [row(3, 1)])])
    assert again.peek() == Batch(9, "trades", [row(3, 1)])
    again.close()
