"""`bot4 storage-check`: open the configured storage, apply migrations, say what is there.

A database that cannot be used is one line on stderr (host, port, database, the driver's
reason) and exit code 2; never a traceback, never a silent switch to the embedded files.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot4.clock import LiveClock
from bot4.errors import StorageError
from bot4.storage._open import open_backend
from bot4.storage.config import StorageConfig

__all__ = ["check_storage", "storage_check_command"]


async def check_storage(config: StorageConfig) -> str:
    """Open, migrate and close the backend; returns a one-line description of it."""
    backend = await open_backend(config, LiveClock())
    try:
        journal = await backend.read_journal()
        batch = await backend.last_batch_id(config.writer_id)
    finally:
        await backend.close()
    where = config.data_dir if backend.name == "sqlite" else repr(config)
    return (
        f"storage ok: {backend.name} ({where}); journal records: {len(journal)}; "
        f"last batch id of writer {config.writer_id!r}: {batch}"
    )


def storage_check_command(
    dsn: Annotated[
        str | None,
        typer.Option(
            "--dsn",
            envvar="BOT4__STORAGE__DSN",
            help="PostgreSQL DSN; without it the embedded SQLite files in --data-dir are used.",
        ),
    ] = None,
    data_dir: Annotated[
        str, typer.Option("--data-dir", help="Folder of the embedded databases.")
    ] = "var/bot4",
) -> None:
    """Open the storage (PostgreSQL with --dsn, else embedded), apply migrations, report."""
    try:
        config = StorageConfig(dsn=dsn, data_dir=data_dir)
        typer.echo(asyncio.run(check_storage(config)))
    except StorageError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
