"""Checks 15-16 and what an accepted order leaves behind: throttle, identical orders, record.

The token buckets are GCRA (`Slot.bucket`): a check compares, and only an accepted order
spends (`spend_rate`), so a denied order costs no capacity. An accepted order counts as open
at once (`record`: no window in which a burst could slip past the open-order and position
limits); a replace probe records nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot4.risk._decision import Decision, Denied
from bot4.risk._ledger import open_order
from bot4.risk.checks.base import FOK, IOC, NS_PER_MS, Candidate, R

if TYPE_CHECKING:
    from bot4.risk.engine import RiskEngine

__all__ = ["identical_order", "record", "spend_rate", "throttle"]


def throttle(e: RiskEngine, o: Candidate) -> Decision | None:
    """15. Order-rate buckets, the instrument's then the global one (a TAT in the past always
    passes; no bucket = tolerance INF)."""
    if o.exiting:
        return None
    if o.s.o_tat - o.now > o.s.o_tol:
        return Denied(R.THROTTLED, f"order rate limit on {o.s.iid}")
    if e._g_tat - o.now > e._g_tol:
        return Denied(R.THROTTLED, "global order rate limit")
    return None


def identical_order(e: RiskEngine, o: Candidate) -> Decision | None:
    """16. The same instrument/side/qty/price/kind was accepted within the window.
    (No enums in the key: Enum.__hash__ is a Python function, ~4 hashes per accept.)"""
    o.key = (o.req.instrument_id, o.buy, o.qty, o.price, o.stop)
    recent = e.ledger.recent
    if o.key in recent and o.now - recent[o.key] < e.ledger.dup_window:
        ago = (o.now - recent[o.key]) // NS_PER_MS
        return Denied(R.DUPLICATE_ORDER, f"identical order {ago} ms ago")
    return None


def spend_rate(e: RiskEngine, o: Candidate) -> Decision | None:
    """Accepted: spend one token of each bucket (an exit spends none)."""
    if o.exiting:
        return None
    s = o.s
    tat = s.o_tat
    s.o_tat = (tat if tat > o.now else o.now) + s.o_int
    tat = e._g_tat
    e._g_tat = (tat if tat > o.now else o.now) + e._g_int
    return None


def record(e: RiskEngine, o: Candidate) -> Decision | None:
    """Accepted: remember the identical-order key and count the order as open (a LIMIT order
    rests in our book unless IOC/FOK). A replace probe records nothing."""
    if o.replace:
        return None
    e.ledger.recent[o.key] = o.now
    e.ledger.recent_q.append(o.key)  # forgotten when expired, as orders close (Ledger)
    tif = o.req.time_in_force
    rest = o.limit and tif is not IOC and tif is not FOK
    open_order(e.ledger, o.cid, o.s, o.buy, o.qty, o.px, o.ne, o.stop, rest)
    return None
