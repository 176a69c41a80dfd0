"""Versioned schema migrations: `migrations/<dialect>/NNNN_name.sql`, each applied once, in order.

Applied versions are recorded in `bot4_schema_migrations`; every file runs in one transaction
with its version row, so a failed migration leaves nothing half-applied. PostgreSQL starters
serialise on an advisory lock, so two processes starting together do not race.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

import asyncpg

__all__ = ["PARTITION_MARKER", "migrate_postgres", "migrate_sqlite", "migrations"]

# In a PostgreSQL migration, where a market-data table may be partitioned (see 0001_init.sql).
PARTITION_MARKER = "/*PARTITION_BY*/"
_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")
# Any constant: the key of the advisory lock that serialises migrations between processes.
_LOCK_KEY = 0xB074


def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration file of the dialect, by version."""
    folder = resources.files("bot4.storage") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text()))
    return sorted(found)


async def migrate_postgres(conn: asyncpg.Connection, *, native_partitions: bool) -> list[int]:
    """Apply pending PostgreSQL migrations; returns the versions applied now."""
    applied: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bot4_schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in await conn.fetch("SELECT version FROM bot4_schema_migrations")}
        for version, name, sql in migrations("postgres"):
            if version in done:
                continue
            partition_by = (
                "PARTITION BY RANGE (ts_event)" if native_partitions else PARTITION_MARKER
            )
            await conn.execute(sql.replace(PARTITION_MARKER, partition_by))
            await conn.execute(
                "INSERT INTO bot4_schema_migrations (version, name) VALUES ($1, $2)", version, name
            )
            applied.append(version)
    return applied


def migrate_sqlite(db: sqlite3.Connection) -> list[int]:
    """Apply pending SQLite migrations (blocking: call it from the database's worker thread)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS bot4_schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
    )
    done = {r[0] for r in db.execute("SELECT version FROM bot4_schema_migrations")}
    applied: list[int] = []
    for version, name, sql in migrations("sqlite"):
        if version in done:
            continue
        # One transaction per file: executescript would commit on its own, so run statements
        # one by one between an explicit BEGIN and COMMIT.
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                db.execute(statement)
            db.execute(
                "INSERT INTO bot4_schema_migrations (version, name) VALUES (?, ?)", (version, name)
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        applied.append(version)
    return applied


def _statements(sql: str) -> list[str]:
    """A migration file split into statements (our SQLite files have no ';' inside strings)."""
    lines = [ln for ln in sql.splitlines() if not ln.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
