"""What the OrderManager counts, and how many finished orders it keeps."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_TERMINAL_ORDERS", "OmsCounters"]

# Terminal orders kept for lookups and late venue events (a fill racing a cancel comes within
# milliseconds): 2,000 is about a minute of the sample strategies' ~30 orders/s, ~1 MB.
DEFAULT_MAX_TERMINAL_ORDERS = 2000


@dataclass(slots=True)
class OmsCounters:
    """What happened, for metrics and tests; only ever incremented."""

    submitted: int = 0  # passed risk and sent to the venue
    denied: int = 0  # refused by risk (or by the halt)
    fills: int = 0  # fills applied
    duplicate_fills: int = 0  # fills ignored because their fill id was already applied
    overfills: int = 0  # fills refused because they would exceed the order qty
    invalid_events: int = 0  # events refused by the state machine
    unknown_order_events: int = 0  # venue events for a client order id we never sent
    cancels_sent: int = 0
    replaces_sent: int = 0
    replaces_denied: int = 0  # replaces the risk engine refused (the order stood unchanged)
    evicted: int = 0  # terminal orders dropped from `orders` (past max_terminal_orders)
