"""Durable journals: the OMS's `Journal` protocol backed by SQLite or PostgreSQL.

`append` stays in memory and O(1) (the hot path); `commit` writes everything appended so far in
one transaction (group commit: concurrent callers share one write) and returns only once it is
durable — SQLite: WAL fsync (`synchronous=FULL`); PostgreSQL: the server's COMMIT. The OMS
acknowledges nothing before the commit holding it returns. A failed commit raises StorageError
and keeps the records pending, so the next commit retries them (rows keyed by seq: no doubles).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from bot4.clock import Clock
from bot4.errors import StorageError
from bot4.oms.journal import JournalRecord, decode_record, encode_record
from bot4.storage._backend import Backend, JournalRow
from bot4.storage._projection import project
from bot4.storage.config import StorageConfig

__all__ = ["DurableJournal", "PostgresJournal", "SqliteJournal"]


class DurableJournal:
    """A journal over a `Backend`'s journal lane; build it with `await DurableJournal.load(b)`."""

    def __init__(self, backend: Backend, records: list[JournalRecord]) -> None:
        self.backend = backend
        # Every record, stored or appended, in order; seq of _records[i] is i + 1.
        self._records = records
        # (seq, record) appended and not yet committed, oldest first.
        self._pending: list[tuple[int, JournalRecord]] = []
        self.committed_seq = len(records)  # every seq <= this is durable
        self._lock = (
            asyncio.Lock()
        )  # one commit in flight; others wait and usually find theirs done
        self._owns_backend = False

    @classmethod
    async def load(cls, backend: Backend) -> DurableJournal:
        """Read every stored record back (decoded), ready to append after the last one."""
        rows = await backend.read_journal()
        for i, row in enumerate(rows, 1):
            if row.seq != i:
                raise StorageError(f"journal seq gap: expected {i}, found {row.seq}")
        return cls(backend, [decode_record(r.payload) for r in rows])

    def append(self, record: JournalRecord) -> int:
        records = self._records
        records.append(record)
        seq = len(records)
        self._pending.append((seq, record))
        return seq

    def records(self) -> Iterator[JournalRecord]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    async def commit(self) -> None:
        """Make every record appended before this call durable (raises StorageError if not)."""
        target = len(self._records)
        if self.committed_seq >= target:
            return
        async with self._lock:
            if self.committed_seq >= target:
                return  # a commit that ran while we waited took ours too
            pending = self._pending
            self._pending = []
            rows = [
                JournalRow(seq, rec.ts_event, type(rec).__name__, encode_record(rec))
                for seq, rec in pending
            ]
            try:
                await self.backend.append_journal(rows, project(pending))
            except BaseException:
                self._pending = pending + self._pending  # retried by the next commit
                raise
            self.committed_seq = pending[-1][0]

    async def close(self) -> None:
        """Commit what is pending; close the backend when this journal opened it."""
        try:
            await self.commit()
        finally:
            if self._owns_backend:
                await self.backend.close()


class SqliteJournal(DurableJournal):
    """The embedded journal: `journal.sqlite` in `config.data_dir` (WAL, synchronous=FULL)."""

    @classmethod
    async def open(cls, config: StorageConfig, clock: Clock) -> DurableJournal:
        from bot4.storage.sqlite import SqliteBackend

        backend = await SqliteBackend.open(config, clock)
        try:
            journal = await cls.load(backend)
        except BaseException:
            await backend.close()
            raise
        journal._owns_backend = True
        return journal


class PostgresJournal(DurableJournal):
    """The journal in PostgreSQL at `config.dsn` (its own connection: never behind market data)."""

    @classmethod
    async def open(cls, config: StorageConfig, clock: Clock) -> DurableJournal:
        from bot4.storage.postgres import PostgresBackend

        backend = await PostgresBackend.open(config, clock)
        try:
            journal = await cls.load(backend)
        except BaseException:
            await backend.close()
            raise
        journal._owns_backend = True
        return journal
