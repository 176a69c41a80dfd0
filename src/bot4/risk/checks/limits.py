"""Checks 6-12: the limits on new risk from one order, cheapest first.

An exit (reduce-only and shrinking the position) is never blocked by these: each starts with
`if o.exiting: return None`. Prices and notionals are compared with bounds the engine derived
when the limits or the reference price last changed (`Slot.apply_limits`, `Slot.set_ref`), so
each check is one or two int compares; the deny helpers work out which merged bound failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot4.risk._decision import Decision, Denied
from bot4.risk._slot import INF
from bot4.risk.checks.base import NS_PER_MS, Candidate, R

if TYPE_CHECKING:
    from bot4.risk._slot import Slot
    from bot4.risk.engine import RiskEngine

__all__ = [
    "deny_band",
    "deny_notional",
    "deny_reference",
    "loss_breach",
    "max_position",
    "notional",
    "open_orders",
    "price_band",
    "price_it",
    "reference_price",
    "self_trade",
]


def deny_notional(s: Slot, n: int, market: bool) -> Denied:
    """Which notional bound failed (price*size units of the instrument)."""
    if n < (s.mkt_min_notional if market else s.min_notional):
        return Denied(R.MIN_NOTIONAL, f"notional {n} < min {s.min_notional}")
    if n > s.max_notional:
        return Denied(R.MAX_ORDER_NOTIONAL, f"notional {n} > max {s.max_notional}")
    return Denied(R.MAX_NOTIONAL, f"notional {n} > exchange max {s.max_notional_f}")


def deny_reference(s: Slot, now: int) -> Denied:
    """No reference price yet, or one older than its maximum age."""
    if not s.ref:
        return Denied(R.NO_REFERENCE_PRICE, f"no reference price for {s.iid}")
    return Denied(R.STALE_REFERENCE_PRICE, f"reference {(now - s.ref_ts) // NS_PER_MS} ms old")


def deny_band(s: Slot, px: int, buy: bool) -> Denied:
    """Which price band failed: the exchange's min/max, our collar, or its percent price."""
    ref = s.ref
    if px < s.min_price or px > s.max_price:
        return Denied(R.PRICE_FILTER, f"price {px} not in [{s.min_price}, {s.max_price}]")
    if abs(px - ref) * 10_000 > s.collar_bps * ref:
        return Denied(R.PRICE_COLLAR, f"price {px} > {s.collar_bps} bps from {ref}")
    side = "bid" if buy else "ask"
    return Denied(R.PERCENT_PRICE, f"{side} {px} outside PERCENT_PRICE of {ref}")


def price_it(e: RiskEngine, o: Candidate) -> Decision | None:
    """Not a check: the time, and the order's value (a market order at the reference)."""
    o.now = e._now()
    o.px = o.s.ref if o.market else o.price  # type: ignore[assignment]
    o.n = o.qty * o.px
    o.ne = o.n * o.s.mult
    return None


def open_orders(e: RiskEngine, o: Candidate) -> Decision | None:
    """6. Open orders: on the instrument (config, MAX_NUM_ORDERS), stop orders
    (MAX_NUM_ALGO_ORDERS), in total."""
    if o.exiting:
        return None
    s = o.s
    if s.open_n >= s.max_open:
        return Denied(R.MAX_OPEN_ORDERS, f"{s.open_n} open on {s.iid}")
    if o.stop and s.algo_n >= s.max_algo:
        return Denied(R.MAX_OPEN_ORDERS, f"{s.algo_n} stop orders open on {s.iid}")
    if len(e.ledger.open) >= e._max_open_total:  # (len is specialised: no real call)
        return Denied(R.MAX_OPEN_ORDERS, f"{len(e.ledger.open)} open in total")
    return None


def reference_price(e: RiskEngine, o: Candidate) -> Decision | None:
    """7. A reference price is known and fresh (`ref_until` = its time + max age; -1 = none)."""
    if o.exiting:
        return None
    if o.now > o.s.ref_until:
        return deny_reference(o.s, o.now)
    return None


def price_band(e: RiskEngine, o: Candidate) -> Decision | None:
    """8. The limit price is inside collar ∩ percent price ∩ min/max price, per side (set with
    the reference by `Slot.set_ref`): two compares."""
    if o.exiting:
        return None
    if o.market:
        return None
    s = o.s
    if o.buy:
        if o.px < s.bid_lo or o.px > s.bid_hi:
            return deny_band(s, o.px, True)
    elif o.px < s.ask_lo or o.px > s.ask_hi:
        return deny_band(s, o.px, False)
    return None


def notional(e: RiskEngine, o: Candidate) -> Decision | None:
    """9. Exchange min/max notional and our max order notional, merged per order kind."""
    if o.exiting:
        return None
    s = o.s
    if o.market:
        if o.n < s.mkt_min_notional or o.n > s.mkt_notional_hi:
            return deny_notional(s, o.n, True)
    elif o.n < s.min_notional or o.n > s.notional_hi:
        return deny_notional(s, o.n, False)
    return None


def loss_breach(e: RiskEngine, o: Candidate) -> Decision | None:
    """10. Daily loss or drawdown breached (the kill switch has tripped already)."""
    if o.exiting:
        return None
    if e.loss.breach is not None:
        return e.loss.breach
    return None


def self_trade(e: RiskEngine, o: Candidate) -> Decision | None:
    """11. The order would cross our own resting order (a market order crosses any), when
    self-trade prevention is on (asked last: crossing is the rare case)."""
    if o.exiting:
        return None
    s = o.s
    if o.buy:
        if (o.px >= s.our_ask or (o.market and s.our_ask != INF)) and e._stp:
            return Denied(R.SELF_TRADE, f"buy {o.px} crosses our ask {s.our_ask}")
    elif (o.px <= s.our_bid or (o.market and s.our_bid >= 0)) and e._stp:
        return Denied(R.SELF_TRADE, f"sell {o.px} crosses our bid {s.our_bid}")
    return None


def max_position(e: RiskEngine, o: Candidate) -> Decision | None:
    """12. |position| after this order and every open order on its side fill (`o.after`)."""
    if o.exiting:
        return None
    if o.after > o.s.max_pos:
        return Denied(R.MAX_POSITION, f"|position| would be {o.after} > {o.s.max_pos}")
    return None
