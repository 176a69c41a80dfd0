"""Instrument precisions from exchange metadata (and inferred without it), by the one rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot4.marketdata.sources.recording import read_header
from bot4.model import (
    Instrument,
    infer_instrument,
    instruments_from_binance,
    instruments_from_header,
)

SPOT_INFO = """{"symbols": [{"symbol": "NKNUSDT", "status": "TRADING", "baseAsset": "NKN",
 "quoteAsset": "USDT", "baseAssetPrecision": 8, "quotePrecision": 8, "quoteAssetPrecision": 8,
 "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.00010000", "minPrice": "0.0001",
              "maxPrice": "1000"},
             {"filterType": "LOT_SIZE", "stepSize": "1.00000000", "minQty": "1", "maxQty": "1e6"}]},
 {"symbol": "OLD", "status": "BREAK", "baseAsset": "O", "quoteAsset": "LD", "filters": []}]}"""
FUT_INFO = """{"symbols": [{"symbol": "SUSHIUSDT", "status": "TRADING", "baseAsset": "SUSHI",
 "quoteAsset": "USDT", "pricePrecision": 4, "quantityPrecision": 0,
 "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.0010", "minPrice": "0.001",
              "maxPrice": "1000"},
             {"filterType": "LOT_SIZE", "stepSize": "1", "minQty": "1", "maxQty": "1000"}]}]}"""


def binance_instruments(body: str, exchange: str = "binance") -> dict[str, Instrument]:
    return {i.symbol: i for i in instruments_from_binance(body, exchange=exchange).instruments}


def test_binance_precisions_cover_tick_and_wire() -> None:
    spot = binance_instruments(SPOT_INFO)
    nkn = spot["NKNUSDT"]
    assert (nkn.price_precision, nkn.size_precision) == (8, 8)
    assert nkn.tick == 10_000 and nkn.lot == 100_000_000
    assert nkn.id == "BINANCE:NKNUSDT" and nkn.tradable
    assert not spot["OLD"].tradable and spot["OLD"].tick == 1
    fut = binance_instruments(FUT_INFO, "binance-futures")["SUSHIUSDT"]
    assert (fut.price_precision, fut.size_precision, fut.tick, fut.lot) == (4, 0, 10, 1)
    assert fut.price("7.6110") == 76110


def test_inference() -> None:
    inst = infer_instrument("coinbase", "BTC-USD", ["1.50", "2.125"], ["0.1"])
    assert (inst.price_precision, inst.size_precision) == (3, 1)
    assert (inst.base, inst.quote) == ("BTC", "USD")
    padded = infer_instrument("kraken", "XBT/USD", ["56218.30000"], ["0.15000000"], padded=True)
    assert (padded.price_precision, padded.size_precision) == (5, 8)
    bare = infer_instrument("binance", "BTCUSDT", [], ["12"], padded=True)
    assert (bare.price_precision, bare.size_precision, bare.base) == (8, 0, "BTCUSDT")


@pytest.mark.shared
def test_headers_of_the_recordings(recordings: Path) -> None:
    for exchange, prefix, symbol in (
        ("binance", "BINANCE", "NKNUSDT"),
        ("binance-futures", "BINANCE_FUTURES", "CTKUSDT"),
        ("kraken", "KRAKEN", "WAVES/EUR"),
        ("coinbase", "COINBASE", "SKL-BTC"),
    ):
        found = instruments_from_header(read_header(recordings / f"{prefix}.0"), exchange)
        assert symbol in found, (exchange, symbol)
    assert instruments_from_header(read_header(recordings / "OKX.0"), "okx") == {}
