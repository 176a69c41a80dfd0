"""Choosing the backend from the config, and `Storage`: backend + journal + writer in one.

PostgreSQL when a DSN is set, else embedded SQLite. With a DSN, a server that cannot be used
raises StorageError (one line: host, port, database, the driver's reason): never a fallback to
the embedded files then.
"""

from __future__ import annotations

from bot4.clock import Clock
from bot4.resilience import CircuitBreaker, CircuitConfig
from bot4.storage._backend import Backend
from bot4.storage.config import StorageConfig
from bot4.storage.journal import DurableJournal
from bot4.storage.writer import BatchWriter

__all__ = ["Storage", "open_backend"]

# The writer's breaker unless the caller brings one: trip on 3 failed writes in a row (a
# database that is down fails every call), try again after 5 s.
_DEFAULT_BREAKER = CircuitConfig(consecutive_failures=3, open_s=5.0)


async def open_backend(config: StorageConfig, clock: Clock) -> Backend:
    """Open (and migrate) the configured backend."""
    if config.dsn:
        from bot4.storage.postgres import PostgresBackend

        return await PostgresBackend.open(config, clock)
    from bot4.storage.sqlite import SqliteBackend

    return await SqliteBackend.open(config, clock)


class Storage:
    """What the engine holds: one backend, the durable journal on it, the market-data writer.

    Open with `await Storage.open(config, clock)`; `close()` flushes the writer (or spills what
    the database does not take), commits the journal, and closes the backend. Idempotent.
    """

    def __init__(self, backend: Backend, journal: DurableJournal, writer: BatchWriter) -> None:
        self.backend = backend  # the database, both lanes
        self.journal = journal  # bot4.oms Journal protocol, durable
        self.writer = writer  # market data in; started
        self._closed = False

    @classmethod
    async def open(
        cls, config: StorageConfig, clock: Clock, breaker: CircuitBreaker | None = None
    ) -> Storage:
        backend = await open_backend(config, clock)
        try:
            journal = await DurableJournal.load(backend)
            writer = BatchWriter(
                backend,
                breaker or CircuitBreaker(f"storage:{backend.name}", _DEFAULT_BREAKER, clock),
                clock,
                config,
            )
            await writer.start()
        except BaseException:
            await backend.close()
            raise
        return cls(backend, journal, writer)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self.writer.close()
            await self.journal.commit()
        finally:
            await self.backend.close()
