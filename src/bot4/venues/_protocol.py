"""The Venue protocol: what the OMS needs from any place that executes orders.

The paper venue and every live exchange adapter implement exactly this, so the OMS cannot tell
them apart. Requests go out as plain calls that return at once (a live adapter queues the I/O);
everything the venue decides comes back as events through the handler the OMS registers, possibly
inside the same call (a paper venue with zero latency acks and fills before `submit` returns).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from bot4.model import ClientOrderId, InstrumentId, OrderSubmitted, VenueEvent

__all__ = ["Venue", "VenueEventHandler"]

VenueEventHandler = Callable[[VenueEvent], None]


@runtime_checkable
class Venue(Protocol):
    """Submit, cancel and replace orders; answers arrive as `VenueEvent`s via the handler."""

    name: str

    def set_event_handler(self, handler: VenueEventHandler) -> None:
        """Where events go (the OrderManager registers itself); one handler per venue."""
        ...

    def submit(self, order: OrderSubmitted) -> None:
        """Send a new order (the journaled `OrderSubmitted` carries every field)."""
        ...

    def cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> None:
        """Ask to cancel; answered by OrderCanceled or OrderCancelRejected."""
        ...

    def replace(
        self,
        client_order_id: ClientOrderId,
        instrument_id: InstrumentId,
        qty: int,
        price: int | None,
    ) -> None:
        """Ask to change qty (total, fills included) and price; OrderReplaced or ...Rejected."""
        ...
