"""PendingMarks: mark prices for the portfolio and the risk engine, applied when they matter.

On a flat position a mark moves no PnL and no equity, and the risk engine reads the reference
price only when it checks an order: such a mark is kept pending (with its time) and applied
before the next check or fill of that instrument, or a `flush` — the same state at every point
that reads it, for a fraction of the work (most marks are of flat instruments, and this is the
backtest's hottest call). A mark at an open position's current mark changes nothing but the
reference's age.
"""

from __future__ import annotations

from bot4.clock import Clock
from bot4.model import InstrumentId
from bot4.oms._gate import RiskGate
from bot4.oms._position import Portfolio

__all__ = ["PendingMarks"]


class PendingMarks:
    """The OMS's marks (see the module docstring); `pending` is read for truthiness on the
    order path, so a check costs nothing when every instrument is up to date."""

    __slots__ = ("_clock", "_portfolio", "_risk", "pending")

    def __init__(self, clock: Clock, portfolio: Portfolio, risk: RiskGate) -> None:
        self._clock = clock
        self._portfolio = portfolio
        self._risk = risk
        # Marks of flat positions not applied yet: instrument -> (price, ts ns).
        self.pending: dict[InstrumentId, tuple[int, int]] = {}

    def on_mark(self, instrument_id: InstrumentId, price: int, ts_ns: int | None) -> None:
        pos = self._portfolio.positions.get(instrument_id)
        if pos is not None and not pos.qty:
            ts = self._clock.monotonic_ns() if ts_ns is None else ts_ns
            self.pending[instrument_id] = (price, ts)
            return
        if pos is not None and pos.mark_price == price:
            self._risk.on_price(instrument_id, price, ts_ns)
            return
        self._apply(instrument_id, price, ts_ns)

    def flush(self) -> None:
        """Apply every pending mark."""
        pending = self.pending
        while pending:
            iid, (price, ts) = pending.popitem()
            self._apply(iid, price, ts)

    def flush_one(self, instrument_id: InstrumentId) -> None:
        """Apply the pending mark of one instrument, if any."""
        mark = self.pending.pop(instrument_id, None)
        if mark is not None:
            self._apply(instrument_id, mark[0], mark[1])

    def _apply(self, instrument_id: InstrumentId, price: int, ts_ns: int | None) -> None:
        portfolio = self._portfolio
        portfolio.set_mark(instrument_id, price)
        self._risk.on_price(instrument_id, price, ts_ns)
        self._risk.on_equity(portfolio.equity())
