"""Daily loss and drawdown: equity updates in, a breach (and a kill-switch trip) out.

The `loss_breach` check reads `breach` on the order path; everything else runs when the OMS
reports equity (account units), off the order path.
"""

from __future__ import annotations

from bot4.clock import Clock
from bot4.risk._decision import Denied, DenyReason
from bot4.risk.kill_switch import KillSwitch

__all__ = ["LossGuard"]

_NS_PER_DAY = 86_400 * 1_000_000_000
_R = DenyReason


class LossGuard:
    """Start-of-UTC-day equity, the equity peak, and the breach they give under the limits."""

    def __init__(self, clock: Clock, kill_switch: KillSwitch) -> None:
        self._clock = clock
        self.kill_switch = kill_switch
        self.max_loss: int | None = None  # account units (config.max_daily_loss); None = off
        self.max_dd_bps: int | None = None  # of the peak (config.max_drawdown_bps); None = off
        self._day = -1  # the UTC day of `_day_start`
        self._day_start = 0  # equity at the day's first update
        self._peak = 0  # highest equity seen
        self.breach: Denied | None = None  # the limit breached now, as the verdict it gives

    def on_equity(self, equity: int) -> None:
        """Account equity in account units: daily loss and drawdown; a breach trips the stop."""
        day = self._clock.time_ns() // _NS_PER_DAY
        if day != self._day:
            self._day, self._day_start = day, equity
            self._peak = max(self._peak, equity) if self._day >= 0 else equity
        self._peak = max(self._peak, equity)
        loss = self._day_start - equity
        breach: Denied | None = None
        if self.max_loss is not None and loss > self.max_loss:
            breach = Denied(_R.DAILY_LOSS, f"daily loss {loss} > {self.max_loss} account units")
        elif self.max_dd_bps is not None and (self._peak - equity) * 10_000 > (
            self.max_dd_bps * self._peak
        ):
            breach = Denied(
                _R.DRAWDOWN,
                f"drawdown {self._peak - equity} from peak {self._peak} > {self.max_dd_bps} bps",
            )
        prev, self.breach = self.breach, breach
        # trip on a new breach (or a new kind of it), or when the switch was reset while the
        # breach holds; not on every equity update of a breach already recorded (the OMS calls
        # this per price: the triggers would grow by one per tick while halted)
        if breach is not None and (
            not self.kill_switch.tripped or prev is None or prev.reason is not breach.reason
        ):
            src = "daily_loss" if breach.reason is _R.DAILY_LOSS else "drawdown"
            self.kill_switch.trip(breach.detail, source=src, by="risk_engine")
