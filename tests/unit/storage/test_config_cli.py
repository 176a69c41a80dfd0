"""StorageConfig validation, secrets kept out of reprs, and `bot4 storage-check`."""

from __future__ import annotations

import socket
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.clock import TestClock
from bot4.errors import StorageError
from bot4.storage import StorageConfig, open_backend
from bot4.storage.config import _mask
from bot4.storage.postgres import describe_dsn

runner = CliRunner()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"writer_id": "a'b"}, "writer_id"),
        ({"batch_rows": 0}, "batch_rows"),
        ({"batch_rows": 10, "max_queue_rows": 5}, "max_queue_rows"),
        ({"partition_interval_s": 1}, "partition_interval_s"),
    ],
)
def test_config_refuses_what_cannot_work(fields: dict[str, object], message: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=message):
        msgspec.convert(fields, StorageConfig)


def test_config_repr_masks_the_password() -> None:
    cfg = StorageConfig(dsn="postgresql://bot:s3cret@db:5433/prod")
    assert "s3cret" not in repr(cfg) and "bot:***@db:5433" in repr(cfg)
    assert _mask(None) is None
    assert _mask("postgresql://db/x") == "postgresql://db/x"
    assert _mask("postgresql://bot@db/x") == "postgresql://bot@db/x"
    assert describe_dsn("postgresql://bot:pw@db:5433/prod") == "db:5433/prod"
    assert describe_dsn("postgresql://bot@/") == "localhost:5432/bot"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connection refused
    return port


def test_storage_check_embedded(tmp_path: Path) -> None:
    result = runner.invoke(app, ["storage-check", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "storage ok: sqlite" in result.stdout
    assert (tmp_path / "d" / "journal.sqlite").is_file()


def test_storage_check_unreachable_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = _closed_port()
    dsn = f"postgresql://postgres:pw@127.0.0.1:{port}/bot4db"
    result = runner.invoke(app, ["storage-check", "--dsn", dsn, "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert f"127.0.0.1:{port}/bot4db" in lines[0] and "ConnectionRefusedError" in lines[0]
    assert "pw" not in lines[0].replace("postgres", "")
    assert not (tmp_path / "d").exists()  # no silent fallback to the embedded files


async def test_connect_timeout_names_the_wait(tmp_path: Path) -> None:
    # A listener that never answers the startup message: the driver waits, we time out.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    try:
        cfg = StorageConfig(
            dsn=f"postgresql://postgres@127.0.0.1:{port}/x",
            data_dir=str(tmp_path),
            connect_timeout_s=0.2,
        )
        with pytest.raises(StorageError, match=r"127.0.0.1:\d+/x: no answer in 0.2s"):
            await open_backend(cfg, TestClock())
    finally:
        srv.close()
