"""The OrderManager: every order's one owner, between the risk engine and the venue.

Flow of a new order (one synchronous call, no awaits, so a single asyncio loop needs no locks):

    submit(request) -> RiskEngine.check -> journal OrderSubmitted/OrderDenied -> Order
                    -> Venue.submit(OrderSubmitted)
    venue events    -> on_venue_event -> Order.apply (check, journal, apply)
                    -> Portfolio (fills) -> risk hooks -> listeners

Recovery (`rebuild`, in `_recovery.py`) replays the journal through the same methods.

Every record is appended to the journal *before* it changes an order or anyone hears of it.
Events that the state machine refuses are never applied: they are counted (`counters`) and kept
in `errors` (bounded), and logged. Duplicate fills are counted and ignored.

Kill switch: `halt()` journals TradingHalted, refuses every new order from then on and sends a
cancel for every open order before it returns (same call, so the same event-loop turn).

Bounded memory: `orders` holds the open orders and the latest `max_terminal_orders` terminal
ones (`_store.py`); a late venue event for an evicted order is counted
(`unknown_order_events`) and logged, like an event for an order never sent.

Replace: the new terms go through the risk engine as if the order were sent anew at them (its
own current terms taken out first, so it neither blocks itself nor counts twice); a denial
refuses the replace and the original order stands, unchanged at the venue and in the engine.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from bot4.clock import Clock
from bot4.errors import ConfigError, OrderStateError, OverfillError, VenueError
from bot4.model import (
    ClientOrderId,
    InstrumentId,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderRequest,
    OrderSubmitted,
    Side,
    VenueEvent,
)
from bot4.oms._counters import DEFAULT_MAX_TERMINAL_ORDERS, OmsCounters
from bot4.oms._gate import RiskGate
from bot4.oms._marks import PendingMarks
from bot4.oms._order import OPEN_STATUSES, EventKind, Order
from bot4.oms._position import Portfolio
from bot4.oms._store import OrderStore
from bot4.oms.journal import Journal, JournalRecord, TradingHalted, TradingResumed
from bot4.risk import KillSwitchEvent, KillSwitchReset

if TYPE_CHECKING:
    from bot4.venues import Venue

__all__ = ["OrderManager"]

log = logging.getLogger(__name__)

OrderListener = Callable[[Order, OrderEvent], None]


def _reason_name(reason: object) -> str:
    return reason.name if isinstance(reason, Enum) else str(reason)


class OrderManager:
    """Owns every order; see the module docstring for the flow and the guarantees."""

    def __init__(
        self,
        *,
        clock: Clock,
        risk: RiskGate,
        venue: Venue,
        journal: Journal,
        portfolio: Portfolio,
        max_errors: int = 1000,
        max_terminal_orders: int = DEFAULT_MAX_TERMINAL_ORDERS,
    ) -> None:
        if max_terminal_orders < 0:
            raise ConfigError(f"max_terminal_orders must be >= 0, got {max_terminal_orders}")
        self._clock = clock
        self._risk = risk
        self._venue = venue
        self._journal = journal
        self._append: Callable[[JournalRecord], int] = journal.append
        self.portfolio = portfolio
        self.counters = OmsCounters()
        self._store = OrderStore(max_terminal_orders, self.counters)
        # Open orders and the latest `max_terminal_orders` terminal ones (denied too), by id.
        self.orders: dict[ClientOrderId, Order] = self._store.orders
        self.max_terminal_orders = max_terminal_orders
        # True after a kill-switch trip until resume(): every new order is denied.
        self.halted = False
        # The latest refused events, newest last (bounded: a storm cannot eat memory).
        self.errors: deque[str] = deque(maxlen=max_errors)
        self._listeners: list[OrderListener] = []
        # True inside replay(): no journaling, no risk hooks (the engine is synced after).
        self._replaying = False
        self._marks = PendingMarks(clock, portfolio, risk)
        self._pending = self._marks.pending  # read on the order path: anything to apply?
        venue.set_event_handler(self.on_venue_event)

    # -- queries --------------------------------------------------------------------------

    def open_orders(self, instrument_id: InstrumentId | None = None) -> list[Order]:
        return self._store.open_orders(instrument_id)

    def open_order_count(self, instrument_id: InstrumentId | None = None) -> int:
        return self._store.open_order_count(instrument_id)

    def open_qty(self, instrument_id: InstrumentId, side: Side) -> int:
        """Unfilled quantity of the open orders on one side of one instrument."""
        return self._store.open_qty(instrument_id, side)

    def subscribe(self, listener: OrderListener) -> None:
        """Call `listener(order, event)` after every applied event (strategies, metrics)."""
        self._listeners.append(listener)

    # -- commands -------------------------------------------------------------------------

    def submit(self, request: OrderRequest) -> Order:
        """Check `request` with the risk engine and send it, or record the denial.

        Returns the Order (SUBMITTED, or later if the venue answered within the call; DENIED
        with `reason` when refused). Raises OrderStateError for a reused client order id.
        """
        coid = request.client_order_id
        if coid in self.orders:
            raise OrderStateError(f"duplicate client order id {coid}")
        if self.halted and not request.reduce_only:
            return self._deny(request, "TRADING_HALTED", "the kill switch tripped")
        if self._pending:
            self._marks.flush_one(request.instrument_id)
        verdict = self._risk.check(request)
        if not verdict:
            reason = _reason_name(getattr(verdict, "reason", "DENIED"))
            return self._deny(request, reason, str(getattr(verdict, "detail", "")))
        event = OrderSubmitted.from_request(request, self._clock.time_ns())
        self._append(event)
        order = self._open_new(event)
        try:
            self._venue.submit(event)
        except VenueError as exc:  # could not even send it: the venue never saw the order
            self.on_venue_event(
                OrderRejected(
                    client_order_id=coid,
                    reason=f"VENUE_ERROR: {exc}",
                    ts_event=self._clock.time_ns(),
                )
            )
        return order

    def cancel(self, client_order_id: ClientOrderId) -> bool:
        """Ask the venue to cancel an open order; False when it is not open or already pending."""
        order = self.orders.get(client_order_id)
        if order is None or not order.can_apply(EventKind.PENDING_CANCEL):
            return False
        if not self._risk.check_cancel(client_order_id, order.instrument_id):
            return False
        event = OrderPendingCancel(client_order_id=client_order_id, ts_event=self._clock.time_ns())
        self._append(event)
        order.apply_checked(event)
        self.counters.cancels_sent += 1
        if self._listeners:
            self._notify(order, event)
        try:
            self._venue.cancel(client_order_id, order.instrument_id)
        except VenueError as exc:  # the order is still working: say so, a retry may follow
            self.on_venue_event(
                OrderCancelRejected(
                    client_order_id=client_order_id,
                    reason=f"VENUE_ERROR: {exc}",
                    ts_event=self._clock.time_ns(),
                )
            )
        return True

    def cancel_all(self, instrument_id: InstrumentId | None = None) -> int:
        """Send a cancel for every open order (of one instrument); returns how many were sent."""
        return sum(self.cancel(o.client_order_id) for o in self.open_orders(instrument_id))

    def replace(self, client_order_id: ClientOrderId, qty: int, price: int | None) -> bool:
        """Ask the venue to change a working LIMIT order's total qty and price.

        `qty` may not exceed the original quantity (and must stay above what is filled), it is
        refused while halted, and the new terms must pass the risk engine (`_risk_allows`).
        Returns False when the order cannot be replaced now; the order then stands unchanged.
        """
        order = self.orders.get(client_order_id)
        if (
            order is None
            or self.halted
            or not order.can_apply(EventKind.PENDING_REPLACE)
            or not order.filled_qty < qty <= order.qty
            or (price is None) != (order.price is None)
        ):
            return False
        denial = self._risk_allows(order, qty, price)
        if denial is not None:
            self.counters.replaces_denied += 1
            log.info("replace of %s refused by risk: %s", client_order_id, denial)
            return False
        event = OrderPendingReplace(
            client_order_id=client_order_id, qty=qty, price=price, ts_event=self._clock.time_ns()
        )
        self._append(event)
        order.apply_checked(event)
        self.counters.replaces_sent += 1
        if self._listeners:
            self._notify(order, event)
        try:
            self._venue.replace(client_order_id, order.instrument_id, qty, price)
        except VenueError as exc:
            self.on_venue_event(
                OrderReplaceRejected(
                    client_order_id=client_order_id,
                    reason=f"VENUE_ERROR: {exc}",
                    ts_event=self._clock.time_ns(),
                )
            )
        return True

    def _risk_allows(self, order: Order, qty: int, price: int | None) -> str | None:
        """None when the risk engine accepts `order` at the new terms, else the denial reason.

        `check_replace` judges the new remaining qty and price with the order's current terms
        taken out and records nothing; the engine moves to the new terms only when the venue
        confirms the replace (`on_venue_event`). It spends an order-rate token like a new order
        (venues count an amendment as an order).
        """
        req = order.as_request(qty - order.filled_qty, price)
        if self._pending:
            self._marks.flush_one(order.instrument_id)
        verdict = self._risk.check_replace(order.client_order_id, req)
        if verdict:
            return None
        reason = _reason_name(getattr(verdict, "reason", "DENIED"))
        return f"{reason}: {getattr(verdict, 'detail', '')}"

    def halt(self, source: str, reason: str) -> int:
        """The kill switch: journal it, refuse new orders, cancel every open order now.

        Returns the number of cancels sent. Idempotent: a second trip sends cancels only for
        orders that are still open and not already pending cancel.
        """
        self._append(TradingHalted(source=source, reason=reason, ts_event=self._clock.time_ns()))
        self.halted = True
        log.warning("trading halted by %s: %s", source, reason)
        return self.cancel_all()

    def on_kill_switch(self, event: KillSwitchEvent) -> None:
        """`KillSwitch.subscribe` target: a trip halts (cancel all, then the flatten orders it
        carries, which are reduce-only exits); a reset resumes."""
        if isinstance(event, KillSwitchReset):
            self.resume(event.by)
            return
        trigger = event.trigger
        self.halt(trigger.source, f"{trigger.reason} (by {trigger.by})")
        for request in event.flatten_orders:
            self.submit(request)

    def kill_switch_handler(
        self, call_soon_threadsafe: Callable[..., object] | None = None
    ) -> Callable[[KillSwitchEvent], None]:
        """The callback to give `KillSwitch.subscribe`, bound to the calling (event-loop) thread.

        The OMS is single-threaded, but `KillSwitch.trip` may run on any thread (the control
        API, a storage worker). A trip on the owning thread is handled inside the trip call; from
        another thread it is handed to the loop with `call_soon_threadsafe` (pass
        `loop.call_soon_threadsafe`), so every cancel goes out on the loop's next turn.
        """
        owner = threading.get_ident()
        on_kill_switch = self.on_kill_switch

        def handler(event: KillSwitchEvent) -> None:
            if call_soon_threadsafe is not None and threading.get_ident() != owner:
                call_soon_threadsafe(on_kill_switch, event)
            else:
                on_kill_switch(event)

        return handler

    def resume(self, source: str) -> None:
        """The kill switch was reset: accept new orders again."""
        self._append(TradingResumed(source=source, ts_event=self._clock.time_ns()))
        self.halted = False

    # -- venue events ---------------------------------------------------------------------

    def on_venue_event(self, event: VenueEvent) -> None:
        """Apply one event from the venue (the venue's handler; also used by replay)."""
        order = self.orders.get(event.client_order_id)
        if order is None:
            self.counters.unknown_order_events += 1
            self._error(
                f"{type(event).__name__} for unknown (never sent, or evicted) order "
                f"{event.client_order_id}"
            )
            return
        was_open = order.status in OPEN_STATUSES
        remaining_before = order.qty - order.filled_qty
        try:
            # Checks, journals (before any change), applies; refusals change nothing.
            if not order.apply(event, self._append):
                self.counters.duplicate_fills += 1
                return
        except OverfillError as exc:
            self.counters.overfills += 1
            self._error(str(exc))
            return
        except OrderStateError as exc:
            self.counters.invalid_events += 1
            self._error(str(exc))
            return
        if type(event) is OrderFilled:
            self.counters.fills += 1
            iid = order.instrument_id
            if self._pending:  # the fill opens a position: marked at the latest price first
                self._marks.flush_one(iid)
            portfolio = self.portfolio
            portfolio.apply_fill(iid, order.side, event.last_qty, event.last_price, event.fee)
            if not self._replaying:  # (a replay brings the risk engine in step once, after)
                risk = self._risk
                if was_open:
                    risk.on_fill(order.client_order_id, event.last_qty, event.last_price)
                else:  # a late fill: the engine closed this order; set its position outright
                    risk.set_position(iid, portfolio.position_qty(iid), event.last_price)
                risk.on_equity(portfolio.equity())
        elif type(event) is OrderReplaced and not self._replaying:
            # The venue confirmed the new terms: the engine counts the order at them now.
            self._risk.on_order_closed(order.client_order_id)
            if order.status in OPEN_STATUSES:
                self._risk.on_order_opened(order.as_request(order.remaining, order.price))
        if self._store.update(order, was_open, remaining_before) and not self._replaying:
            self._risk.on_order_closed(order.client_order_id)
        if self._listeners:
            self._notify(order, event)

    def on_mark(self, instrument_id: InstrumentId, price: int, ts_ns: int | None = None) -> None:
        """A mark/reference price (book mid or last trade): positions, equity, risk; a flat
        position's waits for the next check or fill (see `PendingMarks`)."""
        self._marks.on_mark(instrument_id, price, ts_ns)

    def flush_marks(self) -> None:
        """Apply every pending mark (before reading marks or reference prices in bulk)."""
        self._marks.flush()

    # -- internals ------------------------------------------------------------------------

    def _deny(self, request: OrderRequest, reason: str, detail: str) -> Order:
        event = OrderDenied.from_request(
            request, self._clock.time_ns(), reason=reason, detail=detail
        )
        self._append(event)
        return self._add_denied(event)

    def _add_denied(self, event: OrderDenied) -> Order:
        order = Order(event)
        order.apply_checked(event)
        self._store.add_terminal(order)
        self.counters.denied += 1
        if self._listeners:
            self._notify(order, event)
        return order

    def _open_new(self, event: OrderSubmitted) -> Order:
        order = Order(event)
        order.apply_checked(event)
        self._store.add_open(order)
        self.counters.submitted += 1
        if self._listeners:
            self._notify(order, event)
        return order

    def _notify(self, order: Order, event: OrderEvent) -> None:
        for listener in self._listeners:
            listener(order, event)

    def _error(self, message: str) -> None:
        self.errors.append(message)
        log.error("order event refused: %s", message)
