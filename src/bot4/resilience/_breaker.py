"""`CircuitBreaker`: stops calling a failing dependency, then probes it back to health.

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
import functools
import inspect
import itertools
import threading
from collections.abc import Callable, Coroutine
from types import CoroutineType
from typing import Any, ParamSpec, TypeVar, cast

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
from bot4.resilience._metrics import CircuitMetrics
from bot4.resilience._permit import CircuitPermit, PassPermit, SharedClosedPermit
from bot4.resilience._window import RollingWindow, counter_value

__all__ = ["CircuitBreaker"]

P = ParamSpec("P")
R = TypeVar("R")

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


class CircuitBreaker:
    """A circuit breaker around one dependency (an exchange's REST API, a database, a feed).

    CLOSED lets calls through and counts outcomes in a rolling window; it trips to OPEN when
    the window has `min_calls` calls and the failure or slow-call rate reaches its threshold,
    when `max_failures_in_window` failures are in the window, or after `consecutive_failures`
    failures in a row. Thresholds are judged when a failure or a slow call is recorded: a fast
    success never opens a circuit. OPEN rejects with `CircuitOpenError` until `open_s` has
    passed; the next call then finds it HALF_OPEN and becomes one of at most
    `half_open_max_concurrent` trial calls (more get `HalfOpenExhaustedError`).
    `half_open_successes` successful trials close it; one failed or slow trial reopens it, and
    so does `max_wait_half_open_s` without enough outcomes (a trial that never reports back).

    Outcomes: an exception is a failure when it is an instance of `record_exceptions` and not
    of `ignore_exceptions`; otherwise it is ignored (neither success nor failure), and so are
    `CancelledError`, `KeyboardInterrupt`, `SystemExit` and `GeneratorExit` always. With
    `record_result`, a returned value for which it is true counts as a failure (an HTTP 503,
    an exchange reject code); the value is still returned.

    Operators: `force_open()`, `disable()` (no checks, no counting), `metrics_only()` (counts,
    never rejects or trips: shadow mode) and `reset()` (CLOSED, empty window).

    Every state change and rejection goes to the `on_event` callback and to `subscribe()`d
    ones as a `CircuitEvent`, after the breaker's lock is released; a raising callback is
    logged and ignored.
    """

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

    # ---- reading ------------------------------------------------------------------------

    @property
    def state(self) -> CircuitState:
        """The current state, read without a lock (OPEN turns HALF_OPEN on the next call)."""
        return self._state

    @property
    def opened_ns(self) -> int | None:
        """The clock reading at the last trip to OPEN, or None if it never tripped."""
        return None if self._opened_ns < 0 else self._opened_ns

    def metrics(self) -> CircuitMetrics:
        """A consistent snapshot of the counters, with the window rolled to now."""
        now = self._now()
        with self._lock:
            w = self._w
            w.roll(now)
            calls, fails, slow = w.calls, w.failures, w.slow
            total = w.past_calls + calls + self._x_calls
            total_fails = w.past_fails + fails + self._x_fails
            return CircuitMetrics(
                name=self.name,
                state=self._state,
                generation=self._gen,
                calls=total,
                successes=total - total_fails,
                failures=total_fails,
                slow_calls=w.past_slows + slow + self._x_slows,
                rejections=counter_value(self._rejections),
                ignored=self._ignored,
                stale=self._stale,
                window_calls=calls,
                window_failures=fails,
                window_slow_calls=slow,
                failure_rate=fails / calls if calls else 0.0,
                slow_call_rate=slow / calls if calls else 0.0,
                consecutive_failures=self._consecutive(),
                half_open_in_flight=self._ho_inflight,
                state_since_ns=self._since_ns,
                opened_ns=self.opened_ns,
                remaining_open_s=max(0, self._open_until - now) / _NS_PER_S
                if self._state is _OPEN
                else 0.0,
            )

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Receive every `CircuitEvent`; returns the function that unsubscribes."""
        return self._subs.subscribe(callback)

    # ---- protected calls -------------------------------------------------------------------

    def acquire(self) -> CircuitPermit:
        """A permit for one call, to use as `with` / `async with`; raises if the call is refused.

        Raises `CircuitOpenError` (OPEN, FORCED_OPEN) or `HalfOpenExhaustedError`.
        """
        shared = self._shared
        if shared is not None:
            return shared
        return self._admit()

    def call(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call `fn(*args, **kwargs)` through the breaker and return its result.

        For a coroutine function, returns an awaitable: the call is admitted now and its
        outcome is recorded when the coroutine finishes. Raises `CircuitOpenError` /
        `HalfOpenExhaustedError` without calling `fn` when the breaker refuses.
        """
        gen = self._gen
        state = self._state
        if state is _CLOSED and self._plain:
            # The hot path, inlined: no permit object, no lock, one clock read. A success
            # inside the current bucket of the same generation is one lock-free count (see
            # RollingWindow.hit); anything else (a failure, a new bucket, a stale generation,
            # a coroutine to await) takes the general path with a permit made after the fact.
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                self._report(CircuitPermit(self, gen, _CLOSED, -1), exc, False)
                raise
            w = self._w
            if (
                self._now() < w.bucket_end
                and gen == self._gen
                and result.__class__ is not CoroutineType
            ):
                w.hit()
                return result
            return self._finish(CircuitPermit(self, gen, _CLOSED, -1), result)
        if state is _OPEN:
            now = self._now()
            until = self._open_until
            if now < until:
                # The rejection, inlined (a method call costs ~10% of it); counted lock-free.
                self._reject()
                error = CircuitOpenError(self.name, (until - now) / _NS_PER_S)
                if self._subs.callbacks:
                    self._emit_rejection(error, now)
                raise error
        permit = self._shared or self._admit()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            self._report(permit, exc, False)
            raise
        return self._finish(permit, result)

    def _finish(self, permit: CircuitPermit, result: R) -> R:
        """Record a returned value (awaiting it first if it is a coroutine); returns it."""
        if result.__class__ is CoroutineType:
            return cast(R, self._await_outcome(permit, cast(Coroutine[Any, Any, Any], result)))
        pred = self._record_result
        self._report(permit, None, pred is not None and pred(result))
        return result

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Use the breaker as a decorator on a sync or async function."""
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                return await self.call(fn, *args, **kwargs)

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            return self.call(fn, *args, **kwargs)

        return wrapper

    async def _await_outcome(self, permit: CircuitPermit, coro: Coroutine[Any, Any, R]) -> R:
        try:
            result = await coro
        except BaseException as exc:
            self._report(permit, exc, False)
            raise
        pred = self._record_result
        self._report(permit, None, pred is not None and pred(result))
        return result

    # ---- operators ---------------------------------------------------------------------

    def force_open(self, reason: str = "forced open by operator") -> None:
        """Reject every call until `reset()`."""
        self._operator(_FORCED_OPEN, reason)

    def disable(self, reason: str = "disabled by operator") -> None:
        """Let every call through and record nothing until `reset()`."""
        self._operator(_DISABLED, reason)

    def metrics_only(self, reason: str = "metrics only (shadow mode) by operator") -> None:
        """Record outcomes but never reject or trip (shadow mode) until `reset()`."""
        self._operator(_METRICS_ONLY, reason)

    def reset(self, reason: str = "reset by operator") -> None:
        """Back to CLOSED with an empty window (also when already CLOSED)."""
        now = self._now()
        with self._lock:
            self._w.clear()
            self._consec = 0
            event = self._to(_CLOSED, now, reason)
        if event is not None:
            self._subs.deliver([event])

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

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self._state.value})"
