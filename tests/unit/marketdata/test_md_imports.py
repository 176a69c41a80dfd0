"""`import bot4.marketdata` re-exports load on first use (module __getattr__); that the import
stays light (no asyncio, socket, picows, numpy) is checked with the rest of the pure core in
tests/unit/test_imports.py."""

from __future__ import annotations

import pytest

import bot4.marketdata as md


def test_every_public_name_resolves_and_dir_lists_it() -> None:
    for name in md.__all__:
        assert getattr(md, name) is not None
    assert set(md.__all__) <= set(dir(md))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = md.no_such_name
