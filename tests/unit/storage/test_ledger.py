"""The landed-batch ledger (`bot4_batches`) stays bounded: the writer prunes it as it sends."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from tests.support.storage import BACKENDS, open_kind

from bot4.clock import TestClock
from bot4.errors import StorageError
from bot4.model import InstrumentId, TradeTick
from bot4.resilience import CircuitBreaker, CircuitConfig
from bot4.storage import Backend, BatchWriter, PostgresBackend, SqliteBackend, StorageConfig

A = InstrumentId("BINANCE:BTCUSDT")


def trade(n: int) -> TradeTick:
    return TradeTick(
        instrument_id=A,
        price=1_000 + n,
        qty=1,
        aggressor=None,
        trade_id=str(n),
        ts_event=1_700_000_000_000_000_000 + n,
        ts_init=1_700_000_000_000_000_100 + n,
    )


def breaker(clock: TestClock) -> CircuitBreaker:
    return CircuitBreaker("db", CircuitConfig(consecutive_failures=2, open_s=0.05), clock=clock)


async def ledger(kind: str, cfg: StorageConfig) -> list[int]:
    """The batch ids the database remembers for the default writer, ascending."""
    sql = "SELECT batch_id FROM bot4_batches WHERE writer_id = 'bot4' ORDER BY batch_id"
    if kind == "postgresql":
        assert cfg.dsn is not None
        conn = await asyncpg.connect(cfg.dsn)
        try:
            return [r[0] for r in await conn.fetch(sql)]
        finally:
            await conn.close()
    with sqlite3.connect(Path(cfg.data_dir) / "market.sqlite") as db:
        return [r[0] for r in db.execute(sql)]


@pytest.mark.parametrize("kind", BACKENDS)
async def test_the_ledger_keeps_only_the_latest_ids(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock, batch_rows=1) as (be, cfg):
        assert cfg.writer_id == "bot4"
        w = BatchWriter(be, breaker(clock), clock, cfg, prune_every=5, ledger_keep=3)
        await w.start()
        for n in range(30):  # 30 one-row batches; a prune after every 5th sent
            w.put(trade(n))
        await w.flush()
        assert await ledger(kind, cfg) == [28, 29, 30]
        assert w.stats.ledger_pruned == 27 and w.stats.rows_written == 30
        assert len(await be.fetch_market("trades")) == 30, "pruning forgets ids, never rows"
        assert await be.last_batch_id("bot4") == 30
        await w.close()
        # A new writer continues after the highest id, which pruning always keeps.
        w2 = BatchWriter(be, breaker(clock), clock, cfg, prune_every=5, ledger_keep=3)
        await w2.start()
        w2.put(trade(30))
        await w2.close()
        assert await ledger(kind, cfg) == [28, 29, 30, 31]


async def test_ids_at_or_above_the_oldest_unsent_batch_are_kept(tmp_path: Path) -> None:
    """While batches wait, pruning stops `ledger_keep` ids below the oldest one waiting."""
    clock = TestClock()
    cfg = StorageConfig(data_dir=str(tmp_path), batch_rows=1)
    be = await SqliteBackend.open(cfg, clock)
    try:
        w = BatchWriter(be, breaker(clock), clock, cfg, prune_every=4, ledger_keep=0)
        await w.start()
        for n in range(10):
            w.put(trade(n))
        await w.flush()
        # Pruned after batches 4 and 8 were sent, while 5 and 9 were the oldest unsent.
        assert await ledger("sqlite", cfg) == [9, 10]
        assert w.stats.ledger_pruned == 8
        await w.close()
    finally:
        await be.close()


async def test_a_failed_prune_is_logged_and_retried_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Stubborn(SqliteBackend):
        """The real embedded backend whose first prune fails like a locked database."""

        failures = 0

        async def prune_batches(self, writer_id: str, below: int) -> int:
            if not self.failures:
                self.failures += 1
                raise StorageError("database is locked")
            return await super().prune_batches(writer_id, below)

    clock = TestClock()
    cfg = StorageConfig(data_dir=str(tmp_path), batch_rows=1)
    be = await Stubborn.open(cfg, clock)
    try:
        w = BatchWriter(be, breaker(clock), clock, cfg, prune_every=2, ledger_keep=1)
        await w.start()
        with caplog.at_level(logging.WARNING):
            for n in range(6):
                w.put(trade(n))
            await w.close()
        assert "batch ledger not pruned" in caplog.text
        assert w.stats.rows_written == 6
        assert await ledger("sqlite", cfg) == [6]
    finally:
        await be.close()


async def test_the_backends_map_a_failed_prune_to_storage_error(tmp_path: Path) -> None:
    clock = TestClock()
    cfg = StorageConfig(data_dir=str(tmp_path), batch_rows=1)
    sqlite_be = await SqliteBackend.open(cfg, clock)
    with sqlite3.connect(Path(cfg.data_dir) / "market.sqlite") as db:
        db.execute("DROP TABLE bot4_batches")
    with pytest.raises(StorageError, match="no such table"):
        await sqlite_be.prune_batches("bot4", 10)
    await sqlite_be.close()


async def test_postgres_prune_on_a_dead_connection_is_storage_error(tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind("postgresql", tmp_path, clock) as (be, _cfg):
        assert isinstance(be, PostgresBackend)
        assert await be.prune_batches("bot4", 10) == 0  # opens the market-data connection
        conn = be._md
        assert conn is not None
        conn.terminate()
        with pytest.raises(StorageError):
            await be.prune_batches("bot4", 10)
        assert be._md is None, "a dead connection is dropped; the next call opens a new one"
        assert await be.prune_batches("bot4", 10) == 0


def test_writer_refuses_nonsense_pruning_settings(tmp_path: Path) -> None:
    clock = TestClock()
    cfg = StorageConfig(data_dir=str(tmp_path))
    backend: Backend = SqliteBackend(tmp_path, clock, None)
    with pytest.raises(ValueError, match="prune_every"):
        BatchWriter(backend, breaker(clock), clock, cfg, prune_every=0)
    with pytest.raises(ValueError, match="ledger_keep"):
        BatchWriter(backend, breaker(clock), clock, cfg, ledger_keep=-1)


async def test_a_ledger_shorter_than_ledger_keep_is_left_alone(tmp_path: Path) -> None:
    clock = TestClock()
    cfg = StorageConfig(data_dir=str(tmp_path), batch_rows=1)
    be = await SqliteBackend.open(cfg, clock)
    try:
        w = BatchWriter(be, breaker(clock), clock, cfg, prune_every=2)  # keeps 10,000
        await w.start()
        for n in range(6):
            w.put(trade(n))
        await w.close()
        assert w.stats.ledger_pruned == 0
        assert await ledger("sqlite", cfg) == [1, 2, 3, 4, 5, 6]
    finally:
        await be.close()
