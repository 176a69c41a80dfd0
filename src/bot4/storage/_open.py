"""Choosing the backend from the config: PostgreSQL when a DSN is set, else embedded SQLite."""

from __future__ import annotations

from bot4.clock import Clock
from bot4.storage._backend import Backend
from bot4.storage.config import StorageConfig

__all__ = ["open_backend"]


async def open_backend(config: StorageConfig, clock: Clock) -> Backend:
    """Open (and migrate) the configured backend.

    With a DSN, a server that cannot be used raises StorageError (one line: host, port,
    database, the driver's reason); there is never a fallback to the embedded files then.
    """
    if config.dsn:
        from bot4.storage.postgres import PostgresBackend

        return await PostgresBackend.open(config, clock)
    from bot4.storage.sqlite import SqliteBackend

    return await SqliteBackend.open(config, clock)
