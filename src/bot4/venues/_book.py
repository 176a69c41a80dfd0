"""The part of an order book the paper venue reads (the marketdata `OrderBook` satisfies it),
and the three ways the paper venue reads it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from bot4.model import Side

__all__ = ["BookView", "LastTradeBook", "levels_within", "marketable", "queue_at"]

_BUY = Side.BUY  # a global load, not an Enum attribute lookup, on the hot path


class BookView(Protocol):
    """Read-only L2 levels in fixed-point ints: (price units, size units), best first."""

    def best_bid(self) -> tuple[int, int] | None: ...

    def best_ask(self) -> tuple[int, int] | None: ...

    def bids(self, n: int | None = None) -> list[tuple[int, int]]: ...

    def asks(self, n: int | None = None) -> list[tuple[int, int]]: ...

    def walk(self, side: Side, qty: int) -> tuple[int, int]: ...


def marketable(book: BookView, side: Side, limit: int | None) -> bool:
    """True when a `side` order at `limit` (None: market) would take liquidity now."""
    top = book.best_ask() if side is _BUY else book.best_bid()
    if top is None:
        return False
    return limit is None or (top[0] <= limit if side is _BUY else top[0] >= limit)


def levels_within(book: BookView, side: Side, limit: int | None) -> Iterator[tuple[int, int]]:
    """Opposite-side levels a `side` order with `limit` may take, best first."""
    get = book.asks if side is _BUY else book.bids
    # Nearly every order stops within the top levels (a passive quote at the first one):
    # copy the top 16, then 4x more each time the walk runs past them, never the whole
    # book up front (a 1,000-level copy per quote cost ~90 us in the node).
    n, seen = 16, 0
    while True:
        chunk = get(n)
        for price, qty in chunk[seen:] if seen else chunk:
            if limit is not None and (price > limit if side is _BUY else price < limit):
                return
            yield price, qty
        if len(chunk) < n:
            return
        n, seen = n * 4, n


def queue_at(book: BookView, side: Side, price: int, depth: int) -> int:
    """The quantity the book shows at `price` on our side (within the best `depth` levels):
    the queue ahead of a new resting order there; 0 for a new level."""
    levels = book.bids if side is _BUY else book.asks
    for p, q in levels(depth):
        if p == price:
            return q
    return 0


class LastTradeBook:
    """The book of an instrument the data has trades for but no book (Binance trades CSVs,
    Tardis trades): one level on each side, at the last trade's price and size. A limit order
    at or through the last price takes up to that size there; the rest rests and fills when
    later trades go through it. The common model for trade data (NautilusTrader's too)."""

    __slots__ = ("_level",)

    def __init__(self, price: int, qty: int) -> None:
        self._level = (price, qty)

    def update(self, price: int, qty: int) -> None:
        self._level = (price, qty)

    def best_bid(self) -> tuple[int, int]:
        return self._level

    def best_ask(self) -> tuple[int, int]:
        return self._level

    def bids(self, n: int | None = None) -> list[tuple[int, int]]:
        return [self._level] if n is None or n > 0 else []

    def asks(self, n: int | None = None) -> list[tuple[int, int]]:
        return [self._level] if n is None or n > 0 else []

    def walk(self, side: Side, qty: int) -> tuple[int, int]:
        """(qty filled, notional) taking up to `qty` from the one level."""
        price, size = self._level
        take = max(0, min(qty, size))
        return take, take * price
