"""`import bot4.marketdata` stays light: its re-exports load on first use (module __getattr__)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import bot4.marketdata as md

_CHECK = (
    "import bot4.marketdata as m; m.OrderBook; import sys; "
    "heavy = [n for n in ('asyncio', 'picows', 'socket', 'numpy') if n in sys.modules]; "
    "assert not heavy, heavy"
)


def test_the_order_book_loads_without_the_network_stack() -> None:
    # A fresh interpreter: this one has loaded everything already.
    subprocess.run([sys.executable, "-c", _CHECK], check=True)


def test_every_public_name_resolves_and_dir_lists_it() -> None:
    for name in md.__all__:
        assert getattr(md, name) is not None
    assert set(md.__all__) <= set(dir(md))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = md.no_such_name
