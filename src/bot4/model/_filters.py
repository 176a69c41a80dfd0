"""Exchange filters of an instrument, as Binance's `exchangeInfo` publishes them, in fixed point.

Every value is an int in the instrument's units: prices in price units, quantities in size units,
notionals in price*size units (10**-(price_precision+size_precision) of the quote), multipliers
in 10**-8 (`MULT_SCALE`). Zero means "not enforced", as Binance writes "0.00000000" for a
disabled bound. The risk engine folds these into its per-instrument limits; it rejects an order
that breaks one and never rounds it.

The set covers the 2021 document (PRICE_FILTER, PERCENT_PRICE, LOT_SIZE, MARKET_LOT_SIZE,
MIN_NOTIONAL, ICEBERG_PARTS, MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS, MAX_POSITION) and the filters
that replaced some of them (NOTIONAL, PERCENT_PRICE_BY_SIDE). A filter type not in this list is
kept as `UnknownFilter` with its raw JSON and reported by the loader, never dropped.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "MULT_SCALE",
    "IcebergParts",
    "InstrumentFilters",
    "LotSize",
    "MaxNumAlgoOrders",
    "MaxNumOrders",
    "MaxPosition",
    "MinNotional",
    "Notional",
    "PercentPrice",
    "PercentPriceBySide",
    "PriceFilter",
    "UnknownFilter",
]

# Percent-price multipliers ("5", "0.2", "1.2") are ints scaled by 10**8.
MULT_SCALE = 10**8


class PriceFilter(msgspec.Struct, frozen=True, kw_only=True):
    """PRICE_FILTER: price bounds and tick; valid when (price - min_price) % tick == 0."""

    min_price: int  # price units; 0 = no lower bound
    max_price: int  # price units; 0 = no upper bound
    tick: int  # price units; 0 = any price


class PercentPrice(msgspec.Struct, frozen=True, kw_only=True):
    """PERCENT_PRICE: ref*down <= price <= ref*up (ref: the average price over avg_price_mins)."""

    multiplier_up: int  # MULT_SCALE units
    multiplier_down: int  # MULT_SCALE units
    avg_price_mins: int  # minutes of the exchange's average price (we use our reference price)


class PercentPriceBySide(msgspec.Struct, frozen=True, kw_only=True):
    """PERCENT_PRICE_BY_SIDE: PERCENT_PRICE with separate multipliers for bids and asks."""

    bid_multiplier_up: int  # MULT_SCALE units
    bid_multiplier_down: int
    ask_multiplier_up: int
    ask_multiplier_down: int
    avg_price_mins: int


class LotSize(msgspec.Struct, frozen=True, kw_only=True):
    """LOT_SIZE (and MARKET_LOT_SIZE): quantity bounds and step; (qty - min_qty) % step == 0."""

    min_qty: int  # size units; 0 = no lower bound
    max_qty: int  # size units; 0 = no upper bound
    step: int  # size units; 0 = any quantity


class MinNotional(msgspec.Struct, frozen=True, kw_only=True):
    """MIN_NOTIONAL (2021): price * qty >= min_notional; for market orders only if applied."""

    min_notional: int  # price*size units
    apply_to_market: bool
    avg_price_mins: int


class Notional(msgspec.Struct, frozen=True, kw_only=True):
    """NOTIONAL (current): min and max notional, each optionally applied to market orders."""

    min_notional: int  # price*size units
    apply_min_to_market: bool
    max_notional: int  # price*size units; 0 = no upper bound
    apply_max_to_market: bool
    avg_price_mins: int


class IcebergParts(msgspec.Struct, frozen=True, kw_only=True):
    """ICEBERG_PARTS: how many visible parts an iceberg order may have (Bot4 sends no icebergs)."""

    limit: int


class MaxNumOrders(msgspec.Struct, frozen=True, kw_only=True):
    """MAX_NUM_ORDERS: open orders allowed on the symbol."""

    max_num_orders: int


class MaxNumAlgoOrders(msgspec.Struct, frozen=True, kw_only=True):
    """MAX_NUM_ALGO_ORDERS: open stop orders allowed on the symbol (our STOP_LIMIT)."""

    max_num_algo_orders: int


class MaxPosition(msgspec.Struct, frozen=True, kw_only=True):
    """MAX_POSITION: the most base asset the account may hold, open buy orders included."""

    max_position: int  # size units


class UnknownFilter(msgspec.Struct, frozen=True, kw_only=True):
    """A filter type this version does not know: kept verbatim and reported at load."""

    filter_type: str
    raw: str  # the filter's JSON as the exchange sent it


class InstrumentFilters(msgspec.Struct, frozen=True, kw_only=True):
    """All exchange filters of one instrument; None = the exchange publishes no such filter."""

    price: PriceFilter | None = None
    percent_price: PercentPrice | None = None
    percent_price_by_side: PercentPriceBySide | None = None
    lot_size: LotSize | None = None
    market_lot_size: LotSize | None = None
    min_notional: MinNotional | None = None
    notional: Notional | None = None
    iceberg_parts: IcebergParts | None = None
    max_num_orders: MaxNumOrders | None = None
    max_num_algo_orders: MaxNumAlgoOrders | None = None
    max_position: MaxPosition | None = None
    unknown: tuple[UnknownFilter, ...] = ()  # reported by the loader; the risk engine fails closed
