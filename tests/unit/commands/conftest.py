"""Each test runs in its own empty working directory: a node's default data directory
(`var/bot4`, relative) is shared by every run on purpose, so tests must not share it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
