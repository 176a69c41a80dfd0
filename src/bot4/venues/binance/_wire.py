"""Binance spot wire formats: the JSON the venue reads, and the order parameters it writes.

Each Struct decodes only the fields Bot4 uses, under Binance's names (comments say what they
are). Numbers stay strings here; the order tracker turns them into fixed-point ints with the
instrument's precisions. The user-data stream is a tagged union on `"e"`; an event type not
listed (balanceUpdate, ...) is skipped by `decode_stream` (None).
"""

from __future__ import annotations

from typing import Any

import msgspec

from bot4.errors import VenueError
from bot4.model import Instrument, OrderSubmitted, OrderType, TimeInForce

__all__ = [
    "AccountBalance",
    "AccountInfo",
    "ExecutionReport",
    "ListenKeyExpired",
    "OutboundAccountPosition",
    "RestFill",
    "RestOrder",
    "StreamBalance",
    "Trade",
    "decode_stream",
    "order_params",
]


class ExecutionReport(msgspec.Struct, tag_field="e", tag="executionReport", gc=False):
    """One order update from the user-data stream."""

    symbol: str = msgspec.field(name="s")
    client_order_id: str = msgspec.field(name="c")  # the order's id (a cancel's own id on CANCELED)
    # On CANCELED: the order's id ("" or null otherwise, by the docs' version).
    orig_client_order_id: str | None = msgspec.field(name="C", default=None)
    side: str = msgspec.field(name="S", default="")
    order_type: str = msgspec.field(name="o", default="")
    qty: str = msgspec.field(name="q", default="0")  # the order's quantity
    price: str = msgspec.field(name="p", default="0")
    execution_type: str = msgspec.field(name="x", default="")  # NEW, TRADE, CANCELED, EXPIRED, ...
    status: str = msgspec.field(name="X", default="")  # the order's status after this event
    reject_reason: str = msgspec.field(name="r", default="NONE")
    order_id: int = msgspec.field(name="i", default=0)
    last_qty: str = msgspec.field(name="l", default="0")
    cum_qty: str = msgspec.field(name="z", default="0")
    last_price: str = msgspec.field(name="L", default="0")
    commission: str = msgspec.field(name="n", default="0")
    commission_asset: str | None = msgspec.field(name="N", default=None)
    transact_ms: int = msgspec.field(name="T", default=0)
    trade_id: int = msgspec.field(name="t", default=-1)
    maker: bool = msgspec.field(name="m", default=False)


class StreamBalance(msgspec.Struct, gc=False):
    asset: str = msgspec.field(name="a")
    free: str = msgspec.field(name="f")
    locked: str = msgspec.field(name="l")


class OutboundAccountPosition(msgspec.Struct, tag_field="e", tag="outboundAccountPosition"):
    """The balances that changed (after every order event that moves funds)."""

    event_ms: int = msgspec.field(name="E", default=0)
    balances: list[StreamBalance] = msgspec.field(name="B", default_factory=list)


class ListenKeyExpired(msgspec.Struct, tag_field="e", tag="listenKeyExpired"):
    """The stream's listenKey expired: a new one is needed (the stream reconnects)."""


StreamEvent = ExecutionReport | OutboundAccountPosition | ListenKeyExpired
_stream: msgspec.json.Decoder[StreamEvent] = msgspec.json.Decoder(StreamEvent)
_any = msgspec.json.Decoder(dict[str, Any])
_KINDS = ("executionReport", "outboundAccountPosition", "listenKeyExpired")


def decode_stream(frame: bytes | str) -> StreamEvent | None:
    """One user-data-stream frame; None for an event type Bot4 does not use.

    The bare event (`/ws/<listenKey>`) is the fast path; the wrapped forms (`{"stream", "data"}`
    of a combined stream, `{"subscriptionId", "event"}` of the WebSocket API) are unwrapped.
    Raises VenueError for a frame that is not JSON or a known event with a bad field.
    """
    try:
        return _stream.decode(frame)
    except msgspec.ValidationError as exc:
        error: Exception = exc
    except msgspec.DecodeError as exc:
        raise VenueError(f"user-data stream frame is not JSON: {exc}") from None
    doc = _any.decode(frame)
    inner = doc.get("event", doc.get("data"))
    if isinstance(inner, dict):
        doc = inner
        try:
            event: StreamEvent = msgspec.convert(inner, StreamEvent)
            return event
        except msgspec.ValidationError as exc:
            error = exc
    kind = doc.get("e")
    if kind in _KINDS:
        raise VenueError(f"bad {kind} frame: {error}") from None
    return None


class RestFill(msgspec.Struct, rename="camel", gc=False):
    """A fill inside a FULL new-order response."""

    price: str
    qty: str
    commission: str = "0"
    commission_asset: str | None = None
    trade_id: int = -1


class RestOrder(msgspec.Struct, rename="camel", gc=False):
    """An order as REST returns it (new order RESULT/FULL, query, cancel, openOrders)."""

    symbol: str
    order_id: int
    client_order_id: str = ""
    orig_client_order_id: str = ""  # cancel answers: the order's id (clientOrderId is the cancel's)
    price: str = "0"
    orig_qty: str = "0"
    executed_qty: str = "0"
    status: str = ""  # NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED, ...
    time_in_force: str = ""
    type: str = ""
    side: str = ""
    transact_time: int = 0  # ms, new/cancel answers
    update_time: int = 0  # ms, query answers
    fills: list[RestFill] = []

    @property
    def ts_ms(self) -> int:
        return self.transact_time or self.update_time


class Trade(msgspec.Struct, rename="camel", gc=False):
    """One of our trades (GET /api/v3/myTrades)."""

    symbol: str
    id: int  # the trade id: our fill id
    order_id: int
    price: str
    qty: str
    commission: str = "0"
    commission_asset: str | None = None
    time: int = 0  # ms
    is_buyer: bool = False
    is_maker: bool = False


class AccountBalance(msgspec.Struct, gc=False):
    asset: str
    free: str
    locked: str


class AccountInfo(msgspec.Struct):
    """GET /api/v3/account (only the balances)."""

    balances: list[AccountBalance] = []


_TYPES = {
    (OrderType.LIMIT, TimeInForce.POST_ONLY): ("LIMIT_MAKER", None),
    (OrderType.LIMIT, TimeInForce.GTC): ("LIMIT", "GTC"),
    (OrderType.LIMIT, TimeInForce.IOC): ("LIMIT", "IOC"),
    (OrderType.LIMIT, TimeInForce.FOK): ("LIMIT", "FOK"),
    (OrderType.MARKET, TimeInForce.GTC): ("MARKET", None),
    (OrderType.MARKET, TimeInForce.IOC): ("MARKET", None),
    (OrderType.MARKET, TimeInForce.FOK): ("MARKET", None),
}


def order_params(
    order: OrderSubmitted,
    instrument: Instrument,
    venue_client_order_id: str,
    qty: int | None = None,
) -> list[tuple[str, str]]:
    """New-order parameters (POST /api/v3/order) for `order`, `qty` overriding its quantity.

    LIMIT + POST_ONLY is a LIMIT_MAKER; MARKET ignores the time in force (Binance has none for
    it). Raises VenueError for what spot cannot take (STOP_LIMIT is not supported yet).
    """
    kind = _TYPES.get((order.order_type, order.time_in_force))
    if kind is None:
        raise VenueError(
            f"{order.order_type.value}/{order.time_in_force.value} is not supported on Binance spot"
        )
    order_type, tif = kind
    params = [
        ("symbol", instrument.symbol),
        ("side", order.side.name),
        ("type", order_type),
    ]
    if tif is not None:
        params.append(("timeInForce", tif))
    params.append(("quantity", instrument.qty_str(order.qty if qty is None else qty)))
    if order_type != "MARKET":
        if order.price is None:
            raise VenueError(f"{order.client_order_id}: a {order_type} order needs a price")
        params.append(("price", instrument.price_str(order.price)))
    params.append(("newClientOrderId", venue_client_order_id))
    params.append(("newOrderRespType", "FULL"))
    return params
