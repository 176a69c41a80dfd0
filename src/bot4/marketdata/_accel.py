"""The one switch between the C extension and its Python twins.

Every function of `bot4.marketdata._native` (C, built by `make env` through setup.py) has a
Python twin of the same name and call in `marketdata._twins`, which is its specification
(tests/unit/marketdata/test_md_native.py holds the C code to it). This module binds each name
to one of the two, once, and the feeds and the book call them through it (`_accel.parse_pairs`,
read at call time, so a switch takes effect at once): the C functions where the extension is
built, the twins where it is not or where `BOT4_PURE_PYTHON=1` (to compare, or to rule the
extension out when hunting a bug). Tests switch with `use(native=False)` and back.
"""

from __future__ import annotations

import os
from types import ModuleType

from bot4.marketdata import _twins

__all__ = [
    "NATIVE",
    "apply_deltas",
    "binance_frame",
    "binance_snapshot",
    "book_levels",
    "kraken_crc",
    "kraken_levels",
    "kraken_update",
    "parse_pairs",
    "use",
]

# The names bound here: every function of the C extension, each with its twin.
NAMES = _twins.__all__

# Bound by `use` below; the twins' types are the C functions' types (_native.pyi).
apply_deltas = _twins.apply_deltas
binance_frame = _twins.binance_frame
binance_snapshot = _twins.binance_snapshot
book_levels = _twins.book_levels
kraken_crc = _twins.kraken_crc
kraken_levels = _twins.kraken_levels
kraken_update = _twins.kraken_update
parse_pairs = _twins.parse_pairs
# True while the C functions are bound.
NATIVE = False


def _load() -> ModuleType | None:
    """The C extension, or None where it is not built or `BOT4_PURE_PYTHON=1`."""
    if os.environ.get("BOT4_PURE_PYTHON") == "1":
        return None
    try:
        from bot4.marketdata import _native
    except ImportError:  # pragma: no cover - the extension is built wherever the tests run
        return None
    return _native


def use(native: bool = True) -> bool:
    """Bind every name to its C function (`native` and the extension loads) or else to its
    Python twin; returns whether the C functions are bound."""
    global NATIVE
    module = _load() if native else None
    source = module if module is not None else _twins
    namespace = globals()
    for name in NAMES:
        namespace[name] = getattr(source, name)
    NATIVE = module is not None
    return NATIVE


use()
