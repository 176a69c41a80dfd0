"""Durable journals: the OMS's `Journal` protocol backed by SQLite or PostgreSQL.

`append` stays in memory and O(1) (the hot path); `commit` writes everything appended so far in
one transaction (group commit: concurrent callers share one write) and returns only once it is
durable — SQLite: WAL fsync (`synchronous=FULL`); PostgreSQL: the server's COMMIT. The OMS
acknowledges nothing before the commit holding it returns. A failed commit raises StorageError
and keeps the records pending, so the next commit retries them (rows keyed by seq: no doubles).
Once durable a record leaves memory: `records()` reads the stored ones back from the database.
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
    """A journal over a `Backend`'s journal lane; build it with `await DurableJournal.load(b)`.

    Bounded memory: only records not yet durable are held (the pending ones and those of the
    commit in flight). `records()` reads the stored ones back from the database, so a journal
    of any length costs the process nothing once committed.
    """

    def __init__(self, backend: Backend, committed_seq: int = 0) -> None:
        self.backend = backend
        self._seq = committed_seq  # the last seq assigned (stored or appended)
        # (seq, record) appended and not yet committed, oldest first.
        self._pending: list[tuple[int, JournalRecord]] = []
        # (seq, record) of the commit in flight (older than every pending one).
        self._inflight: list[tuple[int, JournalRecord]] = []
        self.committed_seq = committed_seq  # every seq <= this is durable
        self._lock = (
            asyncio.Lock()
        )  # one commit in flight; others wait and usually find theirs done
        self._owns_backend = False

    @classmethod
    async def load(cls, backend: Backend) -> DurableJournal:
        """Check the stored records (no seq gap, each decodes), ready to append after them."""
        rows = await backend.read_journal()
        for i, row in enumerate(rows, 1):
            if row.seq != i:
                raise StorageError(f"journal seq gap: expected {i}, found {row.seq}")
            decode_record(row.payload)  # a corrupt record fails the open, not a later replay
        return cls(backend, len(rows))

    def append(self, record: JournalRecord) -> int:
        self._seq = seq = self._seq + 1
        self._pending.append((seq, record))
        return seq

    def records(self) -> Iterator[JournalRecord]:
        """Every record in seq order: the stored ones read back from the database (blocking
        while it reads: for recovery and reports), then the ones not yet durable."""
        held = self._inflight + self._pending  # taken now: later appends are not included
        first_held = held[0][0] if held else self._seq + 1
        return self._records(first_held, [rec for _, rec in held])

    def _records(self, first_held: int, held: list[JournalRecord]) -> Iterator[JournalRecord]:
        for row in self.backend.read_journal_sync():
            if row.seq >= first_held:  # landed while we read: held in memory too
                break
            yield decode_record(row.payload)
        yield from held

    def __len__(self) -> int:
        return self._seq

    async def commit(self) -> None:
        """Make every record appended before this call durable (raises StorageError if not)."""
        target = self._seq
        if self.committed_seq >= target:
            return
        async with self._lock:
            if self.committed_seq >= target:
                return  # a commit that ran while we waited took ours too
            pending = self._inflight = self._pending
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
            finally:
                self._inflight = []
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
