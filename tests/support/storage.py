"""Shared by the storage tests: a fresh PostgreSQL database per test, and both backends.

PostgreSQL comes from BOT4_TEST_PG_DSN (default: the local server, trust auth, superuser). Each
test gets its own database, created here and dropped after. An unreachable server skips the
PostgreSQL cases outside CI and fails them in CI (CI=true), where .ci/run starts the server.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot4.clock import Clock
from bot4.storage import Backend, PostgresBackend, SqliteBackend, StorageConfig

ADMIN_DSN = os.environ.get("BOT4_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def dsn_for(database: str, admin: str = ADMIN_DSN) -> str:
    parts = urlsplit(admin)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL needed in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


async def create_database() -> str:
    """A new empty database's DSN (drop it with `drop_database`); skips/fails when unreachable."""
    try:
        admin = await asyncpg.connect(ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        _unavailable(str(exc))
    name = f"bot4_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return dsn_for(name)


async def drop_database(dsn: str) -> None:
    name = urlsplit(dsn).path.lstrip("/")
    admin = await asyncpg.connect(ADMIN_DSN, timeout=3)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new empty database; yields its DSN and drops it afterwards."""
    try:
        admin = await asyncpg.connect(ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        _unavailable(str(exc))
    name = f"bot4_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield dsn_for(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def config_for(kind: str, tmp_path: Path, dsn: str | None, **kw: object) -> StorageConfig:
    return StorageConfig(
        dsn=dsn if kind == "postgresql" else None, data_dir=str(tmp_path / "data"), **kw
    )


@asynccontextmanager
async def open_kind(
    kind: str, tmp_path: Path, clock: Clock, **kw: object
) -> AsyncIterator[tuple[Backend, StorageConfig]]:
    """A freshly opened backend of `kind` (PostgreSQL in its own database) and its config."""
    if kind == "postgresql":
        async with fresh_database() as dsn:
            cfg = config_for(kind, tmp_path, dsn, **kw)
            backend: Backend = await PostgresBackend.open(cfg, clock)
            try:
                yield backend, cfg
            finally:
                await asyncio.shield(backend.close())
    else:
        cfg = config_for(kind, tmp_path, None, **kw)
        backend = await SqliteBackend.open(cfg, clock)
        try:
            yield backend, cfg
        finally:
            await backend.close()
