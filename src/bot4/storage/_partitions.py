"""Time partitions for PostgreSQL market-data tables: native range partitions, or TimescaleDB.

Plain PostgreSQL (the path tested here; TimescaleDB cannot be installed on these machines):
each market-data table is `PARTITION BY RANGE (ts_event)`, one partition per
`partition_interval_s`, named `<table>_p<bucket>` where bucket = ts_event // interval. Partitions
are created ahead of time by `maintain`, and on demand for a batch outside that window (a replay
of an old recording), so a COPY never meets a missing partition. Retention is app-managed:
`maintain` drops partitions wholly older than `retention_s`.

TimescaleDB, when the extension is available: hypertables on ts_event (integer ns) with the
configured chunk interval, a compression policy and a 1-minute candle continuous aggregate.
"""

from __future__ import annotations

import re

import asyncpg

from bot4.storage._rows import MARKET_TABLES

__all__ = ["PartitionManager", "setup_timescale", "timescale_available"]

_NS = 1_000_000_000
_PART = re.compile(r"^(\w+)_p(\d+)$")


class PartitionManager:
    """Creates and drops native partitions; remembers which exist so a batch costs a set lookup."""

    __slots__ = ("_ahead", "_interval_ns", "_known", "_retention_ns")

    def __init__(self, interval_s: int, ahead: int, retention_s: int | None) -> None:
        self._interval_ns = interval_s * _NS  # width of one partition, ns of ts_event
        self._ahead = ahead  # partitions kept ready after the current one
        self._retention_ns = None if retention_s is None else retention_s * _NS
        # (table, bucket) pairs known to exist in the database.
        self._known: set[tuple[str, int]] = set()

    async def load(self, conn: asyncpg.Connection) -> None:
        """Learn the partitions that already exist."""
        rows = await conn.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY($1::text[])",
            list(MARKET_TABLES),
        )
        for (name,) in rows:
            m = _PART.match(name)
            if m:
                self._known.add((m.group(1), int(m.group(2))))

    async def ensure(self, conn: asyncpg.Connection, table: str, lo_ns: int, hi_ns: int) -> None:
        """Make sure partitions cover ts_event in [lo_ns, hi_ns] of `table`."""
        width = self._interval_ns
        for bucket in range(lo_ns // width, hi_ns // width + 1):
            if (table, bucket) in self._known:
                continue
            # Identifiers come from MARKET_TABLES and an int: nothing user-supplied reaches SQL.
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {table}_p{bucket} PARTITION OF {table}"  # nosec B608 - table from MARKET_TABLES, bucket an int
                f" FOR VALUES FROM ({bucket * width}) TO ({(bucket + 1) * width})"
            )
            self._known.add((table, bucket))

    async def maintain(self, conn: asyncpg.Connection, now_ns: int) -> list[str]:
        """Create the partitions ahead of now; drop those past retention. Returns dropped names."""
        width = self._interval_ns
        for table in MARKET_TABLES:
            await self.ensure(conn, table, now_ns, now_ns + self._ahead * width)
        dropped: list[str] = []
        if self._retention_ns is None:
            return dropped
        cutoff_bucket = (now_ns - self._retention_ns) // width  # buckets below end before cutoff
        for table, bucket in sorted(self._known):
            if bucket < cutoff_bucket:
                name = f"{table}_p{bucket}"
                await conn.execute(f"DROP TABLE IF EXISTS {name}")
                self._known.discard((table, bucket))
                dropped.append(name)
        return dropped


async def timescale_available(conn: asyncpg.Connection) -> bool:
    """True when the timescaledb extension can be (or is) installed in this database."""
    found = await conn.fetchval(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
    )
    return bool(found)


async def setup_timescale(  # pragma: no cover - TimescaleDB is not installable on these machines
    conn: asyncpg.Connection, chunk_interval_s: int, compress_after_s: int
) -> None:
    """Hypertables, compression and the 1-minute candle aggregate (idempotent)."""
    await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    # Integer (ns) time needs a "now" in the same unit for policies and continuous aggregates.
    await conn.execute(
        "CREATE OR REPLACE FUNCTION bot4_now_ns() RETURNS bigint LANGUAGE sql STABLE AS"
        " $$ SELECT (extract(epoch FROM now()) * 1e9)::bigint $$"
    )
    for table in MARKET_TABLES:
        await conn.execute(
            "SELECT create_hypertable($1, 'ts_event', chunk_time_interval => $2::bigint,"
            " if_not_exists => TRUE, migrate_data => TRUE)",
            table,
            chunk_interval_s * _NS,
        )
        await conn.execute(
            "SELECT set_integer_now_func($1, 'bot4_now_ns', replace_if_exists => TRUE)", table
        )
        await conn.execute(
            f"ALTER TABLE {table} SET (timescaledb.compress,"
            " timescaledb.compress_segmentby = 'instrument_id')"
        )
        await conn.execute(
            "SELECT add_compression_policy($1, $2::bigint, if_not_exists => TRUE)",
            table,
            compress_after_s * _NS,
        )
    await conn.execute(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS candles_1m WITH (timescaledb.continuous) AS"
        " SELECT instrument_id, time_bucket(60000000000::bigint, ts_event) AS bucket,"
        " first(price, ts_event) AS open, max(price) AS high, min(price) AS low,"
        " last(price, ts_event) AS close, sum(qty) AS volume FROM trades"
        " GROUP BY instrument_id, bucket WITH NO DATA"
    )
