"""The Venue protocol: what the OMS needs from any place that executes orders.

The paper venue and every live exchange adapter implement exactly this, so the OMS cannot tell
them apart. Requests go out as plain calls that return at once (a live adapter queues the I/O);
everything the venue decides comes back as events through the handler the OMS registers, possibly
inside the same call (a paper venue with zero latency acks and fills before `submit` returns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot4.model import ClientOrderId, InstrumentId, OrderSubmitted, VenueEvent

if TYPE_CHECKING:
    from bot4.resilience import CircuitBreaker
    from bot4.venues._book import BookView

__all__ = ["ExecutionVenue", "Venue", "VenueEventHandler"]

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


@runtime_checkable
class ExecutionVenue(Venue, Protocol):
    """What a running node needs from its venue beyond the OMS's `Venue`.

    The node hands it every book and market event (a paper venue fills against them; a live
    venue may ignore them), calls `process_due` when time moves (delayed requests, timeouts),
    and registers its breakers with the node's global breaker. A venue plugs into
    `bot4 run` through `bot4.engine.VENUES` alone when it implements this.
    """

    @property
    def breakers(self) -> Mapping[str, CircuitBreaker]:
        """The venue's own circuit breakers by name (REST, user-data stream); may be empty."""
        ...

    def add_book(self, instrument_id: InstrumentId, book: BookView) -> None:
        """The feed's current book of an instrument (called once per new book)."""
        ...

    def on_market_event(self, event: object) -> None:
        """Every event the feed handler produced (trades, book deltas, ...), in order."""
        ...

    def process_due(self) -> int:
        """Run whatever became due by now; returns how many actions ran."""
        ...

    def next_due_ns(self) -> int | None:
        """Monotonic time of the next due action, None when nothing waits."""
        ...
