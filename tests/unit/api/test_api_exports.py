"""bot4.api's public names: __all__ is complete and every name loads (lazily).

(Its order is ruff's RUF022 isort-style order, checked by the lint gate.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import bot4.api


def test_all_names_load() -> None:
    assert len(set(bot4.api.__all__)) == len(bot4.api.__all__)
    assert set(bot4.api.__all__) == set(bot4.api._LAZY)
    for name in bot4.api.__all__:
        assert getattr(bot4.api, name) is not None
    assert dir(bot4.api) == sorted(bot4.api.__all__)


def test_unknown_name() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = bot4.api.nothing  # type: ignore[attr-defined]


def test_the_operator_commands_do_not_import_fastapi() -> None:
    """`bot4 status` / `kill` start fast: the client module and the config need no server."""
    code = (
        "import sys, bot4.api.cli, bot4.api.config; "
        "print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
