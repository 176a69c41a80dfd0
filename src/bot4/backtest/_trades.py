"""Round-trip trades: fills matched first-in first-out per (strategy, instrument).

Each fill that adds to a position opens a lot. A fill on the other side closes the oldest lots
first; when it closes only part of a lot the lot is split, so one round trip is one matched piece
(entry lot part, exit fill part) with its own quantity. A fill larger than the open position closes
it and opens a lot on the other side with the remainder. Fees follow the quantity: a piece carries
the share of its entry and exit fills' fees that its quantity is of theirs.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot4.backtest._inputs import FillRecord

__all__ = ["Book", "Lot", "RoundTrip", "match_fills", "trade_stats"]

# A quantity left over from float subtraction (0.3 - 0.1 - 0.2) is not a position: anything below
# this share of the fill or lot it came from counts as zero.
_DUST = 1e-9


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One closed piece of a position."""

    strategy_id: str
    instrument: str
    direction: str  # "LONG" (bought then sold) or "SHORT" (sold then bought)
    qty: float  # base units closed
    entry_ts_ns: int
    exit_ts_ns: int
    entry_price: float
    exit_price: float
    gross_pnl: float  # (exit - entry) * qty, sign flipped for a short; quote units
    fees: float  # the piece's share of its entry and exit fees

    @property
    def net_pnl(self) -> float:
        return self.gross_pnl - self.fees


@dataclass(slots=True)
class Lot:
    """An open piece of a position; qty and fee shrink as exits close parts of it."""

    ts_ns: int  # entry time
    sign: int  # +1 long, -1 short
    qty: float  # base units still open, > 0
    price: float  # entry price
    fee: float  # entry fee not yet charged to a round trip


@dataclass(slots=True)
class Book:
    """The matching state and totals of one (strategy, instrument)."""

    lots: deque[Lot] = field(default_factory=deque)  # oldest first, all on one side
    fills: int = 0  # fills seen
    turnover: float = 0.0  # sum of price * qty
    fees: float = 0.0  # sum of fill fees
    realized: float = 0.0  # sum of round trips' gross PnL (before fees)

    def open_qty(self) -> float:
        """Signed base units still open (long > 0)."""
        return math.fsum(lot.sign * lot.qty for lot in self.lots)

    def unrealized(self, mark: float | None) -> float:
        """Open lots marked at `mark` (0 when there is nothing open or no price to mark with)."""
        if mark is None:
            return 0.0
        return math.fsum(lot.sign * (mark - lot.price) * lot.qty for lot in self.lots)


def _close(book: Book, f: FillRecord, sign: int, key: tuple[str, str]) -> list[RoundTrip]:
    """Close lots of `book` opposite to the fill, oldest first; open the remainder as a lot."""
    out: list[RoundTrip] = []
    left = f.qty
    fee_left = f.fee
    while book.lots and book.lots[0].sign != sign and left > _DUST * f.qty:
        lot = book.lots[0]
        qty = min(lot.qty, left)
        entry_fee = lot.fee * qty / lot.qty
        exit_fee = f.fee * qty / f.qty
        gross = lot.sign * (f.price - lot.price) * qty
        out.append(
            RoundTrip(
                strategy_id=key[0],
                instrument=key[1],
                direction="LONG" if lot.sign > 0 else "SHORT",
                qty=qty,
                entry_ts_ns=lot.ts_ns,
                exit_ts_ns=f.ts_ns,
                entry_price=lot.price,
                exit_price=f.price,
                gross_pnl=gross,
                fees=entry_fee + exit_fee,
            )
        )
        book.realized += gross
        left -= qty
        fee_left -= exit_fee
        if lot.qty - qty <= _DUST * lot.qty:
            book.lots.popleft()
        else:
            lot.fee -= entry_fee
            lot.qty -= qty
    if left > _DUST * f.qty:
        book.lots.append(Lot(ts_ns=f.ts_ns, sign=sign, qty=left, price=f.price, fee=fee_left))
    return out


def match_fills(fills: Iterable[FillRecord]) -> tuple[list[RoundTrip], dict[tuple[str, str], Book]]:
    """All round trips in exit order, and the book of every (strategy, instrument) seen.

    Fills are taken in time order; fills at the same instant keep the order they were recorded in.
    """
    books: dict[tuple[str, str], Book] = {}
    trips: list[RoundTrip] = []
    for f in sorted(fills, key=lambda f: f.ts_ns):
        key = (f.strategy_id, f.instrument)
        book = books.get(key)
        if book is None:
            book = books[key] = Book()
        book.fills += 1
        book.turnover += abs(f.price * f.qty)
        book.fees += f.fee
        trips.extend(_close(book, f, 1 if f.side == "BUY" else -1, key))
    return trips, dict(sorted(books.items()))


def _streaks(pnls: Sequence[float]) -> tuple[int, int]:
    """The longest run of winning and of losing round trips, in exit order."""
    best_win = best_loss = win = loss = 0
    for p in pnls:
        win = win + 1 if p > 0 else 0
        loss = loss + 1 if p < 0 else 0
        best_win = max(best_win, win)
        best_loss = max(best_loss, loss)
    return best_win, best_loss


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def trade_stats(trips: Sequence[RoundTrip]) -> dict[str, Any]:
    """Win rate, profit factor, expectancy and the like over round trips' net PnL (after fees).

    A round trip wins when its net PnL is > 0 and loses when < 0 (exactly 0 is neither). Ratios
    with nothing to divide by are None (the report shows why), never inf or NaN.
    """
    pnls = [t.net_pnl for t in trips]
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    gross_win = math.fsum(wins)
    gross_loss = math.fsum(losses)
    holding = [(t.exit_ts_ns - t.entry_ts_ns) / 1e9 for t in trips]
    streak_win, streak_loss = _streaks(pnls)
    n = len(trips)
    return {
        "trades": n,
        "wins": len(wins),
        "losses": len(losses),
        "win_rate": len(wins) / n if n else None,
        "avg_win": _mean(wins),
        "avg_loss": _mean(losses),
        "gross_profit": gross_win,
        "gross_loss": gross_loss,
        "profit_factor": gross_win / -gross_loss if losses else None,
        "expectancy": _mean(pnls),
        "best_trade": max(pnls) if pnls else None,
        "worst_trade": min(pnls) if pnls else None,
        "avg_holding_s": _mean(holding),
        "max_holding_s": max(holding) if holding else None,
        "min_holding_s": min(holding) if holding else None,
        "max_consecutive_wins": streak_win,
        "max_consecutive_losses": streak_loss,
        "long_share": sum(t.direction == "LONG" for t in trips) / n if n else None,
    }
