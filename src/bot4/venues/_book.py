"""The part of an order book the paper venue reads (the marketdata `OrderBook` satisfies it)."""

from __future__ import annotations

from typing import Protocol

from bot4.model import Side

__all__ = ["BookView"]


class BookView(Protocol):
    """Read-only L2 levels in fixed-point ints: (price units, size units), best first."""

    def best_bid(self) -> tuple[int, int] | None: ...

    def best_ask(self) -> tuple[int, int] | None: ...

    def bids(self, n: int | None = None) -> list[tuple[int, int]]: ...

    def asks(self, n: int | None = None) -> list[tuple[int, int]]: ...

    def walk(self, side: Side, qty: int) -> tuple[int, int]: ...
