"""The embedded default: SQLite files, so Bot4 runs with no database server.

Two files, one per lane, each owned by one worker thread (all blocking SQLite calls run there,
never on the event loop), so a journal commit never waits for SQLite's single write lock behind
a market-data batch:
- `journal.sqlite`: WAL mode with `synchronous=FULL`, so a commit is on disk (fsync) when
  `append_journal` returns;
- `market.sqlite`: WAL with `synchronous=NORMAL` (durable across a process crash, which is what
  the writer's exactly-once needs; an OS crash may lose the last batches together with their ids).

Market data goes to SQLite rather than DuckDB by measurement: see README "Storage".
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot4.clock import Clock
from bot4.errors import StorageDataError, StorageError
from bot4.storage._backend import Batch, JournalRow
from bot4.storage._migrate import migrate_sqlite
from bot4.storage._projection import Projection
from bot4.storage._rows import MARKET_TABLES, Row
from bot4.storage.config import StorageConfig

__all__ = ["SqliteBackend"]

T = TypeVar("T")

_PROJECTION_SQL = {
    "orders": "INSERT OR IGNORE INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "order_updates": "UPDATE orders SET status = ?2, last_seq = ?3, ts_event = ?4"
    " WHERE client_order_id = ?1 AND last_seq < ?3",
    "fills": "INSERT OR IGNORE INTO fills VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "risk_decisions": "INSERT OR IGNORE INTO risk_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
    "emergency_stop": "INSERT OR IGNORE INTO emergency_stop VALUES (?, ?, ?, ?, ?)",
}
# A batch's content is wrong (a value SQLite cannot bind or store): retrying cannot help.
_DATA_ERRORS = (
    OverflowError,
    TypeError,
    ValueError,
    KeyError,  # no such table
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
)
_INSERT = {
    t.name: f"INSERT INTO {t.name} ({', '.join(t.columns)})"  # noqa: S608  # nosec B608 - names from MARKET_TABLES
    f" VALUES ({', '.join('?' * len(t.columns))})"
    for t in MARKET_TABLES.values()
}


class _Lane:
    """One SQLite file and the single thread allowed to touch it."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{path.stem}")
        self._synchronous = synchronous
        self.db: sqlite3.Connection | None = None  # opened in the worker thread
        self._pool_closed = False  # True after close(): nothing more may run

    def open_db(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per batch.
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={self._synchronous}")
        db.execute("PRAGMA busy_timeout=5000")
        migrate_sqlite(db)
        self.db = db
        return db

    def conn(self) -> sqlite3.Connection:
        """The open connection (worker thread only)."""
        if self.db is None:
            raise StorageError(f"{self.path} used before open() or after close()")
        return self.db

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool_closed:
            raise StorageError(f"{self.path} is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    def close_db(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    async def close(self) -> None:
        await self.run(self.close_db)
        self._pool_closed = True
        self._pool.shutdown(wait=True)


class SqliteBackend:
    """Market data and journal in SQLite files under `data_dir`."""

    name = "sqlite"

    def __init__(self, data_dir: Path, clock: Clock, retention_s: int | None) -> None:
        self._clock = clock
        self._retention_ns = None if retention_s is None else retention_s * 1_000_000_000
        self._journal = _Lane(data_dir / "journal.sqlite", "FULL")
        self._market = _Lane(data_dir / "market.sqlite", "NORMAL")
        self._closed = False

    @classmethod
    async def open(cls, config: StorageConfig, clock: Clock) -> SqliteBackend:
        """Create or open the files and apply migrations; StorageError names the file and why."""
        data_dir = Path(config.data_dir)
        self = cls(data_dir, clock, config.retention_s)
        try:
            await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
            await self._journal.run(self._journal.open_db)
            await self._market.run(self._market.open_db)
        except (OSError, sqlite3.Error) as exc:
            await self.close()
            raise StorageError(f"embedded storage in {data_dir}: {exc}") from exc
        return self

    # -- market data lane ------------------------------------------------------------------

    async def write_batch(self, writer_id: str, batch: Batch) -> bool:
        try:
            return await self._market.run(self._write_batch, writer_id, batch)
        except _DATA_ERRORS as exc:
            raise StorageDataError(
                f"{self._market.path} refused batch {batch.batch_id} of {batch.table}: {exc}"
            ) from exc
        except sqlite3.Error as exc:  # disk full, I/O error, locked: may pass on a retry
            raise StorageError(f"{self._market.path}: {exc}") from exc

    def _write_batch(self, writer_id: str, batch: Batch) -> bool:
        db = self._market.conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            cur = db.execute(
                "INSERT OR IGNORE INTO bot4_batches VALUES (?, ?, ?, ?)",
                (writer_id, batch.batch_id, batch.table, len(batch.rows)),
            )
            landed = cur.rowcount == 0
            if not landed:
                db.executemany(_INSERT[batch.table], batch.rows)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return not landed

    async def last_batch_id(self, writer_id: str) -> int:
        def q() -> int:
            db = self._market.conn()
            row = db.execute(
                "SELECT coalesce(max(batch_id), 0) FROM bot4_batches WHERE writer_id = ?",
                (writer_id,),
            ).fetchone()
            return int(row[0])

        return await self._market.run(q)

    async def prune_batches(self, writer_id: str, below: int) -> int:
        def q() -> int:
            db = self._market.conn()
            cur = db.execute(
                "DELETE FROM bot4_batches WHERE writer_id = ? AND batch_id < ?", (writer_id, below)
            )
            return cur.rowcount

        try:
            return await self._market.run(q)
        except sqlite3.Error as exc:
            raise StorageError(f"{self._market.path}: {exc}") from exc

    async def fetch_market(self, table: str) -> list[Row]:
        spec = MARKET_TABLES[table]

        def q() -> list[Row]:
            db = self._market.conn()
            sql = f"SELECT {', '.join(spec.columns)} FROM {table} ORDER BY instrument_id, seq"  # noqa: S608  # nosec B608 - names from MARKET_TABLES
            return [tuple(r) for r in db.execute(sql)]

        return await self._market.run(q)

    async def maintain(self, now_ns: int) -> None:
        """Retention: delete market data older than retention_s (no partitions in SQLite)."""
        if self._retention_ns is None:
            return
        cutoff = now_ns - self._retention_ns

        def q() -> None:
            db = self._market.conn()
            for table in MARKET_TABLES:
                db.execute(f"DELETE FROM {table} WHERE ts_event < ?", (cutoff,))  # noqa: S608  # nosec B608 - names from MARKET_TABLES

        await self._market.run(q)

    # -- journal lane ----------------------------------------------------------------------

    async def append_journal(self, rows: list[JournalRow], projection: Projection) -> None:
        await self._journal.run(self._append_journal, rows, projection)

    def _append_journal(self, rows: list[JournalRow], projection: Projection) -> None:
        db = self._journal.conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR IGNORE INTO journal VALUES (?, ?, ?, ?)",
                [(r.seq, r.ts_ns, r.kind, r.payload) for r in rows],
            )
            for table, sql in _PROJECTION_SQL.items():
                args: list[tuple[Any, ...]] = getattr(projection, table)
                if args:
                    db.executemany(sql, args)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        # With synchronous=FULL in WAL mode, COMMIT returns after the WAL is fsynced.
        db.execute("COMMIT")

    async def read_journal(self) -> list[JournalRow]:
        def q() -> list[JournalRow]:
            db = self._journal.conn()
            cur = db.execute("SELECT seq, ts_ns, kind, payload FROM journal ORDER BY seq")
            return [JournalRow(r[0], r[1], r[2], bytes(r[3])) for r in cur]

        return await self._journal.run(q)

    def read_journal_sync(self) -> Iterator[JournalRow]:
        """Rows streamed from a read-only connection of the caller's own (WAL: readers never
        wait for the writer), so memory stays flat however long the journal is."""
        path = self._journal.path
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise StorageError(f"{path}: {exc}") from exc
        return _rows(db, path)

    async def save_kill_switch(self, payload: bytes, ts_ns: int) -> None:
        def q() -> None:
            db = self._journal.conn()
            db.execute(
                "INSERT OR REPLACE INTO kill_switch_state (id, payload, ts_ns) VALUES (1, ?, ?)",
                (payload, ts_ns),
            )

        await self._journal.run(q)

    async def load_kill_switch(self) -> tuple[bytes, int] | None:
        def q() -> tuple[bytes, int] | None:
            db = self._journal.conn()
            row = db.execute("SELECT payload, ts_ns FROM kill_switch_state WHERE id = 1").fetchone()
            return None if row is None else (bytes(row[0]), int(row[1]))

        return await self._journal.run(q)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._journal.close()
        await self._market.close()


def _rows(db: sqlite3.Connection, path: Path) -> Iterator[JournalRow]:
    """The journal's rows from `db`, in seq order; closes `db` when done."""
    try:
        for seq, ts_ns, kind, payload in db.execute(
            "SELECT seq, ts_ns, kind, payload FROM journal ORDER BY seq"
        ):
            yield JournalRow(seq, ts_ns, kind, payload)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: {exc}") from exc
    finally:
        db.close()
