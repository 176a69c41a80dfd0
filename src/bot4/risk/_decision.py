"""What `RiskEngine.check` returns: `Accepted`, or `Denied` with a typed reason.

"Denied" is our risk engine's no; "Rejected" is a venue's (never used here).
"""

from __future__ import annotations

from enum import Enum

import msgspec

__all__ = ["ACCEPTED", "Accepted", "Decision", "Denied", "DenyReason"]


class DenyReason(Enum):
    """Why an order was denied, one member per check (in check order)."""

    TRADING_HALTED = "TRADING_HALTED"  # kill switch tripped: only cancels and exits pass
    TRADING_REDUCING = "TRADING_REDUCING"  # operator state REDUCING: order does not reduce
    UNKNOWN_INSTRUMENT = "UNKNOWN_INSTRUMENT"  # not in the engine's instrument set
    INSTRUMENT_NOT_TRADABLE = "INSTRUMENT_NOT_TRADABLE"  # status, operator switch, unknown filter
    INVALID_ORDER = "INVALID_ORDER"  # qty <= 0, price missing/extra, type/tif mismatch
    REDUCE_ONLY_VIOLATION = "REDUCE_ONLY_VIOLATION"  # reduce_only but it would grow/flip
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"  # client order id used before
    PRICE_FILTER = "PRICE_FILTER"  # off tick, or outside min/max price
    LOT_SIZE = "LOT_SIZE"  # off step, or outside min/max qty (LOT_SIZE / MARKET_LOT_SIZE)
    MAX_ORDER_QTY = "MAX_ORDER_QTY"  # over the configured per-order quantity
    MAX_OPEN_ORDERS = "MAX_OPEN_ORDERS"  # per instrument (config, MAX_NUM_ORDERS/ALGO) or total
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"  # no mid/last price known for the instrument
    STALE_REFERENCE_PRICE = "STALE_REFERENCE_PRICE"  # reference older than its max age
    MIN_NOTIONAL = "MIN_NOTIONAL"  # exchange MIN_NOTIONAL / NOTIONAL minimum
    MAX_NOTIONAL = "MAX_NOTIONAL"  # exchange NOTIONAL maximum
    MAX_ORDER_NOTIONAL = "MAX_ORDER_NOTIONAL"  # configured per-order notional
    PRICE_COLLAR = "PRICE_COLLAR"  # limit price too far from the reference (fat finger)
    PERCENT_PRICE = "PERCENT_PRICE"  # exchange PERCENT_PRICE(_BY_SIDE) multipliers
    DAILY_LOSS = "DAILY_LOSS"  # daily loss limit breached (the kill switch has tripped)
    DRAWDOWN = "DRAWDOWN"  # drawdown limit breached (the kill switch has tripped)
    SELF_TRADE = "SELF_TRADE"  # would cross our own resting order
    MAX_POSITION = "MAX_POSITION"  # position + same-side open orders + order over the limit
    MAX_GROSS_EXPOSURE = "MAX_GROSS_EXPOSURE"
    MAX_NET_EXPOSURE = "MAX_NET_EXPOSURE"
    MAX_CORRELATED_EXPOSURE = "MAX_CORRELATED_EXPOSURE"  # sqrt(wᵀCw) with the order over limit
    THROTTLED = "THROTTLED"  # order/cancel token bucket (instrument or global) empty
    DUPLICATE_ORDER = "DUPLICATE_ORDER"  # same instrument/side/type/qty/price within the window


class Accepted(msgspec.Struct, frozen=True):
    """The order passed every check (one shared instance, `ACCEPTED`: no allocation)."""

    def __bool__(self) -> bool:
        return True


class Denied(msgspec.Struct, frozen=True):
    """The order failed a check: `reason` is machine-readable, `detail` is for people."""

    reason: DenyReason
    detail: str

    def __bool__(self) -> bool:
        return False


ACCEPTED = Accepted()

Decision = Accepted | Denied
