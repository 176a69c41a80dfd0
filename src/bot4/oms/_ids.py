"""Client order ids, generated without I/O."""

from __future__ import annotations

from bot4.model import ClientOrderId

__all__ = ["ClientOrderIds"]


class ClientOrderIds:
    """Client order ids without I/O: `<prefix><counter>`, unique while the prefix is.

    Give each session its own prefix (e.g. strategy + start time); `observe` moves the counter
    past ids replayed from a journal so a rebuilt OMS never reuses one.
    """

    __slots__ = ("_next", "prefix")

    def __init__(self, prefix: str = "B4-") -> None:
        self.prefix = prefix
        self._next = 1

    def next(self) -> ClientOrderId:
        n = self._next
        self._next = n + 1
        return ClientOrderId(f"{self.prefix}{n}")

    def observe(self, client_order_id: str) -> None:
        tail = client_order_id.removeprefix(self.prefix)
        if tail != client_order_id and tail.isdigit() and int(tail) >= self._next:
            self._next = int(tail) + 1
