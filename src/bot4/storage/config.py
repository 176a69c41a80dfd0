"""Storage configuration: one frozen Struct, decoded from the `[storage]` table of the TOML file."""

from __future__ import annotations

import re

import msgspec

from bot4.errors import ConfigValueError

__all__ = ["StorageConfig"]

# A writer id goes into SQL as a literal (see postgres.write_batch): letters, digits, _ . - only.
_WRITER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class StorageConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where and how Bot4 stores market data and its journal.

    With no `dsn`, Bot4 uses the embedded default (SQLite files in `data_dir`), so it runs with no
    server. With a `dsn`, PostgreSQL is used and an unreachable server is an error at start, never
    a silent fallback to the embedded files.
    """

    # PostgreSQL DSN (postgresql://user@host:port/db); None: the embedded SQLite default.
    dsn: str | None = None
    # Folder of the embedded databases and of the writer's spill file.
    data_dir: str = "var/bot4"
    # Names this writer's batches in the database (idempotent retries); keep it stable per process.
    writer_id: str = "bot4"
    # A batch is sent when it has this many rows (default 5,000) ...
    batch_rows: int = 5_000
    # ... or when its oldest row is this old (default 100 ms), whichever comes first.
    max_age_ms: int = 100
    # Rows kept in memory waiting for the database (default 200,000); past it, rows spill to disk.
    max_queue_rows: int = 200_000
    # Seconds to wait for a connection at start and on reconnect (default 5).
    connect_timeout_s: float = 5.0
    # Seconds one batch write may take before the connection is dropped and retried (default 10).
    write_timeout_s: float = 10.0
    # Seconds shutdown waits for the database to take the queued rows before spilling them (10).
    close_timeout_s: float = 10.0
    # Native partitions: one per this many seconds of ts_event (default one day) ...
    partition_interval_s: int = 86_400
    # ... created this many intervals ahead of now (default 3).
    partitions_ahead: int = 3
    # Market data older than this many seconds is dropped by maintenance; None keeps all (default).
    retention_s: int | None = None
    # TimescaleDB only: hypertable chunk interval (default one day) ...
    chunk_interval_s: int = 86_400
    # ... and chunks older than this are compressed (default seven days).
    compress_after_s: int = 7 * 86_400

    def __post_init__(self) -> None:
        if not _WRITER_ID.match(self.writer_id):
            raise ConfigValueError(
                f"storage.writer_id must be 1-64 of A-Z a-z 0-9 _ . -, got {self.writer_id!r}"
            )
        if self.batch_rows < 1:
            raise ConfigValueError(f"storage.batch_rows must be >= 1, got {self.batch_rows}")
        if self.max_queue_rows < self.batch_rows:
            raise ConfigValueError(
                f"storage.max_queue_rows ({self.max_queue_rows}) must be >= batch_rows "
                f"({self.batch_rows})"
            )
        if self.partition_interval_s < 60:
            raise ConfigValueError(
                f"storage.partition_interval_s must be >= 60, got {self.partition_interval_s}"
            )

    def __repr__(self) -> str:
        # A DSN may carry a password: never print it.
        return f"StorageConfig(dsn={_mask(self.dsn)!r}, data_dir={self.data_dir!r})"


def _mask(dsn: str | None) -> str | None:
    """The DSN with any password replaced by ***."""
    if dsn is None or "@" not in dsn or "://" not in dsn:
        return dsn
    scheme, rest = dsn.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"
