"""Positions (netting, one per instrument) and the portfolio view the risk engine reads.

All money is exact integers. A position keeps its open quantity and its *cost* (the signed
notional of the open quantity at entry prices, price units * size units), so:

    realized_pnl + unrealized_pnl == -(sum of signed fill notionals) + qty * mark

holds exactly whatever the rounding of the average price (the proportional cost removed on a
reduce is floored, and what it leaves is the next reduce's cost). Fees are kept apart:
`net_pnl = realized + unrealized - fees`.

The portfolio converts each instrument's notional units (10**-(pp+sp) quote) into account units
(10**-account_precision quote) so instruments with different precisions can be summed. It assumes
one quote currency for the account (e.g. everything in USDT), as the seed does.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot4.clock import Clock
from bot4.model import Instrument, InstrumentId, Side

__all__ = ["Portfolio", "Position"]

_NS_PER_DAY = 86_400 * 1_000_000_000


# Enum members hoisted to module constants: `Side.BUY` is an attribute lookup on the
# Enum class (~0.2 us each, measured); these are plain global loads on the hot path.
_BUY = Side.BUY


class Position:
    """The net position in one instrument."""

    __slots__ = (
        "buy_qty",
        "cost",
        "fees",
        "fill_count",
        "instrument_id",
        "mark_price",
        "qty",
        "realized_pnl",
        "sell_qty",
    )

    def __init__(self, instrument_id: InstrumentId) -> None:
        self.instrument_id = instrument_id
        # Signed open quantity in size units: > 0 long, < 0 short.
        self.qty = 0
        # Signed notional of the open quantity at entry (same sign as qty; 0 when flat).
        self.cost = 0
        # Closed-trade PnL in notional units, before fees.
        self.realized_pnl = 0
        # Fees paid (negative: rebates received), notional units.
        self.fees = 0
        # Last mark price (price units), None until one is known.
        self.mark_price: int | None = None
        # Gross bought and sold quantity: qty == buy_qty - sell_qty always.
        self.buy_qty = 0
        self.sell_qty = 0
        self.fill_count = 0

    @property
    def avg_entry_price(self) -> int | None:
        """Average entry price of the open quantity (price units, floor); None when flat."""
        return abs(self.cost) // abs(self.qty) if self.qty else None

    @property
    def unrealized_pnl(self) -> int:
        """Open PnL at the mark price (notional units); 0 while flat or without a mark."""
        mark = self.mark_price
        return self.qty * mark - self.cost if mark is not None and self.qty else 0

    def apply_fill(self, side: Side, qty: int, price: int, fee: int) -> int:
        """Net one fill into the position; returns the realized PnL it produced."""
        self.fill_count += 1
        self.fees += fee
        if side is _BUY:
            self.buy_qty += qty
            signed = qty
        else:
            self.sell_qty += qty
            signed = -qty
        pos = self.qty
        if pos == 0 or (pos > 0) == (signed > 0):
            self.qty = pos + signed
            self.cost += signed * price
            return 0
        # Reducing (and maybe flipping): close min(qty, |pos|) at `price`.
        open_abs = abs(pos)
        close = min(qty, open_abs)
        removed = abs(self.cost) * close // open_abs  # == |cost| when closing everything
        direction = 1 if pos > 0 else -1
        realized = direction * (price * close - removed)
        self.realized_pnl += realized
        if qty <= open_abs:
            self.qty = pos + signed
            self.cost -= direction * removed
        else:  # flipped: the rest opens a new position at this price
            self.qty = signed + pos
            self.cost = self.qty * price
        return realized


class Portfolio:
    """Every position plus the account numbers the risk engine's checks read.

    Values are in account units (quote * 10**account_precision). Equity = starting equity +
    realized - fees + unrealized, updated on every fill and mark; the peak and the start-of-day
    equity (UTC day from the injected Clock) follow it, giving daily PnL and drawdown.
    """

    def __init__(
        self,
        instruments: Mapping[InstrumentId, Instrument],
        *,
        clock: Clock,
        starting_equity: int = 0,
        account_precision: int = 8,
    ) -> None:
        self._clock = clock
        self.account_precision = account_precision
        self.positions: dict[InstrumentId, Position] = {}
        # Per instrument: (multiply, divide) turning its notional units into account units.
        self._scale: dict[InstrumentId, tuple[int, int]] = {}
        for iid, inst in instruments.items():
            self.add_instrument(iid, inst)
        self.starting_equity = starting_equity
        # Sums over positions, in account units, kept incrementally (no scan per fill).
        self._realized = 0
        self._fees = 0
        self._unrealized = 0
        self._unrealized_of: dict[InstrumentId, int] = {}
        self.peak_equity = starting_equity
        self._day = clock.time_ns() // _NS_PER_DAY
        self.day_start_equity = starting_equity

    def add_instrument(self, iid: InstrumentId, instrument: Instrument) -> None:
        exp = self.account_precision - instrument.notional_scale()
        self._scale[iid] = (10**exp, 1) if exp >= 0 else (1, 10**-exp)

    def to_account(self, iid: InstrumentId, notional: int) -> int:
        """Notional units of `iid` in account units (floor when the account is coarser)."""
        mul, div = self._scale[iid]
        return notional * mul // div

    def position(self, iid: InstrumentId) -> Position:
        pos = self.positions.get(iid)
        if pos is None:
            if iid not in self._scale:
                raise KeyError(f"unknown instrument {iid}")
            pos = self.positions[iid] = Position(iid)
        return pos

    def position_qty(self, iid: InstrumentId) -> int:
        pos = self.positions.get(iid)
        return pos.qty if pos is not None else 0

    def apply_fill(self, iid: InstrumentId, side: Side, qty: int, price: int, fee: int) -> None:
        """Net a fill into its position and update the account numbers."""
        # Hot path (one call per fill): locals, one conversion per sum, no helper calls but
        # Position.apply_fill; set_mark shares _account_update.
        pos = self.positions.get(iid)
        if pos is None:
            pos = self.position(iid)
        if pos.mark_price is None:
            pos.mark_price = price
        before = self.starting_equity + self._realized - self._fees + self._unrealized
        realized = pos.apply_fill(side, qty, price, fee)
        mul, div = self._scale[iid]
        if realized:
            self._realized += realized * mul // div
        self._fees += fee * mul // div
        self._account_update(pos, mul, div, before)

    def set_mark(self, iid: InstrumentId, price: int) -> None:
        """A new mark price (from the book's mid or last trade) for unrealized PnL."""
        pos = self.position(iid)
        before = self.equity()
        pos.mark_price = price
        mul, div = self._scale[iid]
        self._account_update(pos, mul, div, before)

    def _account_update(self, pos: Position, mul: int, div: int, equity_before: int) -> None:
        """Refresh the position's unrealized PnL in the sums, the day and the peak."""
        iid = pos.instrument_id
        new = pos.unrealized_pnl * mul // div
        self._unrealized += new - self._unrealized_of.get(iid, 0)
        self._unrealized_of[iid] = new
        self._roll_day(equity_before)
        equity = self.starting_equity + self._realized - self._fees + self._unrealized
        self.peak_equity = max(self.peak_equity, equity)

    def _roll_day(self, equity_before: int) -> None:
        day = self._clock.time_ns() // _NS_PER_DAY
        if day != self._day:  # a new UTC day starts from the equity before this change
            self._day = day
            self.day_start_equity = equity_before

    def realized_pnl(self) -> int:
        return self._realized

    def fees(self) -> int:
        return self._fees

    def unrealized_pnl(self) -> int:
        return self._unrealized

    def equity(self) -> int:
        return self.starting_equity + self._realized - self._fees + self._unrealized

    def daily_pnl(self) -> int:
        """Equity now minus equity at the start of the current UTC day."""
        self._roll_day(self.equity())
        return self.equity() - self.day_start_equity

    def drawdown(self) -> int:
        """Peak equity minus equity now (>= 0)."""
        return self.peak_equity - self.equity()

    def exposure(self, iid: InstrumentId) -> int:
        """Signed exposure of one position at its mark (entry price without one), account units."""
        pos = self.positions.get(iid)
        if pos is None or not pos.qty:
            return 0
        value = pos.qty * pos.mark_price if pos.mark_price is not None else pos.cost
        return self.to_account(iid, value)

    def gross_exposure(self) -> int:
        return sum(abs(self.exposure(iid)) for iid in self.positions)

    def net_exposure(self) -> int:
        return sum(self.exposure(iid) for iid in self.positions)
