"""Shared fixtures: the recordings folder, opt-in slow tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# ../shared next to the checkout; BOT4_RECORDINGS points elsewhere (a clone in /tmp, a CI
# runner that mounts the data somewhere else).
RECORDINGS = Path(
    os.environ.get("BOT4_RECORDINGS")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "recordings"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--run-slow"):
        skip = pytest.mark.skip(reason="slow: use --run-slow")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def recordings() -> Path:
    """The shared exchange recordings; skipped when ../shared is absent (but required in CI)."""
    if not RECORDINGS.is_dir():
        if IN_CI:
            pytest.fail(f"CI needs the recordings at {RECORDINGS}")
        pytest.skip(f"no recordings at {RECORDINGS}")
    return RECORDINGS
