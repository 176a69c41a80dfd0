"""A deterministic synthetic order book that moves like a real one, for the generators.

The generators need a book whose changes look like an exchange's: a handful of levels per
message near the touch, prices that drift, and never a crossed book. `Ladder` keeps the true
book as integer ticks/lots and returns, per step, the changed levels with their new quantity
(0 = deleted) — each exchange's generator then writes them in its own wire format.
"""

from __future__ import annotations

import bisect
import random

__all__ = ["LEVELS_HISTOGRAM", "Ladder", "sample_levels"]

# Levels (bids + asks) per `depthUpdate` message, measured on 2026-11-25 from the shared real
# recordings /work/shared/data/recordings/BINANCE.ws.1.0 (177 spot diffs, 100 ms) and
# BINANCE_FUTURES.ws.1.0 (764 USD-M diffs, 100 ms), summed: {levels: messages}. The synthetic
# Binance stream draws from it so the benchmark's per-message work matches the real feeds.
BINANCE_SPOT_LEVELS: dict[int, int] = {
    1: 80, 2: 41, 3: 18, 4: 18, 5: 8, 6: 3, 7: 5, 8: 1, 9: 1, 11: 1, 13: 1,
}  # fmt: skip
BINANCE_FUTURES_LEVELS: dict[int, int] = {
    1: 89, 2: 120, 3: 90, 4: 73, 5: 58, 6: 41, 7: 30, 8: 30, 9: 29, 10: 19, 11: 19, 12: 16,
    13: 12, 14: 7, 15: 10, 16: 9, 17: 10, 18: 14, 19: 8, 20: 10, 21: 4, 22: 2, 23: 4, 24: 3,
    25: 5, 26: 2, 27: 5, 28: 5, 29: 6, 30: 6, 31: 2, 32: 4, 34: 2, 35: 2, 36: 2, 37: 2, 38: 2,
    42: 1, 43: 2, 46: 1, 48: 1, 49: 1, 51: 3, 55: 1, 58: 1, 61: 1,
}  # fmt: skip
LEVELS_HISTOGRAM: dict[int, int] = {
    k: BINANCE_SPOT_LEVELS.get(k, 0) + BINANCE_FUTURES_LEVELS.get(k, 0)
    for k in sorted(set(BINANCE_SPOT_LEVELS) | set(BINANCE_FUTURES_LEVELS))
}

_LEVEL_VALUES = list(LEVELS_HISTOGRAM)
_LEVEL_CUM: list[int] = []
_acc = 0
for _n in LEVELS_HISTOGRAM.values():
    _acc += _n
    _LEVEL_CUM.append(_acc)


def sample_levels(rng: random.Random) -> int:
    """Levels in one message, drawn from the measured histogram."""
    return _LEVEL_VALUES[bisect.bisect_right(_LEVEL_CUM, rng.randrange(_acc))]


class Ladder:
    """The true book of one synthetic instrument, in ticks and lots.

    Invariant: every bid is below `mid` and every ask above it, so the book never crosses;
    when `mid` moves, the levels it passes are deleted in the same step (as a real diff does).
    """

    __slots__ = ("asks", "bids", "max_lots", "mid", "rng", "spread_levels")

    def __init__(self, rng: random.Random, mid_ticks: int, depth: int, max_lots: int) -> None:
        self.rng = rng  # the generator's seeded source; the only randomness used
        self.mid = mid_ticks  # bids < mid < asks, in ticks
        self.max_lots = max_lots  # largest quantity of a level, in lots
        self.spread_levels = max(depth, 10)  # new levels land at most this far from mid (ticks)
        self.bids: dict[int, int] = {}  # price ticks -> qty lots (> 0)
        self.asks: dict[int, int] = {}
        for k in range(1, depth + 1):
            self.bids[mid_ticks - k] = rng.randint(1, max_lots)
            self.asks[mid_ticks + k] = rng.randint(1, max_lots)

    def step(self, levels: int) -> list[tuple[bool, int, int]]:
        """Change about `levels` levels; returns (is_bid, price_ticks, new_qty_lots) per change."""
        rng = self.rng
        changes: dict[tuple[bool, int], int] = {}
        if rng.random() < 0.05:
            # The price moves a tick: delete what the new mid passes, on the same message.
            # Only the level at the new mid can be passed: bids < old mid, asks > old mid.
            self.mid += rng.choice((-1, 1))
            if self.asks.pop(self.mid, 0):
                changes[(False, self.mid)] = 0
            if self.bids.pop(self.mid, 0):
                changes[(True, self.mid)] = 0
        # At most 2 * spread_levels distinct (side, price) keys exist: bound the loop by them.
        levels = min(levels, self.spread_levels)
        while len(changes) < levels:
            is_bid = rng.random() < 0.5
            # Most activity is near the touch: distance from mid is roughly geometric.
            dist = 1 + min(int(rng.expovariate(0.15)), self.spread_levels - 1)
            price = self.mid - dist if is_bid else self.mid + dist
            book = self.bids if is_bid else self.asks
            if price in book and (len(book) > 5 and rng.random() < 0.3):
                del book[price]
                qty = 0
            else:
                qty = rng.randint(1, self.max_lots)
                book[price] = qty
            changes[(is_bid, price)] = qty
        return [(is_bid, price, qty) for (is_bid, price), qty in changes.items()]

    def top(self, is_bid: bool, n: int | None = None) -> list[tuple[int, int]]:
        """Levels of one side best-first, at most `n`."""
        book = self.bids if is_bid else self.asks
        prices = sorted(book, reverse=is_bid)
        if n is not None:
            prices = prices[:n]
        return [(p, book[p]) for p in prices]
