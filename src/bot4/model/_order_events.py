"""Order events: past-tense facts about one order, the OMS's only way to change an order.

They live in the model, below both the OMS and the venues, because both speak them: a venue
receives `OrderSubmitted` and answers with `VenueEvent`s, the OMS journals and applies them.

Every event is a frozen msgspec Struct tagged with its class name, so the same objects are the
journal's records (`bot4.oms.journal`) and a replay feeds them back through the same code path.
They hold only scalars and strings, so `gc=False` is safe (no reference cycles are possible)
and saves the cyclic collector's tracking on the hot path.

*Denied* means our risk engine said no; *Rejected* means the venue did.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Self

import msgspec

from bot4.model._enums import OrderType, Side, TimeInForce
from bot4.model._instrument import InstrumentId
from bot4.model._orders import ClientOrderId, OrderRequest

__all__ = [
    "LiquiditySide",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderPendingCancel",
    "OrderPendingReplace",
    "OrderRejected",
    "OrderReplaceRejected",
    "OrderReplaced",
    "OrderSubmitted",
    "VenueEvent",
]


class LiquiditySide(Enum):
    MAKER = "MAKER"  # our resting order was hit: the maker fee applies
    TAKER = "TAKER"  # our order took liquidity from the book: the taker fee applies


class _OrderSpec(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """What an order is: every field needed to recreate it from the journal alone."""

    client_order_id: ClientOrderId  # unique per session (see ClientOrderIds)
    instrument_id: InstrumentId
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    qty: int  # size units, > 0
    price: int | None  # limit price in price units; None for MARKET
    trigger_price: int | None = None  # STOP_LIMIT trigger, price units
    reduce_only: bool = False  # may only shrink the position
    strategy_id: str = ""  # who asked
    ts_event: int  # ns, when the OMS decided (Clock.time_ns)

    @classmethod
    def from_request(cls, request: OrderRequest, ts_event: int, **extra: Any) -> Self:
        """The event for `request` as the OMS decided it at `ts_event` (`extra`: the denial's
        reason and detail)."""
        return cls(
            client_order_id=request.client_order_id,
            instrument_id=request.instrument_id,
            side=request.side,
            order_type=request.order_type,
            time_in_force=request.time_in_force,
            qty=request.qty,
            price=request.price,
            trigger_price=request.trigger_price,
            reduce_only=request.reduce_only,
            strategy_id=request.strategy_id,
            ts_event=ts_event,
            **extra,
        )


class OrderSubmitted(_OrderSpec, frozen=True, kw_only=True, tag=True, gc=False):
    """The risk engine accepted the order and the OMS sent it to the venue."""


class OrderDenied(_OrderSpec, frozen=True, kw_only=True, tag=True, gc=False):
    """The risk engine refused the order; it never left the process."""

    reason: str  # the DenyReason's name (or "DUPLICATE_CLIENT_ORDER_ID" from the OMS itself)
    detail: str = ""  # human-readable context from the check


class OrderAccepted(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The venue acknowledged the order and it is working there."""

    client_order_id: ClientOrderId
    venue_order_id: str  # the venue's id for the order
    ts_event: int  # ns, at the venue


class OrderRejected(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The venue refused the order (e.g. a post-only order that would take liquidity)."""

    client_order_id: ClientOrderId
    reason: str
    ts_event: int


class OrderFilled(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """A trade executed against the order; `fill_id` is unique per venue (duplicates ignored)."""

    client_order_id: ClientOrderId
    instrument_id: InstrumentId
    venue_order_id: str
    fill_id: str  # the venue's trade id; the same fill id twice is a duplicate
    side: Side
    last_qty: int  # size units, > 0
    last_price: int  # price units
    fee: int  # quote currency in notional units (price units * size units); negative = rebate
    liquidity: LiquiditySide
    ts_event: int


class OrderPendingCancel(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The OMS sent a cancel request; the venue has not answered yet."""

    client_order_id: ClientOrderId
    ts_event: int


class OrderCanceled(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The venue confirmed the order is no longer working (a late fill may still arrive)."""

    client_order_id: ClientOrderId
    ts_event: int


class OrderCancelRejected(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The venue refused a cancel (typically: the order already filled or is unknown)."""

    client_order_id: ClientOrderId
    reason: str
    ts_event: int


class OrderExpired(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The venue ended the order by its time in force (IOC/FOK remainder, market remainder)."""

    client_order_id: ClientOrderId
    ts_event: int


class OrderPendingReplace(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The OMS asked the venue to change qty/price; the venue has not answered yet."""

    client_order_id: ClientOrderId
    qty: int  # the new total quantity (filled part included), size units
    price: int | None  # the new limit price
    ts_event: int


class OrderReplaced(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The venue applied the new qty/price."""

    client_order_id: ClientOrderId
    qty: int
    price: int | None
    ts_event: int


class OrderReplaceRejected(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The venue refused the replace; the order keeps its old qty/price."""

    client_order_id: ClientOrderId
    reason: str
    ts_event: int


# What a venue sends back to the OMS.
VenueEvent = (
    OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderCanceled
    | OrderCancelRejected
    | OrderExpired
    | OrderReplaced
    | OrderReplaceRejected
)

# Every event that can change an order.
OrderEvent = OrderSubmitted | OrderDenied | OrderPendingCancel | OrderPendingReplace | VenueEvent
