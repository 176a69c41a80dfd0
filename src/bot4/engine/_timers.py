"""TimerQueue: named timers on the injected clock's monotonic time, fired in due order.

Pure: nothing here sleeps or reads a clock. Whoever drives time calls `fire_due(now_ns)`: the
backtest steps its TestClock to each `next_due_ns()` and fires, the live/paper node sleeps
until the next due time in one asyncio task. So a strategy's timers fire at the same moments in
every mode, and a timer's callback sees the clock at its due time in a backtest.

Ordering is (due_ns, insertion sequence): two timers due at the same nanosecond fire in the order
they were scheduled. Cancelled and replaced timers leave stale heap entries that are skipped when
they surface (cheaper than removing from the middle of a heap).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from bot4.errors import ConfigValueError

__all__ = ["TimerQueue"]


@dataclass(slots=True)
class _Timer:
    callback: Callable[[], None]
    interval_ns: int  # the repeat period; > 0
    repeat: bool
    seq: int  # the insertion sequence of its live heap entry: any other entry is stale


class TimerQueue:
    """Named one-shot and repeating timers; a repeating timer reschedules at due + interval."""

    def __init__(self) -> None:
        # (due_ns, seq, key); entries whose seq differs from the live timer's are stale.
        self._heap: list[tuple[int, int, Hashable]] = []
        self._timers: dict[Hashable, _Timer] = {}
        self._seq = 0
        # Called when a timer becomes the earliest one (the live node's sleeper wakes early).
        self.on_earlier: Callable[[], None] | None = None

    def __len__(self) -> int:
        return len(self._timers)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._timers

    def schedule(
        self,
        key: Hashable,
        due_ns: int,
        callback: Callable[[], None],
        *,
        interval_ns: int = 0,
        repeat: bool = False,
    ) -> None:
        """(Re)set timer `key` to fire at `due_ns`, then every `interval_ns` when `repeat`.

        Raises ConfigValueError for a repeating timer without a positive interval.
        """
        if repeat and interval_ns <= 0:
            raise ConfigValueError(f"timer {key!r}: a repeating timer needs interval > 0")
        head = self.next_due_ns()
        self._timers[key] = _Timer(callback, interval_ns, repeat, self._push(due_ns, key))
        if self.on_earlier is not None and (head is None or due_ns < head):
            self.on_earlier()

    def cancel(self, key: Hashable) -> bool:
        """Forget timer `key`; False when there was none."""
        return self._timers.pop(key, None) is not None

    def cancel_where(self, predicate: Callable[[Hashable], bool]) -> int:
        """Forget every timer whose key matches (a stopped strategy's timers); how many."""
        keys = [k for k in self._timers if predicate(k)]
        for k in keys:
            del self._timers[k]
        return len(keys)

    def next_due_ns(self) -> int | None:
        """When the earliest live timer is due, or None when there is none."""
        heap = self._heap
        while heap:
            due, seq, key = heap[0]
            timer = self._timers.get(key)
            if timer is not None and timer.seq == seq:
                return due
            heapq.heappop(heap)  # stale: cancelled or rescheduled
        return None

    def fire_due(self, now_ns: int) -> int:
        """Fire every timer due at or before `now_ns`, in (due, insertion) order; how many fired.

        A repeating timer is rescheduled before its callback runs, so the callback may cancel or
        reset it; one that fell several periods behind fires once per missed period.
        """
        fired = 0
        heap = self._heap
        while heap and heap[0][0] <= now_ns:
            due, seq, key = heapq.heappop(heap)
            timer = self._timers.get(key)
            if timer is None or timer.seq != seq:
                continue
            if timer.repeat:
                timer.seq = self._push(due + timer.interval_ns, key)
            else:
                del self._timers[key]
            fired += 1
            timer.callback()
        return fired

    def _push(self, due_ns: int, key: Hashable) -> int:
        self._seq += 1
        heapq.heappush(self._heap, (due_ns, self._seq, key))
        return self._seq
