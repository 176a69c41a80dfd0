"""The feeds' innermost loops: the C extension when it is built, else their Python twins.

`bot4.marketdata._native` (C, built by `make env` through setup.py) and the Python code each
function replaces compute the same results; tests/unit/marketdata/test_md_native.py holds
them to it, property-based, and the feed tests run both ways. The Python code stays the
specification and the fallback for an install without a C compiler. `BOT4_PURE_PYTHON=1` in
the environment forces the Python twins (to compare, or to rule the extension out when
hunting a bug).
"""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["native"]


def _load() -> ModuleType | None:
    if os.environ.get("BOT4_PURE_PYTHON") == "1":
        return None
    try:
        from bot4.marketdata import _native
    except ImportError:  # pragma: no cover - the extension is built wherever the tests run
        return None
    return _native


# The C extension, or None where it is not built (or BOT4_PURE_PYTHON=1).
native = _load()
