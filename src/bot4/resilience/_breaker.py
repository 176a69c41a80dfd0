"""`CircuitBreaker`: stops calling a failing dependency, then probes it back to health.

The public face: calls, permits, the decorator, operators and metrics. The fields, admission
slow paths, outcome recording and transitions live in `_machine.BreakerMachine`, with the
concurrency design in its docstring.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from types import CoroutineType
from typing import Any, ParamSpec, TypeVar, cast

from bot4.errors import CircuitOpenError
from bot4.resilience._events import CircuitState, EventCallback
from bot4.resilience._machine import NS_PER_S, BreakerMachine
from bot4.resilience._metrics import CircuitMetrics
from bot4.resilience._permit import CircuitPermit
from bot4.resilience._window import counter_value

__all__ = ["CircuitBreaker"]

P = ParamSpec("P")
R = TypeVar("R")

_CLOSED = CircuitState.CLOSED
_OPEN = CircuitState.OPEN
_FORCED_OPEN = CircuitState.FORCED_OPEN
_DISABLED = CircuitState.DISABLED
_METRICS_ONLY = CircuitState.METRICS_ONLY
_NS_PER_S = NS_PER_S


class CircuitBreaker(BreakerMachine):
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

    __slots__ = ()

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

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self._state.value})"
