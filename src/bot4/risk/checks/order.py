"""Checks 1-5 and the steps before them: is this a well-formed order we may send at all?

Every order passes these, exits included: the instrument, the trading state, validity,
reduce-only, a reused client order id, the exchange lot and tick. The deny helpers say which
of several merged bounds failed (only on the deny path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot4.risk._decision import Decision, Denied
from bot4.risk.checks.base import BUY, HALTED, LIMIT, MARKET, POST_ONLY, STOP, Candidate, R

if TYPE_CHECKING:
    from bot4.risk._slot import Slot
    from bot4.risk.engine import RiskEngine

__all__ = [
    "classify",
    "client_order_id",
    "deny_qty",
    "instrument_known",
    "lot_size",
    "order_valid",
    "price_filter",
    "reduce_only",
    "tradable",
    "trading_state",
]


def deny_qty(s: Slot, qty: int) -> Denied:
    """Which quantity bound failed: the exchange's lot, or our max order quantity."""
    if qty < s.lot_min or qty > s.lot_max or (qty - s.lot_min) % s.lot_step:
        return Denied(R.LOT_SIZE, f"qty {qty} not in [{s.lot_min}, {s.lot_max}] / {s.lot_step}")
    return Denied(R.MAX_ORDER_QTY, f"qty {qty} > max {s.max_qty}")


def instrument_known(e: RiskEngine, o: Candidate) -> Decision | None:
    """The instrument is one of the engine's (the fast path looks it up in its prologue)."""
    o.s = e._slots.get(o.req.instrument_id)  # type: ignore[assignment]
    if o.s is None:
        return Denied(R.UNKNOWN_INSTRUMENT, f"unknown instrument {o.req.instrument_id}")
    return None


def classify(e: RiskEngine, o: Candidate) -> Decision | None:
    """Not a check: the order's kind and side, the position after it (and its side's open
    orders) fill, and whether it reduces the position."""
    o.qty = o.req.qty
    o.price = o.req.price
    o.cid = o.req.client_order_id
    ot = o.req.order_type
    o.market = ot is MARKET
    o.stop = ot is STOP
    o.limit = ot is LIMIT
    o.pos = o.s.pos
    if o.req.side is BUY:
        o.buy = True
        o.same = o.s.open_buy
        o.after = o.pos + o.same + o.qty
        o.reducing = o.pos < 0 and o.qty + o.same <= -o.pos
    else:
        o.buy = False
        o.same = o.s.open_sell
        o.after = o.same + o.qty - o.pos
        o.reducing = o.pos > 0 and o.qty + o.same <= o.pos
    o.ro = o.req.reduce_only
    o.exiting = o.reducing and o.ro
    return None


def trading_state(e: RiskEngine, o: Candidate) -> Decision | None:
    """1. HALTED passes exits only; REDUCING passes orders that shrink the position."""
    if not e._state or o.exiting:
        return None
    if e._state == HALTED:
        e.kill_switch.poll()  # re-arms after the cool-down: its halt hook sets the state
    if e._state == HALTED:
        return Denied(R.TRADING_HALTED, "kill switch tripped: only cancels and exits")
    if e._state and not o.reducing:
        return Denied(R.TRADING_REDUCING, "state REDUCING: order does not reduce")
    return None


def tradable(e: RiskEngine, o: Candidate) -> Decision | None:
    """2. The instrument takes new orders (status, operator switch, every filter known)."""
    if not o.s.tradable:
        return Denied(R.INSTRUMENT_NOT_TRADABLE, f"{o.s.iid}: {o.s.untradable_why}")
    return None


def order_valid(e: RiskEngine, o: Candidate) -> Decision | None:
    """2. Quantity > 0; a price exactly when the type needs one; a trigger for a stop."""
    if o.qty <= 0:
        return Denied(R.INVALID_ORDER, f"qty must be > 0, got {o.qty}")
    if o.market:
        if o.price is not None or o.req.time_in_force is POST_ONLY:
            return Denied(R.INVALID_ORDER, "a MARKET order has no price and cannot POST_ONLY")
    elif o.price is None or o.price <= 0 or (o.stop and not o.req.trigger_price):
        ot = o.req.order_type
        return Denied(R.INVALID_ORDER, f"{ot.value} needs a price > 0 (and STOP a trigger)")
    return None


def reduce_only(e: RiskEngine, o: Candidate) -> Decision | None:
    """2. A reduce-only order must shrink the position (counting its side's open orders)."""
    if o.ro and not o.reducing:
        return Denied(R.REDUCE_ONLY_VIOLATION, f"position {o.pos}: order would not reduce")
    return None


def client_order_id(e: RiskEngine, o: Candidate) -> Decision | None:
    """3. The client order id is new: not open, not closed within the memory."""
    if not o.own_id and (o.cid in e.ledger.open or o.cid in e.ledger.closed):
        return Denied(R.DUPLICATE_CLIENT_ORDER_ID, f"client order id {o.cid!r} already used")
    return None


def lot_size(e: RiskEngine, o: Candidate) -> Decision | None:
    """4. The exchange lot and, for new risk, our max order qty: one merged bound (reject,
    never round; `deny_qty` tells which). On the lot grid: (qty - min) % step == 0, asked as
    qty % step == min % step (`Slot.lot_phase`): no subtraction of two multi-digit ints."""
    s = o.s
    if (
        o.qty < s.lot_min
        or o.qty > (s.lot_max if o.exiting else s.qty_hi)
        or o.qty % s.lot_step != s.lot_phase
    ):
        return deny_qty(s, o.qty)
    return None


def price_filter(e: RiskEngine, o: Candidate) -> Decision | None:
    """5. A market order's MARKET_LOT_SIZE; a priced order's exchange tick. For new risk the
    exchange min/max price are folded into the price bands (`Slot.set_ref`); an exit, which
    skips the bands, is held to them here. On the tick grid: price % tick == min_price % tick
    (`Slot.tick_phase`), as the lot check asks."""
    s = o.s
    if o.market:
        if o.qty < s.mkt_min or o.qty > s.mkt_max or (o.qty - s.mkt_min) % s.mkt_step:
            return Denied(R.LOT_SIZE, f"market qty {o.qty} outside MARKET_LOT_SIZE")
    else:
        assert o.price is not None, "order_valid let a priced order without a price through"  # nosec B101
        if o.price % s.tick != s.tick_phase or (
            o.exiting and (o.price < s.min_price or o.price > s.max_price)
        ):
            why = f"price {o.price} not in [{s.min_price}, {s.max_price}]"
            return Denied(R.PRICE_FILTER, why)
    return None
