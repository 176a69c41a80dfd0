"""`bot4.risk`'s re-exports are lazy: importing it (and using RiskEngine) loads no numpy,
asyncio or socket module; numpy comes only with a configured correlated-exposure limit."""

from __future__ import annotations

import subprocess
import sys

import pytest

import bot4.risk

_PROBE = """
import sys
import bot4  # (what the package root loads is bot4's, not bot4.risk's)
before = set(sys.modules)
import bot4.risk
from decimal import Decimal
from bot4.clock import TestClock
from bot4.risk import RiskConfig, RiskEngine
cfg = RiskConfig({extra})
RiskEngine({{}}, cfg, TestClock()).update_correlation()
print(sorted(m for m in ("numpy", "asyncio", "socket") if m in set(sys.modules) - before))
"""


def _loaded(extra: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(extra=extra)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_import_and_engine_load_no_numpy_asyncio_or_socket() -> None:
    assert _loaded("") == "[]"


def test_numpy_comes_with_the_correlated_limit() -> None:
    assert _loaded("max_correlated_exposure=Decimal('1000')") == "['numpy']"


def test_every_public_name_resolves_and_unknown_names_fail() -> None:
    for name in bot4.risk.__all__:
        assert getattr(bot4.risk, name) is not None
    assert set(bot4.risk.__all__) <= set(dir(bot4.risk))
    with pytest.raises(AttributeError, match="nope"):
        bot4.risk.nope  # type: ignore[attr-defined]  # noqa: B018
