"""The node's durable side: group commit of the journal, and recovery at start.

`GroupCommit` is the OMS's journal: `append` stays in memory (the hot path), and the first
record of an event-loop turn schedules one `call_soon` that starts a commit task unless one is in
flight; that task keeps committing while records are pending, so records appended during a
commit go in the next one. One commit per turn at most, never one per record (DESIGN.md).

`recover` runs at start, before any market data: the kill switch first (a tripped switch halts
trading before anything runs), then the orders and positions of earlier runs on the same
storage, rebuilt from the journal, then the paper venue's reconciliation (orders a crash left open
are canceled: they lived in the dead process); on any other venue they stay open for its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from bot4.oms import ClientOrderIds, OrderCanceled, OrderManager, Portfolio, rebuild
from bot4.storage import restore_kill_switch
from bot4.venues import PaperVenue

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.oms.journal import JournalRecord
    from bot4.resilience import CircuitBreaker
    from bot4.risk import RiskEngine
    from bot4.storage import DurableJournal, Storage
    from bot4.venues import ExecutionVenue

__all__ = ["GroupCommit", "recover"]

log = logging.getLogger(__name__)


class GroupCommit:
    """The OMS's journal: `append` in memory, one durable commit per event-loop turn.

    A failed commit is logged and counted; its records stay pending for the next turn's commit
    (and the final one at close). Each commit goes through `breaker` (the node's "journal"
    breaker): failures open it, and while it is open commits are not tried (the records wait).
    """

    def __init__(
        self,
        journal: DurableJournal,
        loop: asyncio.AbstractEventLoop,
        observe_ns: Callable[[int], object],
        perf_ns: Callable[[], int],
        *,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.journal = journal
        self._breaker = breaker
        self._append = journal.append
        self._loop = loop
        self._observe_ns = observe_ns  # commit latency (metrics)
        self._perf_ns = perf_ns
        self._scheduled = False  # a call_soon is pending for this turn
        self.closed = False  # the storage is closed: nothing more can be committed
        self._task: asyncio.Task[None] | None = None
        self.commits = 0
        self.failures = 0

    def append(self, record: JournalRecord) -> int:
        seq = self._append(record)
        if not self._scheduled and not self.closed:
            self._scheduled = True
            self._loop.call_soon(self._start)
        return seq

    def records(self) -> Iterator[JournalRecord]:
        return self.journal.records()

    def __len__(self) -> int:
        return len(self.journal)

    async def commit(self) -> None:
        await self.journal.commit()

    def _start(self) -> None:
        self._scheduled = False
        if self._task is None:  # else the running task picks these records up after its own
            self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        journal = self.journal
        try:
            while journal.committed_seq < len(journal):
                t0 = self._perf_ns()
                try:
                    if self._breaker is None:
                        await journal.commit()
                    else:
                        async with self._breaker.acquire():
                            await journal.commit()
                except Exception as exc:  # StorageError mostly; a dead task would hide any
                    self.failures += 1
                    log.error("journal commit failed (records kept for the next one): %s", exc)
                    return
                self.commits += 1
                self._observe_ns(self._perf_ns() - t0)
        finally:
            self._task = None

    async def drain(self) -> None:
        """Until the commit task in flight (if any) has finished."""
        await asyncio.sleep(0)  # a call_soon from this turn starts its task first
        while self._task is not None:
            await asyncio.wait({self._task})


async def recover(
    storage: Storage,
    journal: GroupCommit,
    *,
    clock: Clock,
    risk: RiskEngine,
    venue: ExecutionVenue,
    portfolio: Portfolio,
    ids: ClientOrderIds,
    max_terminal_orders: int,
) -> tuple[OrderManager, bool]:
    """The OMS over `journal` with the stored state, and whether the kill switch was tripped."""
    tripped = await restore_kill_switch(risk.kill_switch, storage.backend, journal.records())
    if not len(journal):
        oms = OrderManager(
            clock=clock, risk=risk, venue=venue, journal=journal, portfolio=portfolio,
            max_terminal_orders=max_terminal_orders,
        )  # fmt: skip
        return oms, tripped
    oms = rebuild(
        journal, clock=clock, risk=risk, venue=venue, portfolio=portfolio,
        max_terminal_orders=max_terminal_orders,
    )  # fmt: skip
    for coid in oms.orders:
        ids.observe(coid)  # new client order ids never reuse a journaled one
    # Reconcile with the venue: a paper venue's orders live in this process, so orders a crash
    # left open in the journal are gone; journal that, as the venue would report it. An exchange
    # keeps its orders across our restart: they stay open here until the venue's own
    # reconciliation reports what became of them (never canceled on our word alone).
    if not isinstance(venue, PaperVenue):
        for order in oms.open_orders():
            log.warning("recovery: %s was open at %s before the restart: kept open until the "
                        "venue reports it", order.client_order_id, venue.name)  # fmt: skip
        return oms, tripped
    for order in oms.open_orders():
        log.warning("recovery: %s was open at the paper venue before the restart: canceled",
                    order.client_order_id)  # fmt: skip
        oms.on_venue_event(
            OrderCanceled(client_order_id=order.client_order_id, ts_event=clock.time_ns())
        )
    return oms, tripped
