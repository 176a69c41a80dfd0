"""The pre-trade risk engine: every order passes twelve checks, cheap first, in microseconds.

    ACTIVE    every check below applies
    REDUCING  (operator) only orders that shrink a position pass
    HALTED    (kill switch) only cancels and exits pass

`check(request)` is synchronous, reads time only from the injected Clock, and returns
`ACCEPTED` or `Denied(reason, detail)`. Check order (cheapest first; the first failure wins;
the issue's numbering in brackets):

     1 trading state [1]                      9 notional: exchange min/max, max order
     2 instrument known/tradable, order valid,    notional [3, 5]
       reduce-only honoured [2]              10 loss / drawdown breached [11]
     3 client order id reused [12]           11 self-trade: crosses our resting order [12]
     4 exchange lot + max order qty [3, 5]   12 max position incl. same-side open orders [8]
     5 exchange tick (price filter) [3]      13 gross / net exposure [9]
     6 open orders: instrument, algo, total  14 correlation-adjusted exposure [10]
       [6]                                   15 throttle: token buckets (GCRA), instrument
     7 reference price known and fresh [4]      and global [7]
     8 price collar ∩ exchange percent price 16 identical order within the window [12]
       ∩ exchange min/max price [4, 3]

An *exit* — `reduce_only=True` and it shrinks the position, counting the open orders on its
side — is never blocked by a risk limit: it passes states, limits, collar and throttle, and is
denied only when malformed (validity, exchange tick/lot) or a duplicate.

State. The engine keeps its own incremental view, fed by hooks, instead of reading a portfolio
protocol per order: an accepted order counts as open from the moment `check` accepts it (no
window in which a burst could bypass the open-order and position limits); the OMS calls
`on_fill`, `on_order_closed` (cancelled, rejected, expired, or never sent) and
`on_order_opened` (orders that did not pass `check`: restored or reconciled), `on_price` for
the reference/mark price, `on_equity` for loss/drawdown. Reading a protocol would cost a call
and several attribute hops per limit per order; the hooks run off the order path.

Correlation-adjusted exposure. Limit: sqrt(wᵀ C w) <= max_correlated_exposure, where w is the
vector of signed position values (account currency) and C the rolling correlation matrix. Chosen
over "sum exposure of instruments correlated above a threshold" because it is continuous (no
cliff when a correlation crosses the threshold), uses the whole matrix (hedges offset), and
reduces to |net| when everything is perfectly correlated and to an L2 norm when nothing is.
The engine keeps Cw and Q = wᵀCw up to date on fills (numpy, O(n)) and on matrix updates (C@w),
so one order's effect is Q + 2·δ·(Cw)ᵢ + δ²·Cᵢᵢ: three float multiplies, no numpy per order.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np

from bot4.clock import Clock
from bot4.errors import ConfigError
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
)
from bot4.risk._decision import ACCEPTED, Decision, Denied, DenyReason
from bot4.risk._slot import INF, Slot, bucket, compile_limits, scaled_limit
from bot4.risk._state import EngineState
from bot4.risk.config import RiskConfig, TradingState, validate_config
from bot4.risk.correlation import RollingCorrelation
from bot4.risk.kill_switch import KillSwitch

__all__ = ["RiskEngine"]

log = logging.getLogger(__name__)

_BUY = Side.BUY
_MARKET = OrderType.MARKET
_LIMIT = OrderType.LIMIT
_STOP = OrderType.STOP_LIMIT
_POST_ONLY = TimeInForce.POST_ONLY
_GTC = TimeInForce.GTC  # GTC and POST_ONLY orders rest in the book; IOC and FOK never do
_NS_PER_DAY = 86_400 * 1_000_000_000
_NS_PER_MS = 1_000_000
_ACTIVE, _REDUCING, _HALTED = 0, 1, 2
_STATE_CODE = {TradingState.ACTIVE: _ACTIVE, TradingState.REDUCING: _REDUCING}
_R = DenyReason


def _deny_qty(s: Slot, qty: int) -> Denied:
    """Which quantity bound failed: the exchange's lot, or our max order quantity."""
    if qty < s.lot_min or qty > s.lot_max or (qty - s.lot_min) % s.lot_step:
        return Denied(_R.LOT_SIZE, f"qty {qty} not in [{s.lot_min}, {s.lot_max}] / {s.lot_step}")
    return Denied(_R.MAX_ORDER_QTY, f"qty {qty} > max {s.max_qty}")


def _deny_notional(s: Slot, n: int, market: bool) -> Denied:
    """Which notional bound failed (price*size units of the instrument)."""
    if n < (s.mkt_min_notional if market else s.min_notional):
        return Denied(_R.MIN_NOTIONAL, f"notional {n} < min {s.min_notional}")
    if n > s.max_notional:
        return Denied(_R.MAX_ORDER_NOTIONAL, f"notional {n} > max {s.max_notional}")
    return Denied(_R.MAX_NOTIONAL, f"notional {n} > exchange max {s.max_notional_f}")


def _deny_band(s: Slot, px: int, buy: bool) -> Denied:
    """Which price band failed: our collar, or the exchange's percent price."""
    ref = s.ref
    if px < s.min_price or px > s.max_price:
        return Denied(_R.PRICE_FILTER, f"price {px} not in [{s.min_price}, {s.max_price}]")
    if abs(px - ref) * 10_000 > s.collar_bps * ref:
        return Denied(_R.PRICE_COLLAR, f"price {px} > {s.collar_bps} bps from {ref}")
    side = "bid" if buy else "ask"
    return Denied(_R.PERCENT_PRICE, f"{side} {px} outside PERCENT_PRICE of {ref}")


class RiskEngine(EngineState):
    """Pre-trade checks over a fixed instrument set (see the module docstring)."""

    def __init__(
        self,
        instruments: Mapping[InstrumentId, Instrument],
        config: RiskConfig,
        clock: Clock,
        kill_switch: KillSwitch | None = None,
    ) -> None:
        problems = validate_config(config, set(instruments))
        if problems:
            raise ConfigError("risk config: " + "; ".join(problems))
        self._clock = clock
        self._now = clock.monotonic_ns  # bound once: one call on the order path
        self.config = config
        self._exp_dec = max(
            [config.account_precision]
            + [i.price_precision + i.size_precision for i in instruments.values()]
        )
        self._slots: dict[str, Slot] = {
            iid: Slot(inst, n, self._exp_dec) for n, (iid, inst) in enumerate(instruments.items())
        }
        self._by_idx = list(self._slots.values())
        self._open: dict[str, list[Any]] = {}  # client order id -> open order (_state)
        # client order ids of closed orders -> mono ns closed (open ones are the keys of _open);
        # bounded by config.closed_id_memory_s / closed_id_memory_max (EngineState._forget)
        self._closed: dict[str, int] = {}
        self._closed_q: deque[tuple[int, str]] = deque()  # (closed at, id), oldest first
        self._recent: dict[tuple[object, ...], int] = {}  # identical-order key -> mono ns
        self._recent_q: deque[tuple[object, ...]] = deque()  # its keys, oldest first
        self._open_total = 0
        self._open_buy_notional = 0  # exposure units, all instruments
        self._open_sell_notional = 0
        self._gross = 0  # Σ|position value| at reference prices, exposure units
        self._net = 0  # Σ position value
        # Equity tracking (account units): start of the UTC day, peak, and the breach flag.
        self._day = -1
        self._day_start = 0
        self._peak = 0
        self._breach: Denied | None = None
        # Correlation: matrix, weights w (account currency floats), Cw as a list, Q = wᵀCw.
        n = len(self._slots)
        self.correlation = RollingCorrelation(
            max(n, 1), config.correlation_window, config.correlation_min_samples
        )
        self._w = np.zeros(max(n, 1))
        self._cw_vec = np.zeros(max(n, 1))
        self._cw: list[float] = self._cw_vec.tolist()
        self._q = 0.0
        self._last_marks: list[int] = [0] * n
        self._updates = 0
        self.recompute_every = 100  # matrix updates between exact recomputes
        self._operator_state = _STATE_CODE[config.trading_state]
        self._state = self._operator_state
        self._apply(config, fresh=True)
        self.kill_switch = kill_switch or KillSwitch(
            clock, config.kill_switch, positions=self.positions
        )
        self.kill_switch.add_halt_hook(self._on_halt)

    # -- configuration -----------------------------------------------------------------------
    def _apply(self, config: RiskConfig, *, fresh: bool) -> None:
        compile_limits(self._slots, config)
        e = self._exp_dec
        self._max_open_total = INF if config.max_open_orders is None else config.max_open_orders
        self._max_gross = scaled_limit(config.max_gross_exposure, e)
        self._max_net = scaled_limit(config.max_net_exposure, e)
        mce = config.max_correlated_exposure
        # floats (analytics): a 1e-9 relative tolerance keeps "exactly at the limit" accepted
        self._max_corr_sq = math.inf if mce is None else float(mce) ** 2 * (1 + 1e-9)
        self._corr_on = mce is not None
        p = config.account_precision
        self._max_loss = (
            None if config.max_daily_loss is None else int(config.max_daily_loss.scaleb(p))
        )
        self._max_dd_bps = config.max_drawdown_bps
        self._dup_window = config.duplicate_window_ms * _NS_PER_MS
        self._closed_ttl = round(config.closed_id_memory_s * 1e9)
        self._closed_max = config.closed_id_memory_max
        self._stp = config.self_trade_prevention
        # global buckets (GCRA, see Slot.bucket); a reload keeps their arrival times
        self._g_int, self._g_tol = bucket(config.orders_per_s, config.order_burst)
        self._gc_int, self._gc_tol = bucket(config.cancels_per_s, config.cancel_burst)
        if fresh:
            self._g_tat = self._gc_tat = 0
        self.config = config

    def reload(self, config: RiskConfig) -> list[str]:
        """Swap in new limits at run time; returns the problems (then the old limits stay)."""
        problems = validate_config(config, set(self._slots))
        if problems:
            log.error("risk reload refused, old limits kept: %s", "; ".join(problems))
            return problems
        if config.correlation_window != self.config.correlation_window or (
            config.correlation_min_samples != self.config.correlation_min_samples
        ):
            self.correlation = RollingCorrelation(
                len(self._w), config.correlation_window, config.correlation_min_samples
            )
            self._refresh_cw()
        self._apply(config, fresh=False)
        self._operator_state = _STATE_CODE[config.trading_state]
        if self._state != _HALTED:
            self._state = self._operator_state
        self.kill_switch.config = config.kill_switch
        log.info("risk limits reloaded")
        return []

    @property
    def trading_state(self) -> TradingState:
        return (TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED)[self._state]

    def set_trading_state(self, state: TradingState) -> None:
        """Operator: ACTIVE or REDUCING (HALTED only through the kill switch)."""
        if state is TradingState.HALTED:
            raise ValueError("HALTED is entered by tripping the kill switch")
        self._operator_state = _STATE_CODE[state]
        if self._state != _HALTED:
            self._state = self._operator_state

    def _on_halt(self, halted: bool) -> None:
        self._state = _HALTED if halted else self._operator_state

    # -- the check ---------------------------------------------------------------------------
    # One flat function on purpose: a Python call costs ~100 ns on this machine, so the checks,
    # the token spend and the open-order registration are inlined (a method per check would add
    # ~1 µs to every order). Each numbered block is one check; merged bounds keep the accept
    # path to compares, and every Denied (with its f-string) is built only on the deny path.
    def check(self, req: OrderRequest) -> Decision:
        """Run every check on `req`; on ACCEPTED the order counts as open at once."""
        try:  # a subscript, not .get(): no method call on the accept path (zero-cost try)
            s = self._slots[req.instrument_id]
        except KeyError:
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
                    return self.check(req)
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
        if cid in self._open or cid in self._closed:
            return Denied(_R.DUPLICATE_CLIENT_ORDER_ID, f"client order id {cid!r} already used")
        # 4+5. exchange lot and, for new risk, max order qty (one merged bound: reject, never
        # round; the deny path tells which)
        if (
            qty < s.lot_min
            or qty > (s.lot_max if exit_ else s.qty_hi)
            or (qty - s.lot_min) % s.lot_step
        ):
            return _deny_qty(s, qty)
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
            if self._open_total >= self._max_open_total:
                return Denied(_R.MAX_OPEN_ORDERS, f"{self._open_total} open in total")
            # 7. reference price: known and fresh (ref_until = ref_ts + max age; -1 = none)
            if now > s.ref_until:
                if not ref:
                    return Denied(_R.NO_REFERENCE_PRICE, f"no reference price for {s.iid}")
                age_ms = (now - s.ref_ts) // _NS_PER_MS
                return Denied(_R.STALE_REFERENCE_PRICE, f"reference {age_ms} ms old")
            # 8. collar (fat finger) ∩ the exchange's percent-price band ∩ its min/max price,
            # set with the reference (Slot.set_ref): two compares
            # 9. notional: exchange min/max and max order notional, merged per order kind (a
            # market order is valued at the reference)
            n = qty * px
            if price is not None:
                if buy:
                    if px < s.bid_lo or px > s.bid_hi:
                        return _deny_band(s, px, True)
                elif px < s.ask_lo or px > s.ask_hi:
                    return _deny_band(s, px, False)
                if n < s.min_notional or n > s.notional_hi:
                    return _deny_notional(s, n, False)
            elif n < s.mkt_min_notional or n > s.mkt_notional_hi:
                return _deny_notional(s, n, True)
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
                ob = self._open_buy_notional
                os_ = self._open_sell_notional
                if self._gross + ob + os_ + ne > self._max_gross:
                    return Denied(_R.MAX_GROSS_EXPOSURE, f"gross {self._gross + ob + os_ + ne}")
                net_after = self._net + ob + ne if buy else os_ + ne - self._net
                if net_after > self._max_net:
                    return Denied(_R.MAX_NET_EXPOSURE, f"|net| would be {net_after}")
                # 10. correlation-adjusted exposure: Q + 2δ(Cw)ᵢ + δ²Cᵢᵢ (Cᵢᵢ = 1)
                if self._corr_on:
                    delta = (qty + same) * px * s.fscale
                    if not buy:
                        delta = -delta
                    q = self._q
                    qa = q + delta * (2.0 * self._cw[s.idx] + delta)
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
        # -- accepted: spend the tokens, remember the ids, count the order as open -----------
        if not exit_:
            t = s.o_tat
            s.o_tat = (t if t > now else now) + s.o_int
            t = self._g_tat
            self._g_tat = (t if t > now else now) + self._g_int
        recent[key] = now
        # forget the oldest key once its newest acceptance is out of the window (one in, at
        # most one out): memory stays bounded by about two windows of accepts, in O(1), with
        # no rebuild to spike the tail. The queue holds keys only (no (time, key) tuple): a
        # key's time is its entry in `recent`, gone once forgotten.
        rq = self._recent_q
        rq.append(key)
        head = rq[0]
        if head not in recent:
            rq.popleft()
        elif recent[head] <= now - self._dup_window:
            rq.popleft()
            del recent[head]
        # EngineState._register inlined (one method call less per accepted order); keep the two
        # in step — test_inlined_accept_bookkeeping_matches_register compares them.
        tif = req.time_in_force
        rest = ot is _LIMIT and (tif is _GTC or tif is _POST_ONLY)  # IOC and FOK never rest
        algo = ot is _STOP
        notional = qty * px * s.mult
        self._open[cid] = [s, buy, qty, px, notional, algo, rest]
        s.open_n += 1
        self._open_total += 1
        if algo:
            s.algo_n += 1
        if buy:
            s.open_buy += qty
            self._open_buy_notional += notional
            if rest:  # (subscripts and compares: no method calls)
                book = s.bids
                if px in book:
                    book[px] += 1
                else:
                    book[px] = 1
                if px > s.our_bid:  # noqa: PLR1730 (no max() call on the accept path)
                    s.our_bid = px
        else:
            s.open_sell += qty
            self._open_sell_notional += notional
            if rest:
                book = s.asks
                if px in book:
                    book[px] += 1
                else:
                    book[px] = 1
                if px < s.our_ask:  # noqa: PLR1730 (no min() call)
                    s.our_ask = px
        return ACCEPTED

    def check_cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> Decision:
        """A cancel: throttled (cancel buckets) only while ACTIVE; never blocked otherwise."""
        if self._state != _ACTIVE:
            return ACCEPTED
        now = self._clock.monotonic_ns()
        s = self._slots.get(instrument_id)
        if s is not None and s.c_tat - now > s.c_tol:
            return Denied(_R.THROTTLED, f"cancel rate limit on {instrument_id}")
        if self._gc_tat - now > self._gc_tol:
            return Denied(_R.THROTTLED, "global cancel rate limit")
        self._gc_tat = max(self._gc_tat, now) + self._gc_int
        if s is not None:
            s.c_tat = max(s.c_tat, now) + s.c_int
        return ACCEPTED
