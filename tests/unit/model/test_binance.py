"""exchangeInfo -> Instruments with fixed-point filters: the real 2021 document and our own set.

Precisions follow the one rule (bot4.model._scale): Binance spot states 8 wire decimals for
prices and quantities, so every spot symbol here has precisions (8, 8) and its tick and lot are
its tickSize and stepSize in 10**-8 units.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot4.errors import ConfigError
from bot4.model import MULT_SCALE, bundled_instruments, instruments_from_binance


def _exchange_info(recordings: Path) -> str:
    for line in (recordings / "BINANCE.0").read_text().splitlines():
        url, _, rest = line.partition(" -> ")
        if url.endswith("/api/v3/exchangeInfo"):
            return rest.split(": ", 1)[1]
    raise AssertionError("no exchangeInfo line in BINANCE.0")


@pytest.mark.shared
def test_real_exchange_info_from_recording(recordings: Path) -> None:
    load = instruments_from_binance(_exchange_info(recordings))
    assert load.unknown == ()  # the 2021 document has only known filter types
    by = {i.symbol: i for i in load.instruments}
    assert len(by) == 1695
    btc = by["BTCUSDT"]
    # tickSize 0.01, stepSize 0.00001
    assert (btc.price_precision, btc.size_precision, btc.tick, btc.lot) == (8, 8, 10**6, 10**3)
    assert btc.tradable and btc.base == "BTC" and btc.quote == "USDT"
    f = btc.filters
    assert f is not None and f.price and f.lot_size and f.market_lot_size and f.min_notional
    assert (f.price.min_price, f.price.max_price) == (10**6, 10**14)  # 0.01 .. 1,000,000.00
    assert (f.lot_size.min_qty, f.lot_size.max_qty) == (10**3, 9000 * 10**8)  # 0.00001 .. 9000
    # MARKET_LOT_SIZE maxQty 100.05381873 has 8 decimals: exact at the wire precision
    assert f.market_lot_size.max_qty == 10_005_381_873 and f.market_lot_size.step == 0
    assert f.min_notional.min_notional == 10 * 10**16 and f.min_notional.apply_to_market
    assert f.percent_price and f.percent_price.multiplier_up == 5 * MULT_SCALE
    assert f.percent_price.multiplier_down == MULT_SCALE // 5
    assert f.iceberg_parts and f.iceberg_parts.limit == 10
    assert f.max_num_orders and f.max_num_orders.max_num_orders == 200
    assert f.max_num_algo_orders and f.max_num_algo_orders.max_num_algo_orders == 5
    eth = by["ETHBTC"]
    assert (eth.price_precision, eth.size_precision) == (8, 8)  # tickSize 0.000001, step 0.0001
    assert eth.filters and eth.filters.price and eth.filters.price.tick == 100 == eth.tick
    assert eth.lot == 10**4
    # MAX_POSITION exists on 40 symbols (leveraged tokens)
    with_max_pos = [i for i in load.instruments if i.filters and i.filters.max_position]
    assert len(with_max_pos) == 40
    assert sum(1 for i in load.instruments if not i.tradable) == 433  # status BREAK


def test_bundled_set_has_current_filters() -> None:
    insts = bundled_instruments()
    assert len(insts) == 50
    sol = insts["BINANCE:SOLUSDT"]  # type: ignore[index]
    f = sol.filters
    assert f is not None and f.notional and f.percent_price_by_side
    assert f.notional.min_notional == 5 * 10**16 and f.notional.max_notional == 9_000_000 * 10**16
    assert f.percent_price_by_side.ask_multiplier_down == MULT_SCALE // 5
    assert f.min_notional is None and f.percent_price is None
    assert {"BINANCE:BTCUSDT", "BINANCE:ETHUSDT"} <= set(insts)


def _doc(filters: list[dict[str, object]], **sym: object) -> str:
    s = {"symbol": "XUSDT", "status": "TRADING", "baseAsset": "X", "quoteAsset": "USDT"}
    s.update(sym)  # type: ignore[arg-type]
    s["filters"] = filters  # type: ignore[assignment]
    return json.dumps({"symbols": [s]})


def test_unknown_filter_is_kept_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    body = _doc([{"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10}])
    with caplog.at_level(logging.WARNING):
        load = instruments_from_binance(body)
    assert load.unknown == ("XUSDT: TRAILING_DELTA",)
    (inst,) = load.instruments
    assert inst.filters and inst.filters.unknown[0].filter_type == "TRAILING_DELTA"
    assert "minTrailingAboveDelta" in inst.filters.unknown[0].raw
    assert "TRAILING_DELTA" in caplog.text
    with pytest.raises(ConfigError, match="TRAILING_DELTA"):
        instruments_from_binance(body, strict=True)


def test_precision_fallbacks_and_bad_documents(tmp_path: Path) -> None:
    load = instruments_from_binance(_doc([], baseAssetPrecision=3, quotePrecision=4))
    (inst,) = load.instruments
    assert (inst.price_precision, inst.size_precision, inst.tick, inst.lot) == (4, 3, 1, 1)
    with pytest.raises(ConfigError, match="not a Binance exchangeInfo"):
        instruments_from_binance(b"{}")
    with pytest.raises(ConfigError, match="malformed"):
        instruments_from_binance(_doc([{"filterType": "LOT_SIZE", "minQty": "1"}]))
    path = tmp_path / "x.json"
    path.write_text(_doc([{"filterType": "MAX_POSITION", "maxPosition": "1.5"}]))
    only = bundled_instruments(path)
    assert list(only) == ["BINANCE:XUSDT"]


def test_futures_state_their_wire_precision_as_price_and_quantity_precision() -> None:
    usdm = _doc(
        [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.1",
                "maxPrice": "1000",
                "tickSize": "0.10",
            },
            {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "100", "stepSize": "0.001"},
        ],
        pricePrecision=2,
        quantityPrecision=3,
        baseAssetPrecision=8,  # not the wire precision on futures: prices use pricePrecision
        quotePrecision=8,
    )
    (inst,) = instruments_from_binance(usdm, exchange="binance-futures").instruments
    assert inst.id == "BINANCE-FUTURES:XUSDT" and inst.exchange == "BINANCE-FUTURES"
    assert (inst.price_precision, inst.size_precision, inst.tick, inst.lot) == (2, 3, 10, 1)
    # COIN-M says contractStatus instead of status; a missing status is not tradable.
    (coinm,) = instruments_from_binance(
        _doc([], status="", contractStatus="TRADING", pricePrecision=1, quantityPrecision=0)
    ).instruments
    assert coinm.tradable and (coinm.price_precision, coinm.size_precision) == (1, 0)
    (closed,) = instruments_from_binance(_doc([], status="")).instruments
    assert not closed.tradable


def test_a_tick_finer_than_the_wire_precision_still_gets_whole_units() -> None:
    doc = _doc(
        [{"filterType": "PRICE_FILTER", "minPrice": "0", "maxPrice": "0", "tickSize": "0.001"}],
        quoteAssetPrecision=2,
        baseAssetPrecision=0,
    )
    (inst,) = instruments_from_binance(doc).instruments
    assert (inst.price_precision, inst.tick, inst.size_precision, inst.lot) == (3, 1, 0, 1)
