"""The PostgreSQL backend (asyncpg): COPY for market data, committed transactions for the journal.

Two connections, one per lane, so a journal commit never queues behind a market-data COPY.
Either connection is dropped on any error (`terminate`, no ROLLBACK round trip that could hang on
a stalled socket) and reopened on the next call; the server aborts the open transaction when the
socket closes, and the batch-id / seq keys make the retry safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot4.clock import Clock
from bot4.errors import StorageDataError, StorageError
from bot4.storage._backend import Batch, JournalRow
from bot4.storage._migrate import migrate_postgres
from bot4.storage._partitions import PartitionManager, setup_timescale, timescale_available
from bot4.storage._projection import Projection
from bot4.storage._rows import MARKET_TABLES, Row
from bot4.storage.config import StorageConfig

__all__ = ["PostgresBackend", "describe_dsn"]

log = logging.getLogger(__name__)

# Errors that mean "this connection or statement failed"; anything else is a bug and propagates.
_DB_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)

_INSERT_JOURNAL = (
    "INSERT INTO journal (seq, ts_ns, kind, payload)"
    " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bytea[])"
    " ON CONFLICT (seq) DO NOTHING"
)
_PROJECTION_SQL = {
    "orders": "INSERT INTO orders (client_order_id, instrument_id, side, order_type,"
    " time_in_force, qty, price, status, strategy_id, last_seq, ts_event)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
    "order_updates": "UPDATE orders SET status = $2, last_seq = $3, ts_event = $4"
    " WHERE client_order_id = $1 AND last_seq < $3",
    "fills": "INSERT INTO fills VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    " ON CONFLICT DO NOTHING",
    "risk_decisions": "INSERT INTO risk_decisions VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT DO NOTHING",
    "emergency_stop": "INSERT INTO emergency_stop VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT DO NOTHING",
}
# A batch's content is wrong: asyncpg's encoder (OverflowError, TypeError, ValueError) or the
# server (class 22 data exceptions, class 23 constraints) refused a value. Retrying cannot help.
_DATA_ERRORS = (
    OverflowError,
    TypeError,
    ValueError,
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
)
_TS_EVENT = itemgetter(2)  # ts_event's index in every market-data row (see _rows.py)


def describe_dsn(dsn: str) -> str:
    """'host:port/database' of a DSN, for error lines (never the password)."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    database = parts.path.lstrip("/") or parts.username or "postgres"
    return f"{host}:{port}/{database}"


class PostgresBackend:
    """Market data and journal in PostgreSQL; open it with `await PostgresBackend.open(...)`."""

    name = "postgresql"

    def __init__(self, config: StorageConfig, dsn: str, clock: Clock) -> None:
        self._config = config
        self._dsn = dsn  # never logged: may hold a password
        self._where = describe_dsn(dsn)  # host:port/database for messages
        self._clock = clock
        self._md: asyncpg.Connection | None = None  # market-data lane
        self._jr: asyncpg.Connection | None = None  # journal lane
        self._timescale = False  # True when tables are hypertables
        self._parts = PartitionManager(
            config.partition_interval_s, config.partitions_ahead, config.retention_s
        )

    @classmethod
    async def open(cls, config: StorageConfig, clock: Clock) -> PostgresBackend:
        """Connect, apply migrations, prepare partitions.

        Raises StorageError with one line naming host, port, database and the driver's reason.
        """
        if config.dsn is None:
            raise StorageError("PostgresBackend needs storage.dsn")
        self = cls(config, config.dsn, clock)
        try:
            conn = await self._connect()
            self._jr = conn
            self._timescale = await timescale_available(conn)
            if (
                self._timescale
            ):  # pragma: no cover - TimescaleDB is not installable on these machines
                await migrate_postgres(conn, native_partitions=False)
                await setup_timescale(conn, config.chunk_interval_s, config.compress_after_s)
            else:
                await migrate_postgres(conn, native_partitions=True)
                await self._parts.load(conn)
                await self._parts.maintain(conn, clock.time_ns())
        except StorageError:
            await self.close()
            raise
        except _DB_ERRORS as exc:
            await self.close()
            raise StorageError(f"PostgreSQL at {self._where}: {_reason(exc)}") from exc
        log.info("storage: PostgreSQL at %s (timescaledb=%s)", self._where, self._timescale)
        return self

    async def _connect(self) -> asyncpg.Connection:
        timeout = self._config.connect_timeout_s
        try:
            async with asyncio.timeout(timeout):
                return await asyncpg.connect(self._dsn, timeout=timeout)
        except TimeoutError as exc:
            raise StorageError(
                f"cannot connect to PostgreSQL at {self._where}: no answer in {timeout:g}s"
            ) from exc
        except (*_DB_ERRORS, ValueError) as exc:
            raise StorageError(
                f"cannot connect to PostgreSQL at {self._where}: {_reason(exc)}"
            ) from exc

    # -- market data lane ------------------------------------------------------------------

    async def write_batch(self, writer_id: str, batch: Batch) -> bool:
        """COPY the batch in a transaction that also records its id; False if it had landed."""
        if self._md is None:
            self._md = await self._connect()
        conn = self._md
        rows = batch.rows
        try:
            async with asyncio.timeout(self._config.write_timeout_s):
                if not self._timescale and rows:
                    ts = list(map(_TS_EVENT, rows))
                    await self._parts.ensure(conn, batch.table, min(ts), max(ts))
                # Explicit BEGIN/COMMIT rather than conn.transaction(): on a timeout we drop the
                # connection instead of awaiting a ROLLBACK on a socket that may be stalled.
                await conn.execute("BEGIN")
                await conn.copy_records_to_table(
                    batch.table, records=rows, columns=MARKET_TABLES[batch.table].columns
                )
                # The batch id and COMMIT in one round trip (the same count as a bare COPY
                # transaction): a duplicate id fails the INSERT, which skips the COMMIT and
                # leaves the transaction aborted, so the rows just copied are rolled back.
                # Literals, not parameters (one simple query holds two statements): the writer
                # id is checked by StorageConfig, the table comes from MARKET_TABLES, the rest
                # are ints.
                try:
                    await conn.execute(
                        "INSERT INTO bot4_batches (writer_id, batch_id, table_name, n_rows)"  # noqa: S608  # nosec B608 - see above
                        f" VALUES ('{writer_id}', {int(batch.batch_id)}, '{batch.table}',"
                        f" {len(rows)}); COMMIT"
                    )
                except asyncpg.UniqueViolationError:
                    await conn.execute("ROLLBACK")
                    return False
        except _DATA_ERRORS as exc:
            self._md = None
            conn.terminate()
            raise StorageDataError(
                f"PostgreSQL at {self._where} refused batch {batch.batch_id} of {batch.table}:"
                f" {_reason(exc)}"
            ) from exc
        except _DB_ERRORS as exc:
            self._md = None
            conn.terminate()
            raise StorageError(f"PostgreSQL at {self._where}: {_reason(exc)}") from exc
        except BaseException:
            # Cancelled mid-transaction: the connection's state is unknown, so drop it.
            self._md = None
            conn.terminate()
            raise
        return True

    async def last_batch_id(self, writer_id: str) -> int:
        conn = await self._journal_conn()
        try:
            value = await conn.fetchval(
                "SELECT coalesce(max(batch_id), 0) FROM bot4_batches WHERE writer_id = $1",
                writer_id,
            )
        except _DB_ERRORS as exc:
            raise self._journal_failed(exc) from exc
        return int(value)

    async def prune_batches(self, writer_id: str, below: int) -> int:
        """On the market-data connection (the writer's lane): the journal never waits for it."""
        if self._md is None:
            self._md = await self._connect()
        conn = self._md
        try:
            async with asyncio.timeout(self._config.write_timeout_s):
                status = await conn.execute(
                    "DELETE FROM bot4_batches WHERE writer_id = $1 AND batch_id < $2",
                    writer_id,
                    below,
                )
        except _DB_ERRORS as exc:
            self._md = None
            conn.terminate()
            raise StorageError(f"PostgreSQL at {self._where}: {_reason(exc)}") from exc
        return int(status.rsplit(" ", 1)[-1])

    async def fetch_market(self, table: str) -> list[Row]:
        spec = MARKET_TABLES[table]
        conn = await self._journal_conn()
        records = await conn.fetch(
            f"SELECT {', '.join(spec.columns)} FROM {table}"  # noqa: S608  # nosec B608 - names from MARKET_TABLES
            " ORDER BY instrument_id, seq"
        )
        return [tuple(r) for r in records]

    async def maintain(self, now_ns: int) -> None:
        if self._timescale:  # pragma: no cover - TimescaleDB is not installable on these machines
            return
        conn = await self._journal_conn()
        try:
            dropped = await self._parts.maintain(conn, now_ns)
        except _DB_ERRORS as exc:
            raise self._journal_failed(exc) from exc
        if dropped:
            log.info("storage: retention dropped %d partitions: %s", len(dropped), dropped)

    # -- journal lane ----------------------------------------------------------------------

    async def _journal_conn(self) -> asyncpg.Connection:
        if self._jr is None:
            self._jr = await self._connect()
        return self._jr

    def _journal_failed(self, exc: BaseException) -> StorageError:
        if self._jr is not None:
            self._jr.terminate()
            self._jr = None
        return StorageError(f"PostgreSQL at {self._where}: {_reason(exc)}")

    async def append_journal(self, rows: list[JournalRow], projection: Projection) -> None:
        """One transaction: journal rows and their projections; committed when this returns."""
        conn = await self._journal_conn()
        try:
            async with asyncio.timeout(self._config.write_timeout_s):
                await conn.execute("BEGIN")
                await conn.execute(
                    _INSERT_JOURNAL,
                    [r.seq for r in rows],
                    [r.ts_ns for r in rows],
                    [r.kind for r in rows],
                    [r.payload for r in rows],
                )
                for table, sql in _PROJECTION_SQL.items():
                    args: list[tuple[Any, ...]] = getattr(projection, table)
                    if args:
                        await conn.executemany(sql, args)
                await conn.execute("COMMIT")
        except _DB_ERRORS as exc:
            raise self._journal_failed(exc) from exc
        except BaseException as exc:
            # Cancelled mid-transaction: drop the connection (the server rolls back).
            self._journal_failed(exc)
            raise

    async def read_journal(self) -> list[JournalRow]:
        conn = await self._journal_conn()
        try:
            records = await conn.fetch("SELECT seq, ts_ns, kind, payload FROM journal ORDER BY seq")
        except _DB_ERRORS as exc:
            raise self._journal_failed(exc) from exc
        return [JournalRow(r[0], r[1], r[2], bytes(r[3])) for r in records]

    def read_journal_sync(self) -> Iterator[JournalRow]:
        """In a thread with its own event loop and connection: the caller's loop may be the
        one running this backend (its connections belong to that loop), or none at all."""

        async def fetch() -> list[JournalRow]:
            conn = await self._connect()
            try:
                records = await conn.fetch(
                    "SELECT seq, ts_ns, kind, payload FROM journal ORDER BY seq"
                )
            except _DB_ERRORS as exc:
                raise StorageError(f"PostgreSQL at {self._where}: {_reason(exc)}") from exc
            finally:
                await conn.close()
            return [JournalRow(r[0], r[1], r[2], bytes(r[3])) for r in records]

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-journal-read") as pool:
            rows = pool.submit(lambda: asyncio.run(fetch())).result()
        return iter(rows)

    async def save_kill_switch(self, payload: bytes, ts_ns: int) -> None:
        """Durably replace the kill switch's saved state."""
        conn = await self._journal_conn()
        try:
            await conn.execute(
                "INSERT INTO kill_switch_state (id, payload, ts_ns) VALUES (1, $1, $2)"
                " ON CONFLICT (id) DO UPDATE"
                " SET payload = excluded.payload, ts_ns = excluded.ts_ns",
                payload,
                ts_ns,
            )
        except _DB_ERRORS as exc:
            raise self._journal_failed(exc) from exc

    async def load_kill_switch(self) -> tuple[bytes, int] | None:
        """The kill switch's saved state and its ts_ns, or None when it never saved one."""
        conn = await self._journal_conn()
        row = await conn.fetchrow("SELECT payload, ts_ns FROM kill_switch_state WHERE id = 1")
        return None if row is None else (bytes(row[0]), int(row[1]))

    async def close(self) -> None:
        for conn in (self._md, self._jr):
            if conn is not None:
                try:
                    await asyncio.wait_for(conn.close(), timeout=1.0)
                except _DB_ERRORS:
                    conn.terminate()
        self._md = self._jr = None


def _reason(exc: BaseException) -> str:
    """The driver's reason as one line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text and text[0] else type(exc).__name__
