"""Kraken AssetPairs and Coinbase products -> Instruments (bot4.model._kraken, ._coinbase)."""

from __future__ import annotations

from bot4.model import coinbase_instruments, kraken_instruments


def test_kraken_and_coinbase() -> None:
    kr = kraken_instruments(
        '{"error": [], "result": {"XXBTZUSD": {"wsname": "XBT/USD", "pair_decimals": 1,'
        ' "lot_decimals": 8}, "XXBTZUSD.d": {"pair_decimals": 1, "lot_decimals": 8}}}'
    )
    assert list(kr) == ["XBT/USD"]
    assert (kr["XBT/USD"].base, kr["XBT/USD"].quote, kr["XBT/USD"].price_precision) == (
        "XBT",
        "USD",
        1,
    )
    cb = coinbase_instruments(
        '[{"id": "SKL-BTC", "base_currency": "SKL", "quote_currency": "BTC",'
        ' "quote_increment": "0.00000001", "base_increment": "0.1", "status": "online"}]'
    )
    assert (cb["SKL-BTC"].price_precision, cb["SKL-BTC"].size_precision) == (8, 1)
    assert (kr["XBT/USD"].tick, kr["XBT/USD"].lot) == (1, 1)  # Kraken's decimals are its grid
    assert (cb["SKL-BTC"].tick, cb["SKL-BTC"].lot, cb["SKL-BTC"].tradable) == (1, 1, True)
