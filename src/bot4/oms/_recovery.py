"""Recovery: a fresh OrderManager rebuilt from the journal alone.

The journal holds every fact that changed an order or a position, in order, so replaying it
through the manager's own methods (the live code path) reproduces every order field and
position field exactly. Mark prices are market data, not facts: the rebuilt portfolio gets them
from the next book update. Nothing is sent to the venue during replay; reconciling the rebuilt
open orders with the venue's view is the engine's next step after `rebuild`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bot4.clock import Clock
from bot4.model import (
    OrderDenied,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRequest,
    OrderSubmitted,
)
from bot4.oms._counters import DEFAULT_MAX_TERMINAL_ORDERS
from bot4.oms._gate import RiskGate
from bot4.oms._manager import OrderManager
from bot4.oms._position import Portfolio
from bot4.oms.journal import Journal, JournalRecord, TradingHalted, TradingResumed

if TYPE_CHECKING:
    from bot4.venues import Venue

__all__ = ["rebuild", "replay"]


def rebuild(
    journal: Journal,
    *,
    clock: Clock,
    risk: RiskGate,
    venue: Venue,
    portfolio: Portfolio,
    max_terminal_orders: int = DEFAULT_MAX_TERMINAL_ORDERS,
) -> OrderManager:
    """An OrderManager holding exactly the state the journal's records produce.

    `risk` and `portfolio` must be fresh (no orders, no fills yet): the risk engine is told what
    was rebuilt (open orders, positions, equity). New records append to the same journal.
    Terminal orders past `max_terminal_orders` are evicted during the replay as they would
    have been live (positions are the portfolio's: nothing is lost by that).
    """
    manager = OrderManager(
        clock=clock,
        risk=risk,
        venue=venue,
        journal=journal,
        portfolio=portfolio,
        max_terminal_orders=max_terminal_orders,
    )
    replay(manager, journal.records())
    return manager


def replay(manager: OrderManager, records: Iterator[JournalRecord]) -> int:
    """Apply journal records as they happened, without re-journaling or calling the venue.

    The records go through the manager's own methods with its journal append switched off and
    its risk hooks quiet; the risk engine is then told what was rebuilt in one go. Returns the
    number of records applied.
    """
    append, manager._append = manager._append, _no_append
    manager._replaying = True
    n = 0
    try:
        for record in records:
            n += 1
            _replay_one(manager, record)
    finally:
        manager._append = append
        manager._replaying = False
    _sync_risk(manager)
    return n


def _replay_one(manager: OrderManager, record: JournalRecord) -> None:
    if isinstance(record, OrderSubmitted):
        manager._open_new(record)
    elif isinstance(record, OrderDenied):
        manager._add_denied(record)
    elif isinstance(record, TradingHalted):
        manager.halted = True
    elif isinstance(record, TradingResumed):
        manager.halted = False
    elif isinstance(record, OrderPendingCancel | OrderPendingReplace):
        manager.orders[record.client_order_id].apply_checked(record)
        if isinstance(record, OrderPendingCancel):
            manager.counters.cancels_sent += 1
        else:
            manager.counters.replaces_sent += 1
    else:
        manager.on_venue_event(record)


def _sync_risk(manager: OrderManager) -> None:
    """Tell the risk engine what the replay rebuilt: open orders, positions, equity."""
    risk = manager._risk
    for order in manager.open_orders():
        risk.on_order_opened(
            OrderRequest(
                client_order_id=order.client_order_id,
                instrument_id=order.instrument_id,
                side=order.side,
                order_type=order.order_type,
                qty=order.remaining,
                price=order.price,
                time_in_force=order.time_in_force,
                reduce_only=order.reduce_only,
                strategy_id=order.strategy_id,
                ts_init=order.ts_init,
                trigger_price=order.trigger_price,
            )
        )
    for iid, pos in manager.portfolio.positions.items():
        if pos.qty:
            risk.set_position(iid, pos.qty, pos.mark_price or pos.avg_entry_price or 0)
    risk.on_equity(manager.portfolio.equity())


def _no_append(record: JournalRecord) -> int:
    return 0
