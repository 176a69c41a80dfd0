"""`impl`: run a feed or book test once with the C extension and once with its Python twins."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot4.marketdata import _book
from bot4.marketdata.feeds import binance, kraken
from bot4.marketdata.feeds._base import BaseFeed


def force_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch every C route of the feeds and the book off (their Python twins run)."""
    monkeypatch.setattr(_book, "_apply_native", None)
    monkeypatch.setattr(_book, "_levels_native", None)
    monkeypatch.setattr(binance, "_parse_pairs", None)
    monkeypatch.setattr(binance, "_snapshot_native", None)
    monkeypatch.setattr(binance, "_binance_frame", None)
    monkeypatch.setattr(kraken, "_crc_native", None)
    monkeypatch.setattr(kraken, "_levels_ts", None)
    monkeypatch.setattr(kraken, "_pairs_native", None)
    monkeypatch.setattr(kraken, "_update_native", None)


@pytest.fixture(params=["native", "python"])
def impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Which implementation of the feeds' innermost loops the test runs (`_speedups`)."""
    if request.param == "native":
        if _book._apply_native is None:
            pytest.skip("the C extension is not built here")
    else:
        force_python(monkeypatch)
    yield request.param


@pytest.fixture
def to_python(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to switch the C routes off part-way through a test (undone after it)."""
    return lambda: force_python(monkeypatch)


@pytest.fixture(params=["text", "bytes"])
def wire(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Frames as text (the offline replay) or as bytes (a WebSocket): the C routes differ."""
    if request.param == "bytes":
        on_message = BaseFeed.on_message

        def as_bytes(self: BaseFeed, data: bytes | str, ts: int) -> list[object]:
            return on_message(self, data.encode() if isinstance(data, str) else data, ts)

        monkeypatch.setattr(BaseFeed, "on_message", as_bytes)
    return str(request.param)
