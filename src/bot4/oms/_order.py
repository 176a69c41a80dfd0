"""An order and its state machine: one explicit transition table, applied by events only.

An `Order` changes only through `apply(event)`. The table `TRANSITIONS` lists, for every status,
the events allowed and where they lead; anything else raises `OrderStateError` and changes
nothing (the OrderManager records and counts it). Fills have two extra rules that real venues
force on us:

- a fill whose `fill_id` was already applied is a duplicate: ignored (`apply` returns False);
- a fill that races a cancel is still applied: a CANCELED (or EXPIRED) order takes a late fill
  and stays CANCELED, because the position must follow what really traded. A fill that makes
  `filled_qty` exceed `qty` is an over-fill: `OverfillError`, never applied.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Final

from bot4.errors import OrderStateError, OverfillError
from bot4.model import (
    ClientOrderId,
    InstrumentId,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderRequest,
    OrderSubmitted,
    OrderType,
    Side,
    TimeInForce,
)

__all__ = ["OPEN_STATUSES", "TRANSITIONS", "EventKind", "Order", "OrderStatus"]


class OrderStatus(Enum):
    INITIALIZED = "INITIALIZED"  # built from a request, not yet past the risk engine
    DENIED = "DENIED"  # the risk engine said no (terminal)
    SUBMITTED = "SUBMITTED"  # risk accepted; sent to the venue, no answer yet
    ACCEPTED = "ACCEPTED"  # the venue acknowledged; working, nothing filled
    REJECTED = "REJECTED"  # the venue refused it (terminal)
    PARTIALLY_FILLED = "PARTIALLY_FILLED"  # some but not all of qty filled; still working
    FILLED = "FILLED"  # filled_qty == qty (terminal)
    PENDING_CANCEL = "PENDING_CANCEL"  # we asked the venue to cancel; may still fill
    CANCELED = "CANCELED"  # the venue confirmed the cancel (a late fill may still arrive)
    PENDING_REPLACE = "PENDING_REPLACE"  # we asked the venue to change qty/price
    EXPIRED = "EXPIRED"  # ended by its time in force (IOC/FOK/market remainder)

    # Enum's own __hash__ is a Python function (hash of the name); members are singletons
    # compared by identity, so the C identity hash is equivalent and keeps the table lookups
    # on the hot path cheap (measured: ~15 % of the OMS stage was Enum.__hash__).
    __hash__ = object.__hash__


class EventKind(Enum):
    SUBMIT = "SUBMIT"  # OrderSubmitted
    DENY = "DENY"  # OrderDenied
    ACCEPT = "ACCEPT"  # OrderAccepted
    REJECT = "REJECT"  # OrderRejected
    FILL = "FILL"  # OrderFilled
    PENDING_CANCEL = "PENDING_CANCEL"  # OrderPendingCancel
    CANCEL = "CANCEL"  # OrderCanceled
    CANCEL_REJECT = "CANCEL_REJECT"  # OrderCancelRejected
    EXPIRE = "EXPIRE"  # OrderExpired
    PENDING_REPLACE = "PENDING_REPLACE"  # OrderPendingReplace
    REPLACE = "REPLACE"  # OrderReplaced
    REPLACE_REJECT = "REPLACE_REJECT"  # OrderReplaceRejected

    __hash__ = object.__hash__  # identity hash, as for OrderStatus


_KIND_OF: Final[dict[type, EventKind]] = {
    OrderSubmitted: EventKind.SUBMIT,
    OrderDenied: EventKind.DENY,
    OrderAccepted: EventKind.ACCEPT,
    OrderRejected: EventKind.REJECT,
    OrderFilled: EventKind.FILL,
    OrderPendingCancel: EventKind.PENDING_CANCEL,
    OrderCanceled: EventKind.CANCEL,
    OrderCancelRejected: EventKind.CANCEL_REJECT,
    OrderExpired: EventKind.EXPIRE,
    OrderPendingReplace: EventKind.PENDING_REPLACE,
    OrderReplaced: EventKind.REPLACE,
    OrderReplaceRejected: EventKind.REPLACE_REJECT,
}


S = OrderStatus
K = EventKind
# Target None means "back to the working status": SUBMITTED, ACCEPTED or PARTIALLY_FILLED,
# whichever the order's ack and fills say (a refused cancel or replace, a confirmed replace).
# For FILL the target is where a fill that does NOT complete the order leads; a fill that makes
# filled_qty == qty always leads to FILLED.
_WORKING: Final[dict[EventKind, OrderStatus | None]] = {
    K.FILL: S.PARTIALLY_FILLED,
    K.PENDING_CANCEL: S.PENDING_CANCEL,
    K.CANCEL: S.CANCELED,
    K.EXPIRE: S.EXPIRED,
    K.PENDING_REPLACE: S.PENDING_REPLACE,
}
TRANSITIONS: Final[dict[OrderStatus, dict[EventKind, OrderStatus | None]]] = {
    S.INITIALIZED: {K.SUBMIT: S.SUBMITTED, K.DENY: S.DENIED},
    S.DENIED: {},
    # A fill or a cancel may overtake the ack (IOC orders, reordered venue streams).
    S.SUBMITTED: {
        K.ACCEPT: S.ACCEPTED,
        K.REJECT: S.REJECTED,
        K.FILL: S.PARTIALLY_FILLED,
        K.PENDING_CANCEL: S.PENDING_CANCEL,
        K.CANCEL: S.CANCELED,
        K.EXPIRE: S.EXPIRED,
    },
    S.ACCEPTED: dict(_WORKING),
    S.REJECTED: {},
    S.PARTIALLY_FILLED: dict(_WORKING),
    S.FILLED: {
        # The cancel or replace we sent raced the last fill; the venue answers "unknown order".
        K.CANCEL_REJECT: S.FILLED,
        K.REPLACE_REJECT: S.FILLED,
    },
    S.PENDING_CANCEL: {
        K.ACCEPT: S.PENDING_CANCEL,  # the ack overtaken by our cancel request
        K.REJECT: S.REJECTED,
        K.FILL: S.PENDING_CANCEL,
        K.CANCEL: S.CANCELED,
        K.CANCEL_REJECT: None,
        K.EXPIRE: S.EXPIRED,
        K.REPLACE: S.PENDING_CANCEL,  # a replace sent before the cancel, confirmed after it
        K.REPLACE_REJECT: S.PENDING_CANCEL,
    },
    S.CANCELED: {K.FILL: S.CANCELED},  # late fill: applied, status stays
    S.PENDING_REPLACE: {
        K.FILL: S.PENDING_REPLACE,
        K.PENDING_CANCEL: S.PENDING_CANCEL,
        K.CANCEL: S.CANCELED,
        K.EXPIRE: S.EXPIRED,
        K.REPLACE: None,
        K.REPLACE_REJECT: None,
    },
    S.EXPIRED: {K.FILL: S.EXPIRED},  # late fill, as for CANCELED
}
del S, K

# Orders that may still trade and count against open-order limits.
OPEN_STATUSES: Final[frozenset[OrderStatus]] = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_REPLACE,
    }
)


# Hoisted members for the hot path (an Enum member lookup is a class attribute lookup).
_FILLED = OrderStatus.FILLED
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
_ACCEPTED = OrderStatus.ACCEPTED
_SUBMITTED = OrderStatus.SUBMITTED


class Order:
    """One order's mutable state; created from its `OrderSubmitted` or `OrderDenied` event."""

    __slots__ = (
        "client_order_id",
        "fees",
        "fill_ids",
        "filled_notional",
        "filled_qty",
        "instrument_id",
        "order_type",
        "price",
        "qty",
        "reason",
        "reduce_only",
        "seen_ack",
        "side",
        "status",
        "strategy_id",
        "time_in_force",
        "trigger_price",
        "ts_init",
        "ts_last",
        "venue_order_id",
    )

    def __init__(self, spec: OrderSubmitted | OrderDenied) -> None:
        self.client_order_id: ClientOrderId = spec.client_order_id
        self.instrument_id: InstrumentId = spec.instrument_id
        self.side: Side = spec.side
        self.order_type: OrderType = spec.order_type
        self.time_in_force: TimeInForce = spec.time_in_force
        # Total quantity (size units), > 0; a confirmed replace may change it (never below filled).
        self.qty: int = spec.qty
        # Limit price (price units); None for MARKET. A confirmed replace may change it.
        self.price: int | None = spec.price
        self.trigger_price: int | None = spec.trigger_price
        self.reduce_only: bool = spec.reduce_only
        self.strategy_id: str = spec.strategy_id
        self.ts_init: int = spec.ts_event
        # Where the order is; changed only by apply() through TRANSITIONS.
        self.status: OrderStatus = OrderStatus.INITIALIZED
        # The venue's id, "" until the ack (or a fill) names it.
        self.venue_order_id: str = ""
        # True once the venue acknowledged the order (decides the "working" status).
        self.seen_ack: bool = False
        # Sum of fill quantities; 0 <= filled_qty <= qty always.
        self.filled_qty: int = 0
        # Sum of fill price * qty (price units * size units), for the exact average price.
        self.filled_notional: int = 0
        # Sum of fill fees in notional units (negative for rebates).
        self.fees: int = 0
        # Fill ids applied so far (duplicates are ignored); None until the first fill.
        self.fill_ids: set[str] | None = None
        # Why it was denied / rejected, or the last refused cancel/replace; "" otherwise.
        self.reason: str = ""
        # ts_event of the last applied event.
        self.ts_last: int = spec.ts_event

    @property
    def remaining(self) -> int:
        """Quantity not yet filled (>= 0); meaningful as "can still trade" only while open."""
        return self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def avg_px(self) -> int | None:
        """The average fill price in price units (floor), None before any fill."""
        return self.filled_notional // self.filled_qty if self.filled_qty else None

    def as_request(self, remaining: int, price: int | None) -> OrderRequest:
        """This order's remaining part at `price`, as a request (the risk engine's view of it)."""
        return OrderRequest(
            client_order_id=self.client_order_id,
            instrument_id=self.instrument_id,
            side=self.side,
            order_type=self.order_type,
            qty=remaining,
            price=price,
            time_in_force=self.time_in_force,
            reduce_only=self.reduce_only,
            strategy_id=self.strategy_id,
            ts_init=self.ts_init,
            trigger_price=self.trigger_price,
        )

    def _working(self) -> OrderStatus:
        if self.filled_qty:
            return _PARTIALLY_FILLED
        return _ACCEPTED if self.seen_ack else _SUBMITTED

    def can_apply(self, kind: EventKind) -> bool:
        return kind in TRANSITIONS[self.status]

    def check(self, event: OrderEvent) -> bool:
        """Whether `event` may be applied: True yes, False for a duplicate fill (to ignore).

        Raises OrderStateError when the event is not allowed from the current status and
        OverfillError when a fill (or a replace) would take filled_qty past qty.
        """
        return self._target(event) is not _DUPLICATE

    def apply(
        self, event: OrderEvent, journal: Callable[[OrderEvent], object] | None = None
    ) -> bool:
        """Check, then (after `journal(event)` when given) apply; False for a duplicate fill.

        Raises like `check`, before anything is journaled or changed. The OMS passes its
        journal's append so one call checks, journals and applies (one table lookup).
        """
        target = self._target(event)
        if target is _DUPLICATE:
            return False
        if journal is not None:
            journal(event)
        self._mutate(event, target)
        return True

    def apply_checked(self, event: OrderEvent) -> None:
        """Apply an event known to be allowed (the OMS's own requests, journal replay)."""
        self._mutate(event, TRANSITIONS[self.status][_KIND_OF[type(event)]])

    def _target(self, event: OrderEvent) -> OrderStatus | object | None:
        allowed = TRANSITIONS[self.status]
        kind = _KIND_OF[type(event)]
        if kind not in allowed:
            raise OrderStateError(
                f"order {self.client_order_id}: {type(event).__name__} not allowed "
                f"from {self.status.name}"
            )
        if isinstance(event, OrderFilled):
            if self.fill_ids is not None and event.fill_id in self.fill_ids:
                return _DUPLICATE
            if event.last_qty <= 0 or self.filled_qty + event.last_qty > self.qty:
                raise OverfillError(
                    f"order {self.client_order_id}: fill {event.fill_id} of {event.last_qty} "
                    f"with {self.filled_qty} of {self.qty} already filled"
                )
        elif isinstance(event, OrderReplaced) and event.qty < self.filled_qty:
            raise OverfillError(
                f"order {self.client_order_id}: replace to {event.qty} below filled "
                f"{self.filled_qty}"
            )
        return allowed[kind]

    def _mutate(self, event: OrderEvent, target: OrderStatus | object | None) -> None:
        if isinstance(event, OrderFilled):
            if self.fill_ids is None:
                self.fill_ids = {event.fill_id}
            else:
                self.fill_ids.add(event.fill_id)
            filled = self.filled_qty = self.filled_qty + event.last_qty
            self.filled_notional += event.last_price * event.last_qty
            self.fees += event.fee
            if not self.venue_order_id:
                self.venue_order_id = event.venue_order_id
            if filled == self.qty:
                target = _FILLED
        elif isinstance(event, OrderAccepted):
            self.seen_ack = True
            self.venue_order_id = event.venue_order_id
        elif isinstance(event, OrderReplaced):
            self.qty = event.qty
            self.price = event.price
            if event.qty == self.filled_qty:
                target = _FILLED
        elif isinstance(
            event, OrderDenied | OrderRejected | OrderCancelRejected | OrderReplaceRejected
        ):
            self.reason = event.reason
        self.status = target if isinstance(target, OrderStatus) else self._working()
        self.ts_last = event.ts_event


# Returned by _target for a fill whose id was already applied.
_DUPLICATE: Final = object()
