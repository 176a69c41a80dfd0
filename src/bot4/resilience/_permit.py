"""Permits: the ticket a breaker hands out for one protected call, as a context manager.

`with breaker.acquire():` / `async with breaker.acquire():` report the outcome on exit —
success on a normal exit, the exception otherwise — and so always give back a half-open
trial token, on any exception, `CancelledError` and `KeyboardInterrupt` included.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from bot4.resilience._events import CircuitState

if TYPE_CHECKING:
    from bot4.resilience._machine import BreakerMachine

__all__ = ["CircuitPermit", "PassPermit", "SharedClosedPermit"]

_CLOSED = CircuitState.CLOSED


class CircuitPermit:
    """Leave to make one protected call, issued by `CircuitBreaker.acquire()`.

    `generation` is the breaker's state generation when it was issued: an outcome reported
    after the breaker moved on is counted in its metrics but changes no state. A permit
    reports once; a second report is ignored (so an exit after a manual report is harmless).
    """

    __slots__ = ("_breaker", "_open", "generation", "started_ns", "state")

    def __init__(
        self, breaker: BreakerMachine, generation: int, state: CircuitState, started_ns: int
    ) -> None:
        self._breaker = breaker
        self.generation = generation  # the breaker's generation at admission
        self.state = state  # the state that admitted the call
        self.started_ns = started_ns  # breaker clock at admission; < 0: not timed
        # True until reported (flipped under the breaker's lock); None for a shared permit,
        # which reports once per `with` block.
        self._open: bool | None = True

    def __enter__(self) -> CircuitPermit:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._breaker._report(self, exc, False)

    async def __aenter__(self) -> CircuitPermit:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def report(self, exc: BaseException | None = None, *, failed: bool = False) -> None:
        """Report the outcome by hand: `exc` raised, or `failed` for a bad result (e.g. a 503)."""
        self._breaker._report(self, exc, failed)


class SharedClosedPermit(CircuitPermit):
    """The one permit a CLOSED breaker without slow-call tracking hands to every caller.

    Safe to share because it holds nothing per call: no start time (slow calls are not
    tracked) and no token (CLOSED has no concurrency limit); its fields never change. It saves
    an allocation per call, and its exit inlines the lock-free success path. Every `with`
    block is one call, so it reports on every exit.
    """

    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        b = self._breaker
        if exc is None:
            w = b._w
            if b._now() < w.bucket_end and self.generation == b._gen:
                w.hit()  # lock-free: see RollingWindow.hit
                return
        b._report(self, exc, False)  # a failure, a new bucket, or stale: the locked path


class PassPermit(CircuitPermit):
    """What a DISABLED breaker hands out: lets the call through and records nothing."""

    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def report(self, exc: BaseException | None = None, *, failed: bool = False) -> None:
        return None
