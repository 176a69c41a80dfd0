"""The emergency stop: one call halts new risk, tells the OMS to cancel everything, and stays.

`KillSwitch.trip()` records who/what/why with monotonic and wall time, flips every registered
halt hook (the RiskEngine's trading state -> HALTED) *inside the same call*, then emits
`KillSwitchTripped` to subscribers (the OMS cancels all open orders and, in flatten mode, sends
the reduce-only orders carried by the event). A second trip keeps the first trip time and adds
its reason. Only `reset()` (an operator) re-arms it, or the clock after `rearm_after_s` when
configured. Exits and cancels are never blocked by it (the engine lets them through).

Thread safety: `trip` may be called from any thread (a storage worker, the control API). The
read path (`tripped`) is a plain attribute read; a lock is taken only on a transition, and
subscribers are called outside it, each isolated (a raising subscriber is logged and skipped).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import msgspec

from bot4.clock import Clock
from bot4.model import ClientOrderId, InstrumentId, OrderRequest, OrderType, Side, TimeInForce
from bot4.risk.config import KillSwitchConfig

__all__ = [
    "KillSwitch",
    "KillSwitchEvent",
    "KillSwitchReset",
    "KillSwitchState",
    "KillSwitchTripped",
    "KillTrigger",
    "wire_breaker",
]

log = logging.getLogger(__name__)

_NS_PER_S = 1_000_000_000
MAX_TRIGGERS = 100  # triggers kept while tripped: the first (trip time) and the newest 99


class KillTrigger(msgspec.Struct, frozen=True, kw_only=True):
    """One reason the switch was tripped."""

    source: str  # "operator", "daily_loss", "drawdown", "breaker:<name>", ...
    by: str  # who: an operator name, "risk_engine", the breaker's name
    reason: str  # in words an operator reads
    mono_ns: int  # the switch's monotonic clock at the trigger
    wall_ns: int  # wall clock at the trigger (survives a restart)


class KillSwitchTripped(msgspec.Struct, frozen=True, kw_only=True):
    """The switch went from armed to tripped: cancel all open orders (and flatten if asked)."""

    trigger: KillTrigger  # the first trigger
    flatten_orders: tuple[OrderRequest, ...] = ()  # reduce-only orders closing every position


class KillSwitchReset(msgspec.Struct, frozen=True, kw_only=True):
    """The switch was re-armed: trading may resume at the operator's state."""

    by: str  # an operator, or "auto-rearm"
    mono_ns: int
    wall_ns: int


KillSwitchEvent = KillSwitchTripped | KillSwitchReset


class KillSwitchState(msgspec.Struct, frozen=True, kw_only=True):
    """What survives a restart: tripped or not, and every trigger so far (first = trip time)."""

    tripped: bool = False
    triggers: tuple[KillTrigger, ...] = ()
    trip_count: int = 0  # trips since creation, for unique flatten order ids


_encoder = msgspec.msgpack.Encoder()
_state_decoder = msgspec.msgpack.Decoder(KillSwitchState)


class KillSwitch:
    """Bot4's emergency stop (see the module docstring for the guarantees)."""

    def __init__(
        self,
        clock: Clock,
        config: KillSwitchConfig | None = None,
        *,
        positions: Callable[[], Mapping[InstrumentId, int]] | None = None,
    ) -> None:
        self._clock = clock
        self.config = config or KillSwitchConfig()
        # Signed positions (size units) for flatten mode; None = no flatten orders can be built.
        self._positions = positions
        # True between a trip and a reset; read without the lock.
        self.tripped = False
        # Every trigger since the trip (empty when armed); the first holds the trip time.
        self._triggers: tuple[KillTrigger, ...] = ()
        # Monotonic time of the first trigger, for the auto re-arm cool-down.
        self._trip_mono_ns = 0
        self._trip_count = 0
        self._lock = threading.Lock()  # transitions only
        self._halt_hooks: tuple[Callable[[bool], None], ...] = ()  # called under the lock
        self._subscribers: tuple[Callable[[KillSwitchEvent], object], ...] = ()

    # -- wiring -------------------------------------------------------------------------------
    def add_halt_hook(self, hook: Callable[[bool], None]) -> None:
        """`hook(True)` runs inside `trip` before it returns; `hook(False)` on reset."""
        self._halt_hooks = (*self._halt_hooks, hook)
        if self.tripped:
            hook(True)

    def subscribe(self, callback: Callable[[KillSwitchEvent], object]) -> Callable[[], None]:
        """Receive `KillSwitchTripped` / `KillSwitchReset`; returns an unsubscribe function."""
        self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            self._subscribers = tuple(c for c in self._subscribers if c is not callback)

        return unsubscribe

    # -- transitions --------------------------------------------------------------------------
    @property
    def triggers(self) -> tuple[KillTrigger, ...]:
        return self._triggers

    def trip(self, reason: str, *, source: str = "operator", by: str = "operator") -> bool:
        """Halt trading now. Returns True if this call tripped it, False if it already was."""
        trigger = KillTrigger(
            source=source,
            by=by,
            reason=reason,
            mono_ns=self._clock.monotonic_ns(),
            wall_ns=self._clock.time_ns(),
        )
        with self._lock:
            kept = self._triggers
            if len(kept) >= MAX_TRIGGERS:  # bounded: the first (the trip) and the newest
                kept = (kept[0], *kept[len(kept) - MAX_TRIGGERS + 2 :])
            self._triggers = (*kept, trigger)
            if self.tripped:
                log.warning("kill switch: already tripped; added reason %r (%s)", reason, source)
                return False
            self.tripped = True
            self._trip_mono_ns = trigger.mono_ns
            self._trip_count += 1
            for hook in self._halt_hooks:
                hook(True)
        log.critical("kill switch TRIPPED by %s (%s): %s", by, source, reason)
        flatten = self.flatten_orders(trigger.mono_ns) if self.config.flatten else ()
        self._emit(KillSwitchTripped(trigger=trigger, flatten_orders=flatten))
        return True

    def reset(self, by: str = "operator") -> bool:
        """Re-arm (explicit operator action). Returns False when it was not tripped."""
        with self._lock:
            if not self.tripped:
                return False
            self.tripped = False
            self._triggers = ()
            for hook in self._halt_hooks:
                hook(False)
        log.warning("kill switch reset by %s", by)
        self._emit(
            KillSwitchReset(
                by=by, mono_ns=self._clock.monotonic_ns(), wall_ns=self._clock.time_ns()
            )
        )
        return True

    def poll(self) -> bool:
        """Re-arm if a cool-down is configured and has passed; True if it re-armed now."""
        after = self.config.rearm_after_s
        if not self.tripped or after is None:
            return False
        if self._clock.monotonic_ns() - self._trip_mono_ns < int(after * _NS_PER_S):
            return False
        return self.reset(by="auto-rearm")

    def _emit(self, event: KillSwitchEvent) -> None:
        for callback in self._subscribers:
            try:
                callback(event)
            except Exception:
                log.exception("kill switch: subscriber %r raised; ignored", callback)

    # -- flatten ------------------------------------------------------------------------------
    def flatten_orders(self, ts_init: int) -> tuple[OrderRequest, ...]:
        """Reduce-only market orders closing every non-zero position (empty without positions)."""
        if self._positions is None:
            return ()
        orders = []
        for iid, qty in sorted(self._positions().items()):
            if qty == 0:
                continue
            orders.append(
                OrderRequest(
                    client_order_id=ClientOrderId(f"kill-{self._trip_count}-{iid}"),
                    instrument_id=iid,
                    side=Side.SELL if qty > 0 else Side.BUY,
                    order_type=OrderType.MARKET,
                    qty=abs(qty),
                    price=None,
                    time_in_force=TimeInForce.IOC,
                    reduce_only=True,
                    strategy_id="kill_switch",
                    ts_init=ts_init,
                )
            )
        return tuple(orders)

    # -- persistence --------------------------------------------------------------------------
    def state(self) -> KillSwitchState:
        return KillSwitchState(
            tripped=self.tripped, triggers=self._triggers, trip_count=self._trip_count
        )

    def save(self) -> bytes:
        """The state as msgpack bytes (what the storage layer persists)."""
        return _encoder.encode(self.state())

    def restore(self, state: KillSwitchState | bytes) -> None:
        """Load a saved state; a tripped state halts at once (no event: it was emitted before).

        The cool-down restarts from now: monotonic times do not survive a restart.
        """
        st = _state_decoder.decode(state) if isinstance(state, bytes) else state
        with self._lock:
            self._trip_count = st.trip_count
            self._triggers = st.triggers
            if st.tripped != self.tripped:
                self.tripped = st.tripped
                self._trip_mono_ns = self._clock.monotonic_ns()
                for hook in self._halt_hooks:
                    hook(st.tripped)


class _BreakerEventSource(Protocol):
    def subscribe(self, callback: Callable[[Any], object]) -> Callable[[], None]: ...


_OPEN_STATES = frozenset({"OPEN", "FORCED_OPEN"})


def wire_breaker(
    breaker: _BreakerEventSource, kill_switch: KillSwitch, *, source: str | None = None
) -> Callable[[], None]:
    """Trip `kill_switch` when `breaker` (a GlobalCircuitBreaker) reports a move to OPEN.

    The breaker's events are `CircuitEvent`s (`breaker`, `kind`, `to_state`, `reason`); a state
    change into OPEN or FORCED_OPEN trips the switch, with trigger source `source` (default
    "breaker:<name>"). Returns the unsubscribe function.
    """

    def on_event(event: Any) -> None:
        kind = getattr(getattr(event, "kind", None), "value", None)
        to_state = getattr(getattr(event, "to_state", None), "value", None)
        if kind == "STATE_CHANGED" and to_state in _OPEN_STATES:
            name = str(getattr(event, "breaker", "global"))
            kill_switch.trip(
                f"global circuit breaker {name} {to_state}: {getattr(event, 'reason', '')}",
                source=source or f"breaker:{name}",
                by=name,
            )

    return breaker.subscribe(on_event)
