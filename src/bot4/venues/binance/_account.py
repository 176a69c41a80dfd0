"""What reconciliation reads from the venue: orders as the exchange sees them, and balances.

Plain value types in Bot4's units, built from Binance's answers (`_wire`). A replaced order
works on Binance under `<coid>.r<n>`; `our_client_order_id` maps it back to the OMS's id.
"""

from __future__ import annotations

import re

import msgspec

from bot4.model import ClientOrderId, Instrument, InstrumentId, Side, to_fixed
from bot4.venues.binance._wire import AccountBalance, RestOrder, StreamBalance

__all__ = [
    "BALANCE_PRECISION",
    "Balance",
    "VenueOrder",
    "balance_of",
    "our_client_order_id",
    "venue_order",
]

BALANCE_PRECISION = 8  # Binance writes every balance with 8 decimals
_REPLACED = re.compile(r"^(.+)\.r\d+$")


def our_client_order_id(venue_client_order_id: str) -> ClientOrderId:
    """The OMS's id of an order Binance knows as `venue_client_order_id`."""
    m = _REPLACED.match(venue_client_order_id)
    return ClientOrderId(m.group(1) if m else venue_client_order_id)


class VenueOrder(msgspec.Struct, frozen=True, kw_only=True):
    """One order as Binance reports it, in the instrument's units."""

    client_order_id: ClientOrderId  # ours (a replacement's suffix removed)
    venue_client_order_id: str  # as Binance knows it
    venue_order_id: str
    instrument_id: InstrumentId
    side: Side
    qty: int  # this Binance order's quantity (after a replace: the part re-placed)
    price: int | None  # None for MARKET
    filled_qty: int
    status: str  # Binance's: NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED
    ts_ms: int  # Binance's last update time


def venue_order(order: RestOrder, instrument: Instrument) -> VenueOrder:
    vid = order.client_order_id or order.orig_client_order_id
    return VenueOrder(
        client_order_id=our_client_order_id(vid),
        venue_client_order_id=vid,
        venue_order_id=str(order.order_id),
        instrument_id=instrument.id,
        side=Side.BUY if order.side == "BUY" else Side.SELL,
        qty=instrument.qty(order.orig_qty),
        price=None if order.type == "MARKET" else instrument.price(order.price),
        filled_qty=instrument.qty(order.executed_qty),
        status=order.status,
        ts_ms=order.ts_ms,
    )


class Balance(msgspec.Struct, frozen=True, kw_only=True):
    """One asset's balance, in units of 10**-BALANCE_PRECISION."""

    asset: str
    free: int  # available
    locked: int  # held by open orders


def balance_of(b: AccountBalance | StreamBalance) -> Balance:
    return Balance(
        asset=b.asset,
        free=to_fixed(b.free, BALANCE_PRECISION),
        locked=to_fixed(b.locked, BALANCE_PRECISION),
    )
