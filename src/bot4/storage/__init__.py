# bot4.storage: market data and the journal in PostgreSQL or embedded SQLite.
# Depends on bot4.model (market-data events), bot4.oms.journal (records and their encoding),
# bot4.resilience (the writer's CircuitBreaker) and bot4.risk.kill_switch (its saved state).
#   config       StorageConfig
#   _rows        market-data events -> table rows (columns, per-instrument seq)
#   _backend     Backend protocol, Batch, JournalRow
#   _migrate     versioned migrations (migrations/<dialect>/NNNN_name.sql)
#   _partitions  native range partitions / TimescaleDB hypertables
#   postgres     PostgresBackend (asyncpg, COPY)
#   sqlite       SqliteBackend (WAL, worker threads)
#   _spill       the writer's append-only spill file
#   writer       BatchWriter (bounded queue, back-pressure, breaker, exactly-once batches)
#   journal      DurableJournal, SqliteJournal, PostgresJournal
#   recovery     kill-switch restore/persist, orders rebuild
#   _open        open_backend (DSN -> PostgreSQL, else SQLite), Storage (backend+journal+writer)
#   cli          `bot4 storage-check`
"""Storage: batched market data, the durable journal, and recovery after a crash."""

from bot4.storage._backend import Backend as Backend
from bot4.storage._backend import Batch as Batch
from bot4.storage._backend import JournalRow as JournalRow
from bot4.storage._open import Storage as Storage
from bot4.storage._open import open_backend as open_backend
from bot4.storage.config import StorageConfig as StorageConfig
from bot4.storage.journal import DurableJournal as DurableJournal
from bot4.storage.journal import PostgresJournal as PostgresJournal
from bot4.storage.journal import SqliteJournal as SqliteJournal
from bot4.storage.postgres import PostgresBackend as PostgresBackend
from bot4.storage.recovery import KillSwitchSaver as KillSwitchSaver
from bot4.storage.recovery import fills as fills
from bot4.storage.recovery import persist_kill_switch as persist_kill_switch
from bot4.storage.recovery import rebuild_orders as rebuild_orders
from bot4.storage.recovery import restore_kill_switch as restore_kill_switch
from bot4.storage.sqlite import SqliteBackend as SqliteBackend
from bot4.storage.writer import BatchWriter as BatchWriter
from bot4.storage.writer import WriterStats as WriterStats

__all__ = [
    "Backend",
    "Batch",
    "BatchWriter",
    "DurableJournal",
    "JournalRow",
    "KillSwitchSaver",
    "PostgresBackend",
    "PostgresJournal",
    "SqliteBackend",
    "SqliteJournal",
    "Storage",
    "StorageConfig",
    "WriterStats",
    "fills",
    "open_backend",
    "persist_kill_switch",
    "rebuild_orders",
    "restore_kill_switch",
]
