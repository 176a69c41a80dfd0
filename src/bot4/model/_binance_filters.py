"""Binance exchangeInfo filters (spot, USD-M and COIN-M) as fixed-point `InstrumentFilters`.

Filter bounds with more decimals than the instrument's precision are rounded to the safe side
(a minimum up, a maximum down): a bound can only get stricter, and orders themselves are never
rounded. The futures APIs name some fields differently (`limit` for MAX_NUM_ORDERS and
MAX_NUM_ALGO_ORDERS, `notional` for MIN_NOTIONAL); both spellings mean the same bound. A filter
type this module does not know is kept verbatim as `UnknownFilter`.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import msgspec

from bot4.model._filters import (
    MULT_SCALE,
    IcebergParts,
    InstrumentFilters,
    LotSize,
    MaxNumAlgoOrders,
    MaxNumOrders,
    MaxPosition,
    MinNotional,
    Notional,
    PercentPrice,
    PercentPriceBySide,
    PriceFilter,
    UnknownFilter,
)
from bot4.model._fixed import to_fixed

__all__ = ["binance_filters"]

_MULT_DECIMALS = len(str(MULT_SCALE)) - 1  # MULT_SCALE == 10**_MULT_DECIMALS


def _fx(text: Any, precision: int, *, up: bool) -> int:
    """A decimal string as fixed point; past the precision, rounded up (`up`) or down."""
    s = str(text)
    try:
        return to_fixed(s, precision)
    except ValueError:
        scaled = Decimal(s).scaleb(precision)
        return int(scaled.to_integral_value(ROUND_CEILING if up else ROUND_FLOOR))


def _first(f: dict[str, Any], *keys: str) -> Any:
    """The value of the first of `keys` present (spot and futures spellings); KeyError if none."""
    for key in keys:
        if key in f:
            return f[key]
    raise KeyError(keys[0])


def _mult(f: dict[str, Any], key: str, *, up: bool) -> int:
    return _fx(f[key], _MULT_DECIMALS, up=up)


def binance_filters(filters: list[dict[str, Any]], pp: int, sp: int) -> InstrumentFilters:
    """The fixed-point filters of one symbol at its precisions; unknown types kept verbatim.

    Raises KeyError/ValueError/ArithmeticError on a malformed known filter (the caller names
    the symbol).
    """
    np_ = pp + sp
    out: dict[str, Any] = {}
    unknown: list[UnknownFilter] = []
    for f in filters:
        t = f.get("filterType")
        if t == "PRICE_FILTER":
            out["price"] = PriceFilter(
                min_price=_fx(f["minPrice"], pp, up=True),
                max_price=_fx(f["maxPrice"], pp, up=False),
                tick=_fx(f["tickSize"], pp, up=True),
            )
        elif t == "PERCENT_PRICE":
            out["percent_price"] = PercentPrice(
                multiplier_up=_mult(f, "multiplierUp", up=False),
                multiplier_down=_mult(f, "multiplierDown", up=True),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t == "PERCENT_PRICE_BY_SIDE":
            out["percent_price_by_side"] = PercentPriceBySide(
                bid_multiplier_up=_mult(f, "bidMultiplierUp", up=False),
                bid_multiplier_down=_mult(f, "bidMultiplierDown", up=True),
                ask_multiplier_up=_mult(f, "askMultiplierUp", up=False),
                ask_multiplier_down=_mult(f, "askMultiplierDown", up=True),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t in ("LOT_SIZE", "MARKET_LOT_SIZE"):
            lot = LotSize(
                min_qty=_fx(f["minQty"], sp, up=True),
                max_qty=_fx(f["maxQty"], sp, up=False),
                step=_fx(f["stepSize"], sp, up=True),
            )
            out["lot_size" if t == "LOT_SIZE" else "market_lot_size"] = lot
        elif t == "MIN_NOTIONAL":
            out["min_notional"] = MinNotional(
                min_notional=_fx(_first(f, "minNotional", "notional"), np_, up=True),
                apply_to_market=bool(f.get("applyToMarket", True)),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t == "NOTIONAL":
            out["notional"] = Notional(
                min_notional=_fx(f.get("minNotional", "0"), np_, up=True),
                apply_min_to_market=bool(f.get("applyMinToMarket", True)),
                max_notional=_fx(f.get("maxNotional", "0"), np_, up=False),
                apply_max_to_market=bool(f.get("applyMaxToMarket", False)),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t == "ICEBERG_PARTS":
            out["iceberg_parts"] = IcebergParts(limit=int(f["limit"]))
        elif t == "MAX_NUM_ORDERS":
            n = int(_first(f, "maxNumOrders", "limit"))
            out["max_num_orders"] = MaxNumOrders(max_num_orders=n)
        elif t == "MAX_NUM_ALGO_ORDERS":
            n = int(_first(f, "maxNumAlgoOrders", "limit"))
            out["max_num_algo_orders"] = MaxNumAlgoOrders(max_num_algo_orders=n)
        elif t == "MAX_POSITION":
            out["max_position"] = MaxPosition(max_position=_fx(f["maxPosition"], sp, up=False))
        else:
            raw = msgspec.json.encode(f).decode()
            unknown.append(UnknownFilter(filter_type=str(t), raw=raw))
    return InstrumentFilters(**out, unknown=tuple(unknown))
