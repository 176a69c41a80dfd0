"""The paper venue: orders fill against the live order book, with no exchange involved.

It implements `Venue`, so the OMS cannot tell it from a live adapter. Its fill model is explicit
and configured by `PaperVenueConfig`; `fill_model_name()` names it in one line for reports.

- **Marketable orders walk the book.** A BUY takes the asks from the best up to its limit
  (MARKET: no limit), one fill per level at that level's price (so a large order pays the
  slippage of the levels it eats), as TAKER. Our own fills do not remove liquidity from the
  book: the book is the exchange's, and the next book update is the truth (documented
  optimism for orders large against the top levels).
- **Time in force.** IOC and MARKET: the part not filled at once expires. FOK: if the book
  within the limit cannot fill all of it, nothing fills and it expires. POST_ONLY: rejected if
  it would take liquidity. GTC: the rest rests.
- **Resting orders fill when the market trades through them** (`on_trade`): a trade beyond our
  price fills the whole remainder; a trade *at* our price first eats the queue ahead of us, then
  fills us. With `queue = "book"` (default) the queue ahead is the quantity the book shows at
  our price at placement (looked up in the best `queue_scan_depth` levels; 0 for a new level),
  and it shrinks only by trades at our price, never by cancels we cannot see (pessimistic);
  with `queue = "none"` nobody is ahead, so any trade at our price fills us (optimistic).
  With `fill_on_book_cross` (default on), a book update that crosses our price (`on_book`)
  also fills us at our price, up to the crossing quantity: the real levels at our price are
  gone and someone quotes through us. All resting fills are MAKER fills.
- **STOP_LIMIT** rests untriggered until a trade at or through its trigger, then acts as a
  LIMIT at its price (walks the book if marketable, rests otherwise).
- **Latency.** Every request (submit, cancel, replace) takes effect some Clock time after it
  is made: fixed (`latency_us`, or `latency = {kind = "fixed", us = ...}`) or drawn per request
  (`kind = "uniform"` or `"lognormal"`) from the venue's own `random.Random(seed)`, so a run
  replays identically. The requests of one order never overtake each other: a request takes
  at least as long as the same order's previous one still on its way. The shell calls
  `process_due()` when time moves (`next_due_ns()` says when). With zero fixed latency, the ack
  and the fills are delivered inside `submit` itself.
- **Fees**: ceil(notional * fee_ppm / 10**6) in notional units (price units * size units);
  maker or taker ppm from `fees.<EXCHANGE>` for the instrument's exchange, else the default
  `maker_fee_ppm` / `taker_fee_ppm`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot4.clock import Clock
from bot4.model import ClientOrderId, InstrumentId, OrderSubmitted
from bot4.venues._book import BookView
from bot4.venues._fill_model import (
    FeeRates,
    LatencyModel,
    PaperVenueConfig,
    describe_fill_model,
    fixed_latency_ns,
    latency_model,
    latency_sampler,
)
from bot4.venues._matching import Matcher

if TYPE_CHECKING:
    from bot4.resilience import CircuitBreaker

__all__ = ["FeeRates", "LatencyModel", "PaperVenue", "PaperVenueConfig"]


class PaperVenue(Matcher):
    """A `Venue` that fills against live books (see the module docstring for the rules)."""

    def __init__(
        self,
        clock: Clock,
        config: PaperVenueConfig | None = None,
        books: Mapping[InstrumentId, BookView] | None = None,
    ) -> None:
        config = config or PaperVenueConfig()
        super().__init__(clock, config, books)
        # Requests waiting for their latency: (due monotonic ns, sequence, order, action).
        self._due: list[tuple[int, int, ClientOrderId, Callable[[], None]]] = []
        self._seq = 0
        model = latency_model(config)
        # Owned: nothing else draws from it. Simulated latency, not security.
        self._rng = random.Random(config.seed)  # nosec B311
        # None for a fixed delay (then `_latency_ns` is it); else draws one delay in ns.
        self._sample = latency_sampler(model, self._rng)
        self._latency_ns = fixed_latency_ns(model) if self._sample is None else 0
        self._delayed = self._sample is not None or self._latency_ns > 0
        # Sampled latency only: per order, the due time of its latest request still waiting
        # (a later request never becomes due before it); dropped once that request has run.
        self._last_due: dict[ClientOrderId, int] = {}
        self._fill_model = describe_fill_model(config)
        # No external dependency, so no breaker (the `ExecutionVenue` protocol asks for them).
        self.breakers: Mapping[str, CircuitBreaker] = {}

    def fill_model_name(self) -> str:
        """The fill model and its parameters on one line, e.g. "walk-book taker; passive on
        trade-through and book cross, queue=book (top 50 levels); latency fixed 500us; fees
        maker 1000ppm / taker 1000ppm (BINANCE maker 200ppm / taker 400ppm)"."""
        return self._fill_model

    # -- Venue protocol -------------------------------------------------------------------

    def submit(self, order: OrderSubmitted) -> None:
        if self._delayed:
            self._later(order.client_order_id, lambda: self._new(order))
        else:
            self._new(order)

    def cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> None:
        if self._delayed:
            self._later(client_order_id, lambda: self._cancel(client_order_id, instrument_id))
        else:
            self._cancel(client_order_id, instrument_id)

    def replace(
        self,
        client_order_id: ClientOrderId,
        instrument_id: InstrumentId,
        qty: int,
        price: int | None,
    ) -> None:
        if self._delayed:
            self._later(
                client_order_id,
                lambda: self._replace(client_order_id, instrument_id, qty, price),
            )
        else:
            self._replace(client_order_id, instrument_id, qty, price)

    # -- time -----------------------------------------------------------------------------

    def _later(self, coid: ClientOrderId, action: Callable[[], None]) -> None:
        self._seq += 1
        now = self._clock.monotonic_ns()
        sample = self._sample
        if sample is None:
            # Fixed: due times never decrease (a monotonic clock plus a constant), and equal
            # ones run in request order (the sequence), so nothing can overtake.
            due = now + self._latency_ns
        else:
            due = now + sample()
            last = self._last_due.get(coid)
            if last is not None and last > due:
                due = last  # the same order's earlier request is still on its way: queue behind
            self._last_due[coid] = due
        heapq.heappush(self._due, (due, self._seq, coid, action))

    def next_due_ns(self) -> int | None:
        """Monotonic time of the next delayed request, None when none waits."""
        return self._due[0][0] if self._due else None

    def process_due(self) -> int:
        """Run every delayed request whose time has come (in due, then request order);
        returns how many."""
        now = self._clock.monotonic_ns()
        due = self._due
        last_due = self._last_due
        n = 0
        while due and due[0][0] <= now:
            at, _, coid, action = heapq.heappop(due)
            # Safe to forget even if another request of the order has the same due time: any
            # new request is due at >= now >= at, and its larger sequence runs it after.
            if last_due.get(coid) == at:
                del last_due[coid]
            action()
            n += 1
        return n
