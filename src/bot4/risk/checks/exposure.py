"""Checks 13-14: exposure limits, which bound new risk only.

An order that shrinks its position (`o.reducing`, counting the open orders on its side) skips
them, as does an exit. Gross and net compare the order's notional with the headroom the
`Ledger` keeps under each limit (one compare per limit, exact ints). The correlated limit is
sqrt(wᵀCw) with the order added, kept as Q + δ(2(Cw)ᵢ + δ) (floats, `CorrelatedExposure`);
it applies only when `max_correlated_exposure` is configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot4.risk._decision import Decision, Denied
from bot4.risk.checks.base import Candidate, R

if TYPE_CHECKING:
    from bot4.risk.engine import RiskEngine

__all__ = ["correlated_exposure", "gross_exposure", "net_exposure"]


def gross_exposure(e: RiskEngine, o: Candidate) -> Decision | None:
    """13. Gross position exposure + open orders + this order within `max_gross_exposure`."""
    if o.exiting:
        return None
    if o.reducing:
        return None
    if o.ne > e.ledger.gross_room:
        gross = e.ledger.max_gross - e.ledger.gross_room + o.ne
        return Denied(R.MAX_GROSS_EXPOSURE, f"gross {gross}")
    return None


def net_exposure(e: RiskEngine, o: Candidate) -> Decision | None:
    """13. |net exposure + same-direction open orders + this order| within `max_net_exposure`."""
    if o.exiting:
        return None
    if o.reducing:
        return None
    room = e.ledger.buy_room if o.buy else e.ledger.sell_room
    if o.ne > room:
        net_after = e.ledger.max_net - room + o.ne
        return Denied(R.MAX_NET_EXPOSURE, f"|net| would be {net_after}")
    return None


def correlated_exposure(e: RiskEngine, o: Candidate) -> Decision | None:
    """14. sqrt(wᵀCw) after this order and its side's open orders fill, within the limit
    (Cᵢᵢ = 1; 2(Cw)ᵢ is kept doubled). An order that lowers it always passes."""
    if o.exiting:
        return None
    if o.reducing:
        return None
    corr = e.correlated
    if corr is None:
        return None
    delta = (o.qty + o.same) * o.px * o.s.fscale
    if not o.buy:
        delta = -delta
    q = corr.q
    qa = q + delta * (corr.cw2[o.s.idx] + delta)
    if qa > corr.max_sq and qa > q:
        return Denied(R.MAX_CORRELATED_EXPOSURE, f"sqrt(wᵀCw) -> {qa**0.5:.2f}")
    return None
