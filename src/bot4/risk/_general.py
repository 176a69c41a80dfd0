"""The reference check: every check on any order, one after the other (see `bot4.risk.engine`).

`RiskEngine.check` handles the common order — LIMIT, not reduce-only, state ACTIVE — itself,
with the same checks specialised (and inlined) for it, and hands everything else here: market
and stop orders, reduce-only orders and exits, the REDUCING and HALTED states, unknown or
untradable instruments, malformed orders. Both must decide alike
(verdict, reason and detail): `tests/unit/risk/test_fast_path.py` (seeded) and a hypothesis
test in `tests/property/test_risk_property.py` run them side by side on random sequences.
"""

from __future__ import annotations

from collections.abc import Callable

from bot4.model import OrderRequest, OrderType, Side, TimeInForce
from bot4.risk._decision import ACCEPTED, Decision, Denied, DenyReason
from bot4.risk._slot import INF, Slot
from bot4.risk._state import EngineState

__all__ = ["GeneralCheck", "deny_band", "deny_notional", "deny_qty", "deny_reference"]

_BUY = Side.BUY
_MARKET = OrderType.MARKET
_STOP = OrderType.STOP_LIMIT
_POST_ONLY = TimeInForce.POST_ONLY
_NS_PER_MS = 1_000_000
_HALTED = 2
_R = DenyReason


def deny_qty(s: Slot, qty: int) -> Denied:
    """Which quantity bound failed: the exchange's lot, or our max order quantity."""
    if qty < s.lot_min or qty > s.lot_max or (qty - s.lot_min) % s.lot_step:
        return Denied(_R.LOT_SIZE, f"qty {qty} not in [{s.lot_min}, {s.lot_max}] / {s.lot_step}")
    return Denied(_R.MAX_ORDER_QTY, f"qty {qty} > max {s.max_qty}")


def deny_notional(s: Slot, n: int, market: bool) -> Denied:
    """Which notional bound failed (price*size units of the instrument)."""
    if n < (s.mkt_min_notional if market else s.min_notional):
        return Denied(_R.MIN_NOTIONAL, f"notional {n} < min {s.min_notional}")
    if n > s.max_notional:
        return Denied(_R.MAX_ORDER_NOTIONAL, f"notional {n} > max {s.max_notional}")
    return Denied(_R.MAX_NOTIONAL, f"notional {n} > exchange max {s.max_notional_f}")


def deny_reference(s: Slot, now: int) -> Denied:
    """No reference price yet, or one older than its maximum age."""
    if not s.ref:
        return Denied(_R.NO_REFERENCE_PRICE, f"no reference price for {s.iid}")
    return Denied(_R.STALE_REFERENCE_PRICE, f"reference {(now - s.ref_ts) // _NS_PER_MS} ms old")


def deny_band(s: Slot, px: int, buy: bool) -> Denied:
    """Which price band failed: our collar, or the exchange's percent price."""
    ref = s.ref
    if px < s.min_price or px > s.max_price:
        return Denied(_R.PRICE_FILTER, f"price {px} not in [{s.min_price}, {s.max_price}]")
    if abs(px - ref) * 10_000 > s.collar_bps * ref:
        return Denied(_R.PRICE_COLLAR, f"price {px} > {s.collar_bps} bps from {ref}")
    side = "bid" if buy else "ask"
    return Denied(_R.PERCENT_PRICE, f"{side} {px} outside PERCENT_PRICE of {ref}")


class GeneralCheck(EngineState):
    """`_check_general`, and the engine state it reads (set by `RiskEngine`)."""

    _state: int
    _max_open_total: int
    _max_corr_sq: float
    _corr_on: bool
    _stp: bool
    _g_tat: int
    _g_int: int
    _g_tol: int

    _now: Callable[[], int]  # the clock's monotonic_ns, bound once

    def _check_general(
        self, req: OrderRequest, replace: bool = False, own_id: bool = False
    ) -> Decision:
        """Every check on any order, in the order listed in `bot4.risk.engine` (the reference).

        `replace`: a replace probe (`RiskEngine.check_replace`): on accept only the rate
        capacity is spent; nothing is recorded (no id, no identical-order key, no open order).
        `own_id`: the probe keeps the id of the open order it amends, so the id-reuse check
        does not apply (an earlier confirmed replace left that id among the closed ones).
        """
        s = self._slots.get(req.instrument_id)  # (.get: the fast path raised KeyError already)
        if s is None:
            return Denied(_R.UNKNOWN_INSTRUMENT, f"unknown instrument {req.instrument_id}")
        qty = req.qty
        pos = s.pos
        if req.side is _BUY:
            buy = True
            same = s.open_buy
            reducing = pos < 0 and qty + same <= -pos
        else:
            buy = False
            same = s.open_sell
            reducing = pos > 0 and qty + same <= pos
        ro = req.reduce_only
        exit_ = reducing and ro
        # 1. trading state
        if self._state and not exit_:
            if self._state == _HALTED:
                if self.kill_switch.poll():  # auto re-arm after the cool-down
                    return self._check_general(req, replace, own_id)
                return Denied(_R.TRADING_HALTED, "kill switch tripped: only cancels and exits")
            if not reducing:
                return Denied(_R.TRADING_REDUCING, "state REDUCING: order does not reduce")
        # 2. instrument and order validity
        if not s.tradable:
            return Denied(_R.INSTRUMENT_NOT_TRADABLE, f"{s.iid}: {s.untradable_why}")
        ot = req.order_type
        price = req.price
        if qty <= 0:
            return Denied(_R.INVALID_ORDER, f"qty must be > 0, got {qty}")
        if ot is _MARKET:
            if price is not None or req.time_in_force is _POST_ONLY:
                return Denied(_R.INVALID_ORDER, "a MARKET order has no price and cannot POST_ONLY")
        elif price is None or price <= 0 or (ot is _STOP and not req.trigger_price):
            return Denied(_R.INVALID_ORDER, f"{ot.value} needs a price > 0 (and STOP a trigger)")
        if ro and not reducing:
            return Denied(_R.REDUCE_ONLY_VIOLATION, f"position {pos}: order would not reduce")
        # 3. client order id reused
        cid = req.client_order_id
        if not own_id and (cid in self._open or cid in self._closed):
            return Denied(_R.DUPLICATE_CLIENT_ORDER_ID, f"client order id {cid!r} already used")
        # 4+5. exchange lot and, for new risk, max order qty (one merged bound: reject, never
        # round; the deny path tells which)
        if (
            qty < s.lot_min
            or qty > (s.lot_max if exit_ else s.qty_hi)
            or (qty - s.lot_min) % s.lot_step
        ):
            return deny_qty(s, qty)
        if price is None:
            if qty < s.mkt_min or qty > s.mkt_max or (qty - s.mkt_min) % s.mkt_step:
                return Denied(_R.LOT_SIZE, f"market qty {qty} outside MARKET_LOT_SIZE")
        elif (price - s.min_price) % s.tick or (
            exit_ and (price < s.min_price or price > s.max_price)
        ):  # (for new risk, min/max price are folded into the price bands of Slot.set_ref)
            return Denied(_R.PRICE_FILTER, f"price {price} not in [{s.min_price}, {s.max_price}]")
        now = self._now()
        ref = s.ref
        px: int = ref if price is None else price
        if not exit_:
            # 6. open orders: instrument (config, MAX_NUM_ORDERS), algo, total
            if s.open_n >= s.max_open:
                return Denied(_R.MAX_OPEN_ORDERS, f"{s.open_n} open on {s.iid}")
            if ot is _STOP and s.algo_n >= s.max_algo:
                return Denied(_R.MAX_OPEN_ORDERS, f"{s.algo_n} stop orders open on {s.iid}")
            if len(self._open) >= self._max_open_total:
                return Denied(_R.MAX_OPEN_ORDERS, f"{len(self._open)} open in total")
            # 7. reference price: known and fresh (ref_until = ref_ts + max age; -1 = none)
            if now > s.ref_until:
                return deny_reference(s, now)
            # 8. collar (fat finger) ∩ the exchange's percent-price band ∩ its min/max price,
            # set with the reference (Slot.set_ref): two compares
            # 9. notional: exchange min/max and max order notional, merged per order kind (a
            # market order is valued at the reference)
            n = qty * px
            if price is not None:
                if buy:
                    if px < s.bid_lo or px > s.bid_hi:
                        return deny_band(s, px, True)
                elif px < s.ask_lo or px > s.ask_hi:
                    return deny_band(s, px, False)
                if n < s.min_notional or n > s.notional_hi:
                    return deny_notional(s, n, False)
            elif n < s.mkt_min_notional or n > s.mkt_notional_hi:
                return deny_notional(s, n, True)
            # 11. daily loss / drawdown breached (the kill switch has already tripped)
            if self._breach is not None:
                return self._breach
            # 12. self-trade: would cross our own resting order
            if self._stp:
                if buy:
                    if px >= s.our_ask or (price is None and s.our_ask != INF):
                        return Denied(_R.SELF_TRADE, f"buy {px} crosses our ask {s.our_ask}")
                elif px <= s.our_bid or (price is None and s.our_bid >= 0):
                    return Denied(_R.SELF_TRADE, f"sell {px} crosses our bid {s.our_bid}")
            # position after this order and every open order on its side fill
            after = pos + same + qty if buy else same + qty - pos
            if after > s.max_pos:
                return Denied(_R.MAX_POSITION, f"|position| would be {after} > {s.max_pos}")
            # exposure limits bound new risk: an order that shrinks the position skips them
            if not reducing:
                ne = n * s.mult
                if ne > self._gross_room:  # gross + open + ne > max (EngineState rooms)
                    gross = self._max_gross - self._gross_room + ne
                    return Denied(_R.MAX_GROSS_EXPOSURE, f"gross {gross}")
                room = self._buy_room if buy else self._sell_room
                if ne > room:  # |net + same-direction open + ne| > max
                    net_after = self._max_net - room + ne
                    return Denied(_R.MAX_NET_EXPOSURE, f"|net| would be {net_after}")
                # 10. correlation-adjusted exposure: Q + 2δ(Cw)ᵢ + δ²Cᵢᵢ (Cᵢᵢ = 1)
                if self._corr_on:
                    delta = (qty + same) * px * s.fscale
                    if not buy:
                        delta = -delta
                    q = self._q
                    qa = q + delta * (self._cw2[s.idx] + delta)
                    if qa > self._max_corr_sq and qa > q:
                        return Denied(_R.MAX_CORRELATED_EXPOSURE, f"sqrt(wᵀCw) -> {qa**0.5:.2f}")
            # 15. throttle: token buckets as GCRA (Slot.bucket), instrument then global; the
            # capacity is spent below, on accept
            # (a TAT in the past always passes; no bucket = tolerance INF)
            if s.o_tat - now > s.o_tol:
                return Denied(_R.THROTTLED, f"order rate limit on {s.iid}")
            if self._g_tat - now > self._g_tol:
                return Denied(_R.THROTTLED, "global order rate limit")
        # 14. identical order within the window
        # (no enums in the key: Enum.__hash__ is a Python function, ~4 hashes per accept)
        key = (req.instrument_id, buy, qty, price, ot is _STOP)
        recent = self._recent
        if key in recent and now - recent[key] < self._dup_window:
            t = recent[key]
            return Denied(_R.DUPLICATE_ORDER, f"identical order {(now - t) // _NS_PER_MS} ms ago")
        # -- accepted: spend the tokens, remember the key, count the order as open ------------
        if not exit_:
            t = s.o_tat
            s.o_tat = (t if t > now else now) + s.o_int
            t = self._g_tat
            self._g_tat = (t if t > now else now) + self._g_int
        if replace:
            return ACCEPTED
        recent[key] = now
        self._recent_q.append(key)  # forgotten when expired, as orders close
        self._register(s, cid, buy, qty, px, ot, req)
        return ACCEPTED
