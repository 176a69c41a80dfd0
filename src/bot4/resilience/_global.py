"""`GlobalCircuitBreaker`: one switch derived from many breakers (trading halts when many fail)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence

from bot4.clock import Clock, LiveClock
from bot4.errors import CircuitOpenError, ConfigError
from bot4.resilience._breaker import CircuitBreaker
from bot4.resilience._config import rate_fraction
from bot4.resilience._events import (
    CircuitEvent,
    CircuitEventKind,
    CircuitState,
    EventCallback,
    Subscribers,
)

__all__ = ["GlobalCircuitBreaker"]

_OPEN_STATES = (CircuitState.OPEN, CircuitState.FORCED_OPEN)  # HALF_OPEN is recovering: not open
_NULL_PERMIT: contextlib.nullcontext[None] = contextlib.nullcontext()


class GlobalCircuitBreaker:
    """OPEN while at least `component_open_ratio` of its components are OPEN or FORCED_OPEN.

    Its state is derived, never set: it listens to its components' state changes and
    re-derives itself, recording the trip time when it opens and closing again when the share
    falls back below the ratio. It emits its own `CircuitEvent`s (state changes, and
    rejections by `acquire()`), so a kill switch can `subscribe()` to its trip. As a gate,
    `acquire()` raises `CircuitOpenError` while it is open and otherwise returns a context
    manager that does nothing (so `with global_breaker.acquire():` reads like a breaker).

    A component's OPEN turns HALF_OPEN only on its next call, so a global breaker recovers as
    its components are probed back to health. `close()` detaches it from its components.
    """

    __slots__ = (
        "_components",
        "_lock",
        "_opened_ns",
        "_ratio",
        "_rejections",
        "_state",
        "_subs",
        "_unsubscribe",
        "clock",
        "component_open_ratio",
        "name",
    )

    def __init__(
        self,
        components: Sequence[CircuitBreaker],
        component_open_ratio: float,
        clock: Clock | None = None,
        *,
        name: str = "global",
        on_event: EventCallback | None = None,
    ) -> None:
        if not components:
            raise ConfigError("GlobalCircuitBreaker.components must not be empty, got []")
        ratio = component_open_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1:
            raise ConfigError(
                f"GlobalCircuitBreaker.component_open_ratio must be a rate in (0, 1], got {ratio!r}"
            )
        self.name = name
        self.component_open_ratio = float(ratio)
        frac = rate_fraction(self.component_open_ratio)
        self._ratio = (frac.numerator, frac.denominator)
        self.clock: Clock = clock if clock is not None else LiveClock()
        self._components = tuple(components)
        self._lock = threading.Lock()  # guards the derivation and its transition
        self._subs = Subscribers(name)
        if on_event is not None:
            self._subs.subscribe(on_event)
        self._state = CircuitState.CLOSED
        self._opened_ns = -1  # clock reading at the last trip; -1: never
        self._rejections = 0
        self._unsubscribe = [c.subscribe(self._on_component_event) for c in self._components]
        self.refresh()

    @property
    def state(self) -> CircuitState:
        """CLOSED or OPEN, read without a lock."""
        return self._state

    @property
    def opened_ns(self) -> int | None:
        """The clock reading when it last tripped, or None if it never did."""
        return None if self._opened_ns < 0 else self._opened_ns

    @property
    def rejections(self) -> int:
        return self._rejections

    @property
    def components(self) -> tuple[CircuitBreaker, ...]:
        return self._components

    def open_components(self) -> list[str]:
        """Names of the components counted as open right now."""
        return [c.name for c in self._components if c.state in _OPEN_STATES]

    def open_share(self) -> float:
        return len(self.open_components()) / len(self._components)

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Receive this breaker's own events (e.g. the kill switch); returns the unsubscriber."""
        return self._subs.subscribe(callback)

    def allow(self) -> bool:
        """True while closed; a read without side effects (no rejection is counted)."""
        return self._state is not CircuitState.OPEN

    def acquire(self) -> contextlib.nullcontext[None]:
        """Pass the gate, or raise `CircuitOpenError` (and count a rejection) while open."""
        if self._state is not CircuitState.OPEN:
            return _NULL_PERMIT
        now = self.clock.monotonic_ns()
        opened = self.open_components()
        error = CircuitOpenError(
            self.name,
            0.0,
            f"global circuit {self.name!r} is open: {len(opened)}/{len(self._components)} "
            f"components open ({', '.join(opened)})",
        )
        with self._lock:
            self._rejections += 1
        if self._subs.callbacks:
            kind = CircuitEventKind.REJECTED
            state = CircuitState.OPEN
            self._subs.deliver(
                [
                    CircuitEvent(
                        breaker=self.name,
                        kind=kind,
                        from_state=state,
                        to_state=state,
                        reason=str(error),
                        mono_ns=now,
                    )
                ]
            )
        raise error

    def refresh(self) -> CircuitState:
        """Re-derive the state from the components (called on each of their state changes)."""
        now = self.clock.monotonic_ns()
        event: CircuitEvent | None = None
        with self._lock:
            opened = self.open_components()
            n = len(self._components)
            share = len(opened) / n
            # Exact: open/n >= num/den  <=>  open * den >= num * n (2 of 3 at 2/3 is open).
            num, den = self._ratio
            want = CircuitState.OPEN if len(opened) * den >= num * n else CircuitState.CLOSED
            frm = self._state
            if want is not frm:
                self._state = want
                if want is CircuitState.OPEN:
                    self._opened_ns = now
                reason = (
                    f"{len(opened)}/{n} components open ({share:.0%} "
                    f"{'>=' if want is CircuitState.OPEN else '<'} "
                    f"{self.component_open_ratio:.0%})"
                    + (f": {', '.join(opened)}" if opened else "")
                )
                event = CircuitEvent(
                    breaker=self.name,
                    kind=CircuitEventKind.STATE_CHANGED,
                    from_state=frm,
                    to_state=want,
                    reason=reason,
                    mono_ns=now,
                )
            state = self._state
        if event is not None:
            self._subs.deliver([event])
        return state

    def close(self) -> None:
        """Stop listening to the components (idempotent)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def _on_component_event(self, event: CircuitEvent) -> None:
        if event.kind is CircuitEventKind.STATE_CHANGED:
            self.refresh()

    def __repr__(self) -> str:
        return f"GlobalCircuitBreaker({self.name!r}, state={self._state.value})"
