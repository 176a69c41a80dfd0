"""What a strategy asks for: an order request, before the risk engine and the OMS see it.

An `OrderRequest` is a command, not an order: the risk engine checks it (`Accepted | Denied`),
and only then does the OMS turn it into an Order with a lifecycle. Prices and quantities are
fixed-point ints of the instrument (price units, size units), never floats.
"""

from __future__ import annotations

from typing import NewType

import msgspec

from bot4.model._enums import OrderType, Side, TimeInForce
from bot4.model._instrument import InstrumentId

__all__ = ["ClientOrderId", "OrderRequest"]

# Our id for an order, unique per session: a reused id is denied as a duplicate by the risk engine.
ClientOrderId = NewType("ClientOrderId", str)


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A strategy's request to place one order.

    Frozen, so it can be shared along the hot path (risk -> OMS -> journal) without copies.
    """

    client_order_id: ClientOrderId  # unique per session; reuse is denied (duplicate)
    instrument_id: InstrumentId  # "<EXCHANGE>:<symbol>"
    side: Side  # BUY or SELL
    order_type: OrderType  # LIMIT, MARKET, STOP_LIMIT
    qty: int  # size units (10**-size_precision), > 0
    price: int | None  # limit price in price units; None for MARKET
    time_in_force: TimeInForce  # GTC, IOC, FOK, POST_ONLY
    reduce_only: bool = False  # may only shrink the position (never flip or grow it)
    strategy_id: str = ""  # who asked; carried into the journal
    ts_init: int  # ns, when the strategy built the request
    trigger_price: int | None = None  # STOP_LIMIT trigger in price units; None otherwise
