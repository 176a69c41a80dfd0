"""`SinkSender`: one sink's queue, rate limit, breaker and drain task.

Each sink has its own, so a dead webhook never delays Telegram (and neither ever delays the
node: `put` only appends to a bounded queue). The drain loop waits for a notice, for a token of
the sink's bucket and, while the sink's breaker is OPEN, for the breaker's open time; then it
takes everything queued (up to `max_per_message`) as one message. That is how a burst of fills
coalesces: they queue while the sender waits for its token, and go out as one message.

Every notice ends counted once: `sent`, `dropped` (queue overflow) or `failed` (the sink did
not take it, or it was still queued when the node stopped). A failed batch is not retried,
except its CRITICAL notices (kill-switch trips), which go back to the head of the queue.
Failures are logged once per episode (the first failure, then the recovery), never per notice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp

from bot4.errors import CircuitOpenError, NotificationError
from bot4.notify._bucket import TokenBucket
from bot4.notify._notice import Notice, Priority
from bot4.notify._queue import NoticeQueue
from bot4.notify._sinks import Sink
from bot4.resilience import CircuitBreaker, CircuitConfig, CircuitState

__all__ = ["SinkSender"]

log = logging.getLogger("bot4.notify")

# Failures in a row that open a sink's breaker: a receiver that failed three times running is
# down, and each further attempt would only cost a timeout.
_TRIP_AFTER = 3
_NS_PER_S = 1_000_000_000
# What a sink's send may raise when the receiver is down or refuses: counted, never fatal.
_SEND_ERRORS = (NotificationError, aiohttp.ClientError, TimeoutError, OSError)


class SinkSender:
    """Queue -> bucket -> breaker -> sink, for one sink (see the module docstring)."""

    def __init__(
        self,
        sink: Sink,
        *,
        rate_per_s: float,
        burst: int,
        queue_size: int,
        max_per_message: int,
        breaker_open_s: float,
        now_ns: Callable[[], int],
    ) -> None:
        self.sink = sink
        self.name = sink.name
        self.queue = NoticeQueue(queue_size)
        self._now_ns = now_ns  # real monotonic time (the loop's): rates are the receiver's
        self.bucket = TokenBucket(rate_per_s, burst, now_ns())
        self.breaker = CircuitBreaker(
            f"notify-{sink.name}",
            CircuitConfig(consecutive_failures=_TRIP_AFTER, open_s=breaker_open_s),
        )
        self._max_per_message = max_per_message
        self.sent = 0  # notices the sink took
        self.failed = 0  # notices it did not take (or still queued at stop)
        self.messages = 0  # HTTP messages that succeeded (a coalesced one carries several)
        self._failing = False  # inside a failure episode (logged at its start and end)
        self._pause_until_ns = 0  # the receiver asked us to wait (429 retry_after)
        self.busy = False  # a message is on its way (the flush at stop waits for it)

    @property
    def dropped(self) -> int:
        """Notices the full queue dropped."""
        return self.queue.dropped

    def put(self, notice: Notice) -> None:
        """Queue `notice` (never waits; overflow drops and counts)."""
        self.queue.put(notice)

    async def run(self, session: aiohttp.ClientSession) -> None:
        """Drain the queue forever (the notifier cancels this task at close)."""
        while True:
            await self.queue.wait()
            delay = self._delay_s()
            if delay > 0:
                await asyncio.sleep(delay)
                continue  # notices that arrived meanwhile join the batch
            await self.send_batch(session)

    def _delay_s(self) -> float:
        now = self._now_ns()
        delay = max(self.bucket.delay_s(now), (self._pause_until_ns - now) / _NS_PER_S)
        if self.breaker.state is CircuitState.OPEN:
            delay = max(delay, self.breaker.metrics().remaining_open_s)
        return delay

    async def send_batch(self, session: aiohttp.ClientSession) -> None:
        """Send what is queued now as one message, through the breaker."""
        batch = self.queue.take(self._max_per_message, self.sink.max_chars)
        if not batch:
            return
        self.bucket.take(self._now_ns())
        self.busy = True
        try:
            await self.breaker.call(self.sink.send, session, batch)
        except CircuitOpenError:
            # Opened (or out of half-open trials) since _delay_s looked: nothing was sent.
            self.queue.push_front(batch)
            await asyncio.sleep(0.05)  # a half-open trial in flight finishes first
        except _SEND_ERRORS as exc:
            self._on_failure(batch, exc)
        else:
            self.sent += len(batch)
            self.messages += 1
            if self._failing:
                self._failing = False
                log.info("notify %s: sending again", self.name)
        finally:
            self.busy = False

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing on its way, or nothing can go now (breaker OPEN)."""
        if self.busy:
            return False
        return not self.queue or self.breaker.state is CircuitState.OPEN

    def _on_failure(self, batch: list[Notice], exc: BaseException) -> None:
        keep = [n for n in batch if n.priority is Priority.CRITICAL]
        self.failed += len(batch) - len(keep)
        self.queue.push_front(keep)
        if isinstance(exc, NotificationError) and exc.retry_after_s > 0:
            self._pause_until_ns = self._now_ns() + round(exc.retry_after_s * _NS_PER_S)
        if not self._failing:
            self._failing = True
            log.warning(
                "notify %s: sending failed (%s: %s); failures are counted, not logged, until it "
                "recovers; trading goes on",
                self.name,
                type(exc).__name__,
                self.sink.scrub(str(exc)),
            )

    def abandon(self) -> int:
        """At stop: count what is still queued as failed; returns how many."""
        left = len(self.queue)
        self.queue.take(left, 2**62)
        self.failed += left
        return left
