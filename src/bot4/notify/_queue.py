"""`NoticeQueue`: the bounded queue between the node (never waits) and one sink's sender.

`put` never blocks and never fails: the node's hot path hands a notice over and goes on. When
the queue is full the oldest notice of the lowest priority goes — the incoming one included, so
a burst of fills cannot push out a breaker trip — and is counted. CRITICAL notices (kill-switch
trips) are never dropped: with only those queued the queue grows past its size, which stays
small because a switch trips once per episode.
"""

from __future__ import annotations

import asyncio
from collections import deque

from bot4.notify._notice import Notice, Priority

__all__ = ["NoticeQueue"]


class NoticeQueue:
    """A bounded FIFO with drop-oldest-lowest-priority overflow (see the module docstring)."""

    __slots__ = ("_items", "_ready", "dropped", "maxsize")

    def __init__(self, maxsize: int) -> None:
        assert maxsize >= 1, "a queue holds at least one notice"  # nosec B101
        self.maxsize = maxsize  # notices kept before overflow drops one
        self._items: deque[Notice] = deque()  # oldest first
        self._ready = asyncio.Event()  # set while the queue is not empty
        self.dropped = 0  # notices dropped by overflow, since creation

    def __len__(self) -> int:
        return len(self._items)

    def put(self, notice: Notice) -> Notice | None:
        """Queue `notice` without waiting; returns the notice dropped to make room, if any."""
        items = self._items
        dropped: Notice | None = None
        if len(items) >= self.maxsize:
            dropped = self._drop_for(notice)
            if dropped is notice:
                self.dropped += 1
                return dropped
        items.append(notice)
        self._ready.set()
        if dropped is not None:
            self.dropped += 1
        return dropped

    def _drop_for(self, incoming: Notice) -> Notice | None:
        """Remove and return the oldest notice of the lowest droppable priority; `incoming`
        itself when everything queued outranks it; None when only CRITICAL ones compete."""
        victim: Notice | None = None
        for n in self._items:  # oldest first: the first of the lowest priority wins
            if victim is None or n.priority < victim.priority:
                victim = n
        if victim is None or victim.priority is Priority.CRITICAL:
            return None if incoming.priority is Priority.CRITICAL else incoming
        if incoming.priority < victim.priority:
            return incoming
        self._items.remove(victim)
        return victim

    def take(self, max_n: int, max_chars: int) -> list[Notice]:
        """Up to `max_n` notices from the head whose texts fit `max_chars` together (at least
        one, however long): what one coalesced message carries."""
        items = self._items
        batch: list[Notice] = []
        chars = 0
        while items and len(batch) < max_n:
            size = len(items[0].text) + 3  # "- " and the newline of a combined message
            if batch and chars + size > max_chars:
                break
            batch.append(items.popleft())
            chars += size
        if not items:
            self._ready.clear()
        return batch

    def push_front(self, batch: list[Notice]) -> None:
        """Put a batch that could not be sent back at the head, in order (a retry)."""
        self._items.extendleft(reversed(batch))
        if batch:
            self._ready.set()

    async def wait(self) -> None:
        """Until the queue holds something."""
        await self._ready.wait()
