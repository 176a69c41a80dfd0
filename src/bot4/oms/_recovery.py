"""Recovery: a fresh OrderManager rebuilt from the journal alone.

The journal holds every fact that changed an order or a position, in order, so replaying it
through the same `Order` and `Portfolio` code reproduces every order field and position field
exactly (mark prices are market data, not facts: the rebuilt portfolio gets them from the next
book update). Nothing is sent to the venue during replay; reconciling the rebuilt open orders
with the venue's view is the engine's next step after `rebuild`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot4.clock import Clock
from bot4.oms._manager import OrderManager, RiskGate
from bot4.oms._position import Portfolio
from bot4.oms.journal import Journal

if TYPE_CHECKING:
    from bot4.venues import Venue

__all__ = ["rebuild"]


def rebuild(
    journal: Journal, *, clock: Clock, risk: RiskGate, venue: Venue, portfolio: Portfolio
) -> OrderManager:
    """An OrderManager holding exactly the state the journal's records produce.

    `portfolio` must be fresh (no fills yet). New records append to the same journal.
    """
    manager = OrderManager(
        clock=clock, risk=risk, venue=venue, journal=journal, portfolio=portfolio
    )
    manager.replay(journal.records())
    return manager
