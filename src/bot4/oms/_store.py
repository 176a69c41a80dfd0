"""Where the OrderManager keeps its orders, in bounded memory.

`orders` holds every open order plus the latest `max_terminal` orders that reached a terminal
status (filled, cancelled, rejected, expired, denied); older terminal orders are evicted, oldest
first (counted in `counters.evicted`). The journal keeps their history. A late venue event for
an evicted order is then unknown to the OMS, like an event for an order never sent. A replay of
the journal evicts the same way, so a rebuilt OMS holds the same orders as the live one.

Open orders are also indexed per instrument, with their remaining quantity per side kept
incrementally, for cancel-all and the risk engine's limits (no scan per fill).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from bot4.model import ClientOrderId, InstrumentId, Side
from bot4.oms._counters import OmsCounters
from bot4.oms._order import OPEN_STATUSES, Order, OrderStatus

__all__ = ["OrderStore", "order_statuses"]

# Enum members hoisted to module constants: `Side.BUY` is an attribute lookup on the
# Enum class (~0.2 us each, measured); these are plain global loads on the hot path.
_BUY = Side.BUY


class OrderStore:
    """Every order the OMS holds: the open ones and the latest `max_terminal` finished ones."""

    __slots__ = (
        "_counters",
        "_open",
        "_open_buy",
        "_open_sell",
        "_terminal",
        "max_terminal",
        "orders",
    )

    def __init__(self, max_terminal: int, counters: OmsCounters) -> None:
        # Open orders and the latest `max_terminal` terminal ones (denied too), by id.
        self.orders: dict[ClientOrderId, Order] = {}
        self.max_terminal = max_terminal
        self._counters = counters  # the OMS's; `evicted` counts here
        # Ids of the terminal orders still in `orders`, oldest first (eviction order).
        self._terminal: deque[ClientOrderId] = deque()
        # Orders in OPEN_STATUSES, per instrument.
        self._open: dict[InstrumentId, dict[ClientOrderId, Order]] = {}
        # Remaining qty of open BUY / SELL orders per instrument (two dicts rather than an
        # (instrument, side) key: Side's Enum hash is a slow Python call).
        self._open_buy: dict[InstrumentId, int] = {}
        self._open_sell: dict[InstrumentId, int] = {}

    def open_orders(self, instrument_id: InstrumentId | None = None) -> list[Order]:
        if instrument_id is not None:
            return list(self._open.get(instrument_id, {}).values())
        return [o for by_id in self._open.values() for o in by_id.values()]

    def open_order_count(self, instrument_id: InstrumentId | None = None) -> int:
        if instrument_id is not None:
            return len(self._open.get(instrument_id, ()))
        return sum(len(by_id) for by_id in self._open.values())

    def open_qty(self, instrument_id: InstrumentId, side: Side) -> int:
        """Unfilled quantity of the open orders on one side of one instrument."""
        by_side = self._open_buy if side is _BUY else self._open_sell
        return by_side.get(instrument_id, 0)

    def add_open(self, order: Order) -> None:
        """A new working order (just submitted)."""
        iid = order.instrument_id
        self.orders[order.client_order_id] = order
        by_id = self._open.get(iid)
        if by_id is None:
            by_id = self._open[iid] = {}
        by_id[order.client_order_id] = order
        by_side = self._open_buy if order.side is _BUY else self._open_sell
        by_side[iid] = by_side.get(iid, 0) + order.qty

    def add_terminal(self, order: Order) -> None:
        """An order that never worked (denied): kept among the terminal ones."""
        self.orders[order.client_order_id] = order
        self._retire(order.client_order_id)

    def update(self, order: Order, was_open: bool, remaining_before: int) -> bool:
        """Follow an applied event; True when it closed the order (it is then retired)."""
        is_open = order.status in OPEN_STATUSES
        before = remaining_before if was_open else 0
        after = order.qty - order.filled_qty if is_open else 0
        if before != after:
            by_side = self._open_buy if order.side is _BUY else self._open_sell
            by_side[order.instrument_id] += after - before
        if was_open and not is_open:
            del self._open[order.instrument_id][order.client_order_id]
            self._retire(order.client_order_id)
            return True
        return False

    def _retire(self, client_order_id: ClientOrderId) -> None:
        """The order is terminal: keep it among the latest `max_terminal`, evict older.

        An id is in `_terminal` exactly while its terminal order is in `orders` (an id can be
        used again only once evicted), so the oldest id always names the order to drop.
        """
        terminal = self._terminal
        terminal.append(client_order_id)
        while len(terminal) > self.max_terminal:
            del self.orders[terminal.popleft()]
            self._counters.evicted += 1


def order_statuses(orders: Mapping[ClientOrderId, Order]) -> dict[OrderStatus, int]:
    """How many orders are in each status among those held (open + recent terminal ones)."""
    counts: dict[OrderStatus, int] = {}
    for order in orders.values():
        counts[order.status] = counts.get(order.status, 0) + 1
    return counts
