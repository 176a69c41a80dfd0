"""Recovery after a crash: the emergency-stop state and the orders come back from storage.

Order of work at start (the engine calls these): open the journal, `restore_kill_switch` so a
tripped switch halts trading before anything else runs, then `rebuild_orders` replays the
journal into a fresh OrderManager (bot4.oms's `rebuild`); a live venue is reconciled after.

The kill switch is persisted two ways: its own saved state (`KillSwitch.save()`, written on
every trip and reset by `persist_kill_switch`), and the OMS's `TradingHalted` / `TradingResumed`
journal records. The newest wins: a halt journaled after the last save (the process died between
the journal commit and the save) trips it; a journaled reset after a tripped save re-arms it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot4.clock import Clock
from bot4.errors import StorageError
from bot4.oms import OrderFilled, TradingHalted, TradingResumed, rebuild
from bot4.oms.journal import JournalRecord
from bot4.risk.kill_switch import KillSwitch, KillSwitchEvent
from bot4.storage._backend import Backend

if TYPE_CHECKING:
    from bot4.oms import OrderManager, Portfolio, RiskGate
    from bot4.storage.journal import DurableJournal
    from bot4.venues import Venue

__all__ = [
    "KillSwitchSaver",
    "fills",
    "persist_kill_switch",
    "rebuild_orders",
    "restore_kill_switch",
]

log = logging.getLogger(__name__)


def fills(records: Iterable[JournalRecord]) -> list[OrderFilled]:
    """The fills in journal order (what a recovery check compares)."""
    return [r for r in records if isinstance(r, OrderFilled)]


async def restore_kill_switch(
    kill_switch: KillSwitch, backend: Backend, records: Iterable[JournalRecord]
) -> bool:
    """Restore the saved state, tripping it if the journal holds a newer halt; True if tripped."""
    saved = await backend.load_kill_switch()
    saved_ts = -1
    if saved is not None:
        payload, saved_ts = saved
        kill_switch.restore(payload)
    newer = [
        r
        for r in records
        if isinstance(r, TradingHalted | TradingResumed) and r.ts_event > saved_ts
    ]
    last = newer[-1] if newer else None
    if isinstance(last, TradingHalted) and not kill_switch.tripped:
        log.critical("recovery: the journal has a halt newer than the saved kill switch; tripping")
        kill_switch.trip(last.reason, source=last.source, by="recovery")
    elif isinstance(last, TradingResumed) and kill_switch.tripped:
        log.warning("recovery: the journal has a reset newer than the saved kill switch")
        kill_switch.reset(by=f"recovery ({last.source})")
    return kill_switch.tripped


class KillSwitchSaver:
    """Saves a KillSwitch's state on every trip and reset (see `persist_kill_switch`)."""

    def __init__(self, kill_switch: KillSwitch, backend: Backend, clock: Clock) -> None:
        self._kill_switch = kill_switch
        self._backend = backend
        self._clock = clock
        self._loop = asyncio.get_running_loop()  # trips from other threads hop onto this loop
        self._tasks: set[asyncio.Task[None]] = set()  # saves in flight
        self.failures = 0  # saves that failed (logged; the journal still holds the halt)
        self.unsubscribe = kill_switch.subscribe(self._on_event)

    def _on_event(self, _event: KillSwitchEvent) -> None:
        payload, ts_ns = self._kill_switch.save(), self._clock.time_ns()
        self._loop.call_soon_threadsafe(self._spawn, payload, ts_ns)

    def _spawn(self, payload: bytes, ts_ns: int) -> None:
        task = self._loop.create_task(self._save(payload, ts_ns))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _save(self, payload: bytes, ts_ns: int) -> None:
        try:
            await self._backend.save_kill_switch(payload, ts_ns)
        except StorageError as exc:
            self.failures += 1
            log.error("kill switch state not saved (the journal still holds the halt): %s", exc)

    async def wait(self) -> None:
        """Until every save scheduled so far has finished."""
        await asyncio.sleep(0)  # let call_soon_threadsafe callbacks from this thread run
        while self._tasks:
            await asyncio.gather(*self._tasks)


def persist_kill_switch(kill_switch: KillSwitch, backend: Backend, clock: Clock) -> KillSwitchSaver:
    """Save the switch's state on every trip and reset, from any thread, on the running loop."""
    return KillSwitchSaver(kill_switch, backend, clock)


def rebuild_orders(
    journal: DurableJournal,
    *,
    clock: Clock,
    risk: RiskGate,
    venue: Venue,
    portfolio: Portfolio,
) -> OrderManager:
    """A fresh OrderManager with exactly the journal's orders and positions (bot4.oms rebuild)."""
    return rebuild(journal, clock=clock, risk=risk, venue=venue, portfolio=portfolio)
