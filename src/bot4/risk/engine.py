"""The pre-trade risk engine: every order passes twelve checks, cheap first, in microseconds.

    ACTIVE    every check below applies
    REDUCING  (operator) only orders that shrink a position pass
    HALTED    (kill switch) only cancels and exits pass

`check(request)` is synchronous, reads time only from the injected Clock, and returns
`ACCEPTED` or `Denied(reason, detail)`. It decides the common order (LIMIT, not reduce-only,
state ACTIVE) itself and hands every other to `_check_general` (`_general.py`), the reference
that runs the same checks for any order; both decide alike (tested side by side). Check order
(cheapest first; the first failure wins; the issue's numbering in brackets):

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
from bot4.risk._general import GeneralCheck, deny_band, deny_notional, deny_reference
from bot4.risk._slot import INF, Slot, bucket, compile_limits, scaled_limit
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


class RiskEngine(GeneralCheck):
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
        self._closed_ts: deque[int] = deque()  # closed at, oldest first ...
        self._closed_ids: deque[str] = deque()  # ... and the ids, in step
        self._recent: dict[tuple[object, ...], int] = {}  # identical-order key -> mono ns
        self._recent_q: deque[tuple[object, ...]] = deque()  # its keys, oldest first
        self._gross = 0  # Σ|position value| at reference prices, exposure units
        self._net = 0  # Σ position value
        # Equity tracking (account units): start of the UTC day, peak, and the breach flag.
        self._day = -1
        self._day_start = 0
        self._peak = 0
        self._breach: Denied | None = None
        # Correlation: matrix, weights w (account currency floats), 2·Cw as a list, Q = wᵀCw.
        n = len(self._slots)
        self.correlation = RollingCorrelation(
            max(n, 1), config.correlation_window, config.correlation_min_samples
        )
        self._w = np.zeros(max(n, 1))
        self._cw_vec = np.zeros(max(n, 1))
        self._cw2: list[float] = (2.0 * self._cw_vec).tolist()
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
        open_buy, open_sell = (0, 0) if fresh else self._open_notional()  # (old limits)
        self._max_gross = scaled_limit(config.max_gross_exposure, e)
        self._max_net = scaled_limit(config.max_net_exposure, e)
        self._set_rooms(open_buy, open_sell)
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
    # The fast path, for the common order: LIMIT, not reduce-only, state ACTIVE (~all of a
    # strategy's orders). Anything else — market, stop, reduce-only/exit, REDUCING or HALTED,
    # unknown or untradable instrument, malformed — goes to
    # `_check_general` (the reference, `_general.py`), whose verdict it then is. Knowing the
    # order kind up front removes every exit/market/stop branch from the checks below, and
    # `reducing` is needed only for the exposure skip. One flat function on purpose: a Python
    # call costs ~100 ns here, so the checks, the token spend and the open-order registration
    # are inlined; a Denied (and its f-string) is built only on the deny path, and the accept
    # path allocates only the identical-order key and the open-order record.
    # Same verdicts, reasons and details as the reference (a check it moved earlier hands off
    # instead of denying): tests/unit/risk/test_fast_path.py runs both side by side.
    def check(self, req: OrderRequest) -> Decision:
        """Run every check on `req`; on ACCEPTED the order counts as open at once."""
        price = req.price
        if req.order_type is not _LIMIT or req.reduce_only or self._state or not price:
            return self._check_general(req)
        try:  # a subscript, not .get(): no method call (the try is free in 3.11)
            s = self._slots[req.instrument_id]
        except KeyError:
            return self._check_general(req)
        # 4+5. exchange lot and max order qty (one merged bound); `lot_lo` is >= 1 and INF on
        # an untradable instrument, so this also sends qty <= 0 and "not tradable" to the
        # reference — which checks them, and a reused id, before the lot, as it should
        qty = req.qty
        if qty < s.lot_lo or qty > s.qty_hi or (qty - s.lot_min) % s.lot_step or price < 0:
            return self._check_general(req)
        # 3. client order id reused (open, or closed within the memory)
        cid = req.client_order_id
        if cid in self._open or cid in self._closed:
            return Denied(_R.DUPLICATE_CLIENT_ORDER_ID, f"client order id {cid!r} already used")
        # 5. exchange tick
        if (price - s.min_price) % s.tick:  # (min/max price are folded into the bands)
            return Denied(_R.PRICE_FILTER, f"price {price} not in [{s.min_price}, {s.max_price}]")
        # 6. open orders: instrument, total (a LIMIT order is no algo order)
        if s.open_n >= s.max_open:
            return Denied(_R.MAX_OPEN_ORDERS, f"{s.open_n} open on {s.iid}")
        if len(self._open) >= self._max_open_total:  # (len is specialised: no real call)
            return Denied(_R.MAX_OPEN_ORDERS, f"{len(self._open)} open in total")
        # 7. reference price known and fresh
        now = self._now()
        if now > s.ref_until:
            return deny_reference(s, now)
        # 8. collar ∩ percent price ∩ min/max price (Slot.set_ref), 9. notional
        if req.side is _BUY:
            buy = True
            if price < s.bid_lo or price > s.bid_hi:
                return deny_band(s, price, True)
        else:
            buy = False
            if price < s.ask_lo or price > s.ask_hi:
                return deny_band(s, price, False)
        n = qty * price
        if n < s.min_notional or n > s.notional_hi:
            return deny_notional(s, n, False)
        # 11. daily loss / drawdown breached
        if self._breach is not None:
            return self._breach
        # 12. self-trade, and the position after this and the same side's open orders fill
        pos = s.pos
        if buy:
            if price >= s.our_ask and self._stp:
                return Denied(_R.SELF_TRADE, f"buy {price} crosses our ask {s.our_ask}")
            same = s.open_buy
            after = pos + same + qty
            reducing = pos < 0 and qty + same <= -pos
        else:
            if price <= s.our_bid and self._stp:
                return Denied(_R.SELF_TRADE, f"sell {price} crosses our bid {s.our_bid}")
            same = s.open_sell
            after = same + qty - pos
            reducing = pos > 0 and qty + same <= pos
        if after > s.max_pos:
            return Denied(_R.MAX_POSITION, f"|position| would be {after} > {s.max_pos}")
        ne = n * s.mult  # exposure units
        # 13. gross / net exposure, 10. correlated exposure — new risk only
        if not reducing:
            if ne > self._gross_room:  # gross + open + ne > max (EngineState rooms)
                return Denied(
                    _R.MAX_GROSS_EXPOSURE, f"gross {self._max_gross - self._gross_room + ne}"
                )
            room = self._buy_room if buy else self._sell_room
            if ne > room:  # |net + same-direction open + ne| > max
                return Denied(_R.MAX_NET_EXPOSURE, f"|net| would be {self._max_net - room + ne}")
            if self._corr_on:  # Q + δ(2(Cw)ᵢ + δ) (Cᵢᵢ = 1; 2(Cw)ᵢ kept doubled)
                delta = (qty + same) * price * s.fscale
                if not buy:
                    delta = -delta
                q = self._q
                qa = q + delta * (self._cw2[s.idx] + delta)
                if qa > self._max_corr_sq and qa > q:
                    return Denied(_R.MAX_CORRELATED_EXPOSURE, f"sqrt(wᵀCw) -> {qa**0.5:.2f}")
        # 15. throttle (GCRA: Slot.bucket), instrument then global; spent below, on accept
        tat = s.o_tat
        if tat - now > s.o_tol:
            return Denied(_R.THROTTLED, f"order rate limit on {s.iid}")
        gtat = self._g_tat
        if gtat - now > self._g_tol:
            return Denied(_R.THROTTLED, "global order rate limit")
        # 16. identical order within the window (the key as the reference builds it)
        key = (req.instrument_id, buy, qty, price, False)
        recent = self._recent
        if key in recent and now - recent[key] < self._dup_window:
            t = recent[key]
            return Denied(_R.DUPLICATE_ORDER, f"identical order {(now - t) // _NS_PER_MS} ms ago")
        # -- accepted: spend the tokens, remember the key, count the order as open ------------
        s.o_tat = (tat if tat > now else now) + s.o_int
        self._g_tat = (gtat if gtat > now else now) + self._g_int
        recent[key] = now
        self._recent_q.append(key)  # forgotten when expired, as orders close (_state)
        # EngineState._register inlined for a LIMIT order; keep the two in step —
        # test_inlined_accept_bookkeeping_matches_register compares them.
        tif = req.time_in_force
        rest = tif is _GTC or tif is _POST_ONLY  # IOC and FOK never rest
        self._open[cid] = [s, buy, qty, price, ne, False, rest]
        s.open_n += 1
        self._gross_room -= ne
        if buy:
            s.open_buy += qty
            self._buy_room -= ne
            if rest:  # (subscripts and compares: no method calls)
                book = s.bids
                if price in book:
                    book[price] += 1
                else:
                    book[price] = 1
                if price > s.our_bid:  # noqa: PLR1730 (no max() call on the accept path)
                    s.our_bid = price
        else:
            s.open_sell += qty
            self._sell_room -= ne
            if rest:
                book = s.asks
                if price in book:
                    book[price] += 1
                else:
                    book[price] = 1
                if price < s.our_ask:  # noqa: PLR1730 (no min() call)
                    s.our_ask = price
        return ACCEPTED

    def check_replace(self, client_order_id: ClientOrderId, req: OrderRequest) -> Decision:
        """May open order `client_order_id` be replaced (amended) with `req`'s terms (`req.qty`
        = the new remaining quantity)? Every check runs on `req` with the order's current terms
        taken out, so it is judged as replacing them (its own resting price does not count as
        a self-trade, its own quantity not twice). Nothing is recorded — no id, no
        identical-order key, no open order: the OMS moves the engine to the new terms when the
        venue confirms (`on_order_closed` + `on_order_opened`). An accepted replace spends
        order-rate capacity like a new order (venues count an amendment as one).
        `req.client_order_id` may be the order's own id; an id that is not open is checked as
        a new order (nothing to take out)."""
        o = self._open.pop(client_order_id, None)
        if o is not None:
            self._withdraw(o)
        try:
            own_id = o is not None and req.client_order_id == client_order_id
            return self._check_general(req, replace=True, own_id=own_id)
        finally:
            if o is not None:
                self._deposit(client_order_id, o)

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
