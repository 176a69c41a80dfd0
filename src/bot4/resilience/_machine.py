"""The breaker's state machine: its state, admission, outcomes and transitions.

`CircuitBreaker` (in `_breaker.py`) is the public face; this base class holds every field
and the slow paths it falls back to. Split only to keep each module one idea.

Concurrency design (DESIGN.md: safe from other threads, lock-free reads):
- `state`, admission in CLOSED and the rejection check in OPEN read attributes without a lock.
  A transition writes `_state` first and `_gen` second, and readers read `_gen` first and
  `_state` second, so a permit's (generation, state) pair is either right or stale — and a
  stale permit's outcome is only counted, never acted on.
- Counters and transitions take `_lock` for a few attribute updates. The lock is never held
  while the protected call runs or while event callbacks run (they are collected under the
  lock and delivered after it is released).
- Two counts are atomic increments instead (`itertools.count`, one C call under the GIL):
  rejections, and a CLOSED success inside the current bucket (`RollingWindow.hit`). Totals
  stay exact. The price, for a success racing a transition between its generation check and
  its increment, is that it lands in the next generation's window rather than in `stale`; a
  success can only dilute a window, so it can still never open or close a circuit.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from typing import Any, cast

from bot4.clock import Clock, LiveClock
from bot4.errors import CircuitOpenError, HalfOpenExhaustedError
from bot4.resilience._config import CircuitConfig, rate_fraction
from bot4.resilience._events import (
    CircuitEvent,
    CircuitEventKind,
    CircuitState,
    EventCallback,
    Subscribers,
)
from bot4.resilience._permit import CircuitPermit, PassPermit, SharedClosedPermit
from bot4.resilience._window import RollingWindow

__all__ = ["NS_PER_S", "BreakerMachine"]

_CLOSED = CircuitState.CLOSED
_OPEN = CircuitState.OPEN
_HALF_OPEN = CircuitState.HALF_OPEN
_FORCED_OPEN = CircuitState.FORCED_OPEN
_DISABLED = CircuitState.DISABLED
_METRICS_ONLY = CircuitState.METRICS_ONLY
_CHANGED = CircuitEventKind.STATE_CHANGED
_REJECTED = CircuitEventKind.REJECTED
_NS_PER_S = 1_000_000_000
# Never a failure of the dependency, whatever record_exceptions says: the caller gave up.
_NEVER_FAILURES = (asyncio.CancelledError, KeyboardInterrupt, SystemExit, GeneratorExit)


NS_PER_S = _NS_PER_S


class BreakerMachine:
    """Fields and state transitions of a `CircuitBreaker` (see its docstring for the rules)."""

    __slots__ = (
        "__weakref__",
        "_consec",
        "_consec_max",
        "_fr",
        "_gen",
        "_hits_at_fail",
        "_ho_inflight",
        "_ho_max",
        "_ho_needed",
        "_ho_successes",
        "_ho_wait_ns",
        "_ignore_exc",
        "_ignored",
        "_lock",
        "_max_fails",
        "_min_calls",
        "_now",
        "_open_ns",
        "_open_until",
        "_opened_ns",
        "_plain",
        "_record_exc",
        "_record_result",
        "_reject",
        "_rejections",
        "_shared",
        "_since_ns",
        "_slow_ns",
        "_sr",
        "_stale",
        "_state",
        "_subs",
        "_w",
        "_x_calls",
        "_x_fails",
        "_x_slows",
        "clock",
        "config",
        "name",
    )

    def __init__(
        self,
        name: str,
        config: CircuitConfig | None = None,
        clock: Clock | None = None,
        on_event: EventCallback | None = None,
        *,
        record_exceptions: tuple[type[BaseException], ...] = (Exception,),
        ignore_exceptions: tuple[type[BaseException], ...] = (),
        record_result: Callable[[Any], bool] | None = None,
    ) -> None:
        cfg = config if config is not None else CircuitConfig()
        self.name = name
        self.config = cfg
        self.clock: Clock = clock if clock is not None else LiveClock()
        # Hoisted: one bound-method lookup per breaker instead of two per call.
        self._now: Callable[[], int] = self.clock.monotonic_ns
        self._lock = threading.Lock()  # guards counters and transitions, never a call
        self._subs = Subscribers(name)
        if on_event is not None:
            self._subs.subscribe(on_event)
        self._record_exc = record_exceptions
        self._ignore_exc = ignore_exceptions
        self._record_result = record_result
        # Config in the units the hot path wants (0 = feature off).
        self._slow_ns = round(cfg.slow_call_s * _NS_PER_S) if cfg.slow_call_s else 0
        self._open_ns = round(cfg.open_s * _NS_PER_S)
        self._ho_wait_ns = (
            round(cfg.max_wait_half_open_s * _NS_PER_S) if cfg.max_wait_half_open_s else 0
        )
        self._min_calls = cfg.min_calls
        self._consec_max = cfg.consecutive_failures or 0
        self._max_fails = cfg.max_failures_in_window or 0
        fr, sr = rate_fraction(cfg.failure_rate), rate_fraction(cfg.slow_call_rate)
        self._fr = (fr.numerator, fr.denominator)  # exact: fails * den >= num * calls
        self._sr = (sr.numerator, sr.denominator)
        self._ho_max = cfg.half_open_max_concurrent
        self._ho_needed = cfg.half_open_successes
        # No slow-call timing and no result predicate: call()'s inlined CLOSED path applies.
        self._plain = not self._slow_ns and record_result is None
        now = self._now()
        self._w = RollingWindow(cfg.buckets, cfg.bucket_ns, now)
        self._consec = 0  # failures in a row in CLOSED/METRICS_ONLY; 0 after any success
        self._ho_inflight = 0  # trial permits of this HALF_OPEN generation not yet reported
        self._ho_successes = 0  # successful trials in this HALF_OPEN generation
        self._opened_ns = -1  # when it last tripped to OPEN; -1: never
        self._open_until = 0  # OPEN: the first instant a trial may start
        self._since_ns = now  # when the current state began
        # Outcomes counted outside the window (half-open trials, stale permits).
        self._x_calls = self._x_fails = self._x_slows = 0
        # Rejections are counted lock-free: next() on an itertools.count is one C call,
        # atomic under the GIL (no state depends on this count, only metrics).
        self._rejections = itertools.count()
        self._reject = self._rejections.__next__
        self._hits_at_fail = 0  # window.absorbed at the last failure (see _report)
        self._ignored = 0  # ignored exceptions and cancellations
        self._stale = 0  # outcomes from permits of an earlier generation
        self._state = _CLOSED
        self._gen = 0  # bumped by every transition; a permit remembers the one it came from
        self._shared: CircuitPermit | None = None
        self._set_shared()

    def _operator(self, to: CircuitState, reason: str) -> None:
        now = self._now()
        with self._lock:
            event = self._to(to, now, reason)
        if event is not None:
            self._subs.deliver([event])

    # ---- admission and outcomes (the slow paths) ------------------------------------------

    def _admit(self) -> CircuitPermit:
        gen = self._gen
        state = self._state
        now = self._now()
        if state is _CLOSED or state is _METRICS_ONLY:
            return CircuitPermit(self, gen, state, now if self._slow_ns else -1)
        if state is _OPEN and now < self._open_until:
            raise self._rejection(now)
        events: list[CircuitEvent] = []
        error: CircuitOpenError | None = None
        permit: CircuitPermit | None = None
        with self._lock:
            state = self._state
            if state is _OPEN:
                if now < self._open_until:
                    error = CircuitOpenError(self.name, (self._open_until - now) / _NS_PER_S)
                else:
                    waited = (now - self._opened_ns) / _NS_PER_S
                    self._add(events, self._to(_HALF_OPEN, now, f"open for {waited:.3f}s"))
                    state = _HALF_OPEN
            if state is _HALF_OPEN:
                if self._ho_wait_ns and now - self._since_ns >= self._ho_wait_ns:
                    reason = (
                        f"half-open for {(now - self._since_ns) / _NS_PER_S:.3f}s without "
                        f"{self._ho_needed} successful trial(s)"
                    )
                    self._add(events, self._to(_OPEN, now, reason))
                    error = CircuitOpenError(self.name, self._open_ns / _NS_PER_S)
                elif self._ho_inflight < self._ho_max:
                    self._ho_inflight += 1
                    permit = CircuitPermit(self, self._gen, _HALF_OPEN, now)
                else:
                    error = HalfOpenExhaustedError(
                        self.name,
                        0.0,
                        f"circuit {self.name!r} is half-open with {self._ho_max} trial call(s) "
                        "in flight",
                    )
            elif state is _FORCED_OPEN:
                error = CircuitOpenError(self.name, 0.0, f"circuit {self.name!r} is forced open")
            elif state is not _OPEN:  # moved to CLOSED / DISABLED / METRICS_ONLY meanwhile
                permit = self._shared or CircuitPermit(self, self._gen, state, now)
            if error is not None:
                self._reject()
                if self._subs.callbacks:
                    events.append(self._event(_REJECTED, self._state, self._state, str(error), now))
        if events:
            self._subs.deliver(events)
        if error is not None:
            raise error
        return cast(CircuitPermit, permit)  # admission ends in an error or a permit

    def _rejection(self, now: int) -> CircuitOpenError:
        """Count a rejection by an OPEN breaker (and tell subscribers); returns the error.

        A fresh exception every time: a shared instance would collect a longer traceback on
        each raise (one peer library grows by 5 frames per rejection that way).
        """
        error = CircuitOpenError(self.name, max(0, self._open_until - now) / _NS_PER_S)
        self._reject()
        if self._subs.callbacks:
            self._emit_rejection(error, now)
        return error

    def _emit_rejection(self, error: CircuitOpenError, now: int) -> None:
        self._subs.deliver([self._event(_REJECTED, _OPEN, _OPEN, str(error), now)])

    def _report(self, permit: CircuitPermit, exc: BaseException | None, failed: bool) -> None:
        """Record one outcome; may trip or close the circuit (the general path)."""
        if permit.state is _DISABLED:
            return
        now = self._now()
        ignored = False
        if exc is not None:
            if (
                isinstance(exc, _NEVER_FAILURES)
                or not isinstance(exc, self._record_exc)
                or isinstance(exc, self._ignore_exc)
            ):
                ignored = True
            else:
                failed = True
        slow_ns = self._slow_ns
        slow = bool(slow_ns) and permit.started_ns >= 0 and now - permit.started_ns >= slow_ns
        event: CircuitEvent | None = None
        with self._lock:
            if permit._open is False:
                return  # reported already
            if permit._open:
                permit._open = False
            if permit.generation != self._gen:
                self._stale += 1
                if ignored:
                    self._ignored += 1
                else:
                    self._x_calls += 1
                    self._x_fails += failed
                    self._x_slows += slow
                return
            state = self._state
            if state is _HALF_OPEN:
                self._ho_inflight -= 1
                if ignored:
                    self._ignored += 1
                    return
                self._x_calls += 1
                self._x_fails += failed
                self._x_slows += slow
                if failed or slow:
                    what = "failed" if failed else "was slow"
                    event = self._to(_OPEN, now, f"a half-open trial call {what}")
                else:
                    self._ho_successes += 1
                    if self._ho_successes >= self._ho_needed:
                        reason = f"{self._ho_successes} half-open trial call(s) succeeded"
                        event = self._to(_CLOSED, now, reason)
            elif ignored:
                self._ignored += 1
                return
            else:  # CLOSED or METRICS_ONLY: into the window
                w = self._w
                w.roll(now)  # absorbs lock-free hits first: the window is exact from here
                w.cur_calls += 1
                if failed:
                    w.cur_fails += 1
                    self._consec = self._consecutive() + 1
                    self._hits_at_fail = w.absorbed
                else:
                    self._consec = 0
                if slow:
                    w.cur_slows += 1
                if state is _CLOSED and (failed or slow):
                    why = self._trip_reason()
                    if why is not None:
                        event = self._to(_OPEN, now, why)
        if event is not None:
            self._subs.deliver([event])

    def _consecutive(self) -> int:
        """Failures in a row, under the lock after a roll: a lock-free success since the last
        failure (the window absorbed more hits) ends the run."""
        return self._consec if self._w.absorbed == self._hits_at_fail else 0

    def _trip_reason(self) -> str | None:
        """Why the window says OPEN, or None; called under the lock."""
        w = self._w
        fails = w.ring_fails + w.cur_fails
        if self._consec_max and self._consec >= self._consec_max:
            return f"{self._consec} consecutive failures"
        if self._max_fails and fails >= self._max_fails:
            return f"{fails} failures in the window >= {self._max_fails}"
        calls = w.ring_calls + w.cur_calls
        if calls < self._min_calls:
            return None
        num, den = self._fr
        if fails * den >= num * calls:
            return f"{fails}/{calls} calls failed >= {self.config.failure_rate:.0%}"
        slow = w.ring_slows + w.cur_slows
        num, den = self._sr
        if self._slow_ns and slow * den >= num * calls:
            return f"{slow}/{calls} calls were slow >= {self.config.slow_call_rate:.0%}"
        return None

    # ---- transitions (under the lock) ------------------------------------------------------

    def _to(self, to: CircuitState, now: int, reason: str) -> CircuitEvent | None:
        """Move to `to`; returns the event to deliver after the lock, or None if no change."""
        frm = self._state
        if frm is to:
            return None
        self._shared = None
        self._state = to  # state first, generation second: see the module docstring
        self._gen += 1
        self._since_ns = now
        self._w.clear()
        self._consec = 0
        self._ho_inflight = 0
        self._ho_successes = 0
        if to is _OPEN:
            self._opened_ns = now
            self._open_until = now + self._open_ns
        self._set_shared()
        return self._event(_CHANGED, frm, to, reason, now) if self._subs.callbacks else None

    def _set_shared(self) -> None:
        state = self._state
        shared: CircuitPermit | None = None
        if state is _CLOSED and not self._slow_ns:
            shared = SharedClosedPermit(self, self._gen, _CLOSED, -1)
        elif state is _DISABLED:
            shared = PassPermit(self, self._gen, _DISABLED, -1)
        if shared is not None:
            shared._open = None  # reports once per `with` block
        self._shared = shared

    def _event(
        self, kind: CircuitEventKind, frm: CircuitState, to: CircuitState, reason: str, now: int
    ) -> CircuitEvent:
        return CircuitEvent(
            breaker=self.name, kind=kind, from_state=frm, to_state=to, reason=reason, mono_ns=now
        )

    @staticmethod
    def _add(events: list[CircuitEvent], event: CircuitEvent | None) -> None:
        if event is not None:
            events.append(event)
