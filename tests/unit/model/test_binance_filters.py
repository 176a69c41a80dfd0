"""Binance filters in fixed point: safe-side rounding and the futures spellings."""

from __future__ import annotations

import pytest

from bot4.model import MULT_SCALE
from bot4.model._binance_filters import binance_filters


def test_bounds_past_the_precision_round_to_the_strict_side() -> None:
    f = binance_filters(
        [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.015",
                "maxPrice": "10.019",
                "tickSize": "0.01",
            },
            {"filterType": "LOT_SIZE", "minQty": "0.15", "maxQty": "9.99", "stepSize": "0.1"},
        ],
        2,
        1,
    )
    assert f.price is not None and f.lot_size is not None
    assert (f.price.min_price, f.price.max_price, f.price.tick) == (2, 1001, 1)  # 0.02 .. 10.01
    assert (f.lot_size.min_qty, f.lot_size.max_qty, f.lot_size.step) == (2, 99, 1)


def test_futures_spell_some_fields_differently() -> None:
    f = binance_filters(
        [
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": "5"},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": "1.0500",
                "multiplierDown": "0.9500",
                "multiplierDecimal": "4",
            },
        ],
        2,
        3,
    )
    assert f.max_num_orders is not None and f.max_num_orders.max_num_orders == 200
    assert f.max_num_algo_orders is not None and f.max_num_algo_orders.max_num_algo_orders == 10
    assert f.min_notional is not None and f.min_notional.min_notional == 5 * 10**5
    assert f.percent_price is not None and f.percent_price.avg_price_mins == 0
    assert f.percent_price.multiplier_up == 105 * MULT_SCALE // 100


def test_a_known_filter_without_its_bound_is_malformed() -> None:
    with pytest.raises(KeyError, match="maxNumOrders"):
        binance_filters([{"filterType": "MAX_NUM_ORDERS"}], 2, 3)
