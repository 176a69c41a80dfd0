"""`impl`: run a feed or book test once with the C extension and once with its Python twins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot4.marketdata import _book
from bot4.marketdata.feeds import binance, kraken


@pytest.fixture(params=["native", "python"])
def impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Which implementation of the feeds' innermost loops the test runs (`_speedups`)."""
    if request.param == "native":
        if _book._apply_native is None:
            pytest.skip("the C extension is not built here")
    else:
        monkeypatch.setattr(_book, "_apply_native", None)
        monkeypatch.setattr(binance, "_parse_pairs", None)
        monkeypatch.setattr(kraken, "_crc_native", None)
        monkeypatch.setattr(kraken, "_levels_ts", None)
        monkeypatch.setattr(kraken, "_pairs_native", None)
    yield request.param
