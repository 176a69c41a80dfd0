"""The one small interface both storage backends implement (PostgreSQL and embedded SQLite).

A backend has two independent lanes, so the journal never waits behind market data:
- market data: `write_batch` stores one batch of rows for one table, idempotently by batch id
  (the id is recorded in the same transaction as the rows, so a retry after an unknown commit
  outcome is answered "already landed" instead of writing the rows twice); the ledger of landed
  ids is pruned below the writer's oldest unsent batch (`prune_batches`), so it stays bounded;
- journal: `append_journal` durably stores journal rows (and their projections into the orders,
  fills, risk-decision and emergency-stop tables) in one transaction that has committed when it
  returns; `read_journal` (and `read_journal_sync`) gives every row back in seq order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import msgspec

from bot4.storage._projection import Projection
from bot4.storage._rows import Row

__all__ = ["Backend", "Batch", "JournalRow"]


class Batch(msgspec.Struct, frozen=True, array_like=True):
    """Rows for one market-data table, sent as a unit; `batch_id` is unique per writer."""

    batch_id: int
    table: str
    rows: list[Row]


class JournalRow(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One journal record as stored: its seq, time, kind (the record's tag) and msgpack bytes."""

    seq: int  # 1, 2, 3 ... in append order; the primary key
    ts_ns: int  # the record's ts_event (wall clock ns)
    kind: str  # the record's class name, e.g. "OrderFilled"
    payload: bytes  # bot4.oms.journal.encode_record(record)


class Backend(Protocol):
    """A place to store market data and the journal (see the module docstring for the lanes)."""

    # "postgresql" or "sqlite": for messages and metrics.
    name: str

    async def write_batch(self, writer_id: str, batch: Batch) -> bool:
        """Store the batch; False when a batch with this id had already landed (nothing written)."""
        ...

    async def last_batch_id(self, writer_id: str) -> int:
        """The highest batch id stored for this writer (0 when none)."""
        ...

    async def prune_batches(self, writer_id: str, below: int) -> int:
        """Forget this writer's landed batch ids < `below` (the ledger stays bounded); returns
        how many were forgotten. The writer never sends those ids again."""
        ...

    async def append_journal(self, rows: list[JournalRow], projection: Projection) -> None:
        """Durably store journal rows (rows already stored are skipped); committed on return."""
        ...

    async def read_journal(self) -> list[JournalRow]:
        """Every stored journal row, in seq order."""
        ...

    def read_journal_sync(self) -> Iterator[JournalRow]:
        """`read_journal` for synchronous callers (recovery, reports): from any thread, also
        after close(), on a connection of its own; blocks the caller while it reads."""
        ...

    async def fetch_market(self, table: str) -> list[Row]:
        """Every row of a market-data table by (instrument_id, seq): for checks and tools."""
        ...

    async def maintain(self, now_ns: int) -> None:
        """Housekeeping: partitions ahead of `now_ns`, retention of old market data."""
        ...

    async def save_kill_switch(self, payload: bytes, ts_ns: int) -> None:
        """Durably replace the kill switch's saved state (`KillSwitch.save()` bytes)."""
        ...

    async def load_kill_switch(self) -> tuple[bytes, int] | None:
        """The kill switch's saved state and when it was saved (ts_ns), or None."""
        ...

    async def close(self) -> None:
        """Release connections and threads; idempotent."""
        ...
