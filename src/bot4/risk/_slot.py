"""One instrument's compiled limits and live state: the only object `check` touches per order.

Compiling turns Decimal config and fixed-point filters into plain ints on one slotted object,
so the hot path does attribute reads and int compares only. "No limit" is `INF` (a huge int)
rather than None, so every check is one comparison with no None test. Reloads re-run
`apply_limits` on the same object, so positions, open orders and token buckets carry over.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal

from bot4.model import MULT_SCALE, Instrument, InstrumentFilters
from bot4.risk.config import InstrumentLimits, RiskConfig

__all__ = ["INF", "Slot", "bucket", "compile_limits", "merge_limits", "scaled_limit"]

INF = 1 << 126  # "no limit": larger than any notional Bot4 computes
_NS_PER_MS = 1_000_000

_DEFAULT_COLLAR_BPS = 500
_DEFAULT_REF_AGE_MS = 5000


def merge_limits(config: RiskConfig, iid: str) -> InstrumentLimits:
    """The instrument's limits: its override's fields where set, the defaults' elsewhere."""
    over = config.instruments.get(iid)
    if over is None:
        return config.defaults
    base = config.defaults
    fields = {f: getattr(over, f) for f in over.__struct_fields__}
    return InstrumentLimits(
        **{f: (v if v is not None else getattr(base, f)) for f, v in fields.items()}
    )


def scaled_limit(value: Decimal | None, decimals: int) -> int:
    """Decimal -> fixed point, floored (a limit only gets stricter); INF when None."""
    if value is None:
        return INF
    return int(value.scaleb(decimals).to_integral_value(ROUND_FLOOR))


def bucket(rate: float | None, burst: int | None) -> tuple[int, int]:
    """A token bucket as GCRA: (emission interval ns, tolerance ns); (0, INF) = no bucket.

    GCRA keeps one "theoretical arrival time" (TAT) instead of a token count: an order at `now`
    passes when max(TAT, now) - now <= tolerance, and on accept TAT = max(TAT, now) +
    interval. It admits exactly what a bucket of `burst` tokens refilled at `rate`/s admits,
    with two compares and no refill multiply on the order path. The interval is rounded up
    (never more permissive than the configured rate).
    """
    if rate is None:
        return 0, INF
    n = burst if burst is not None else max(1, int(rate))
    interval = math.ceil(1_000_000_000 / rate)
    return interval, (n - 1) * interval


class Slot:
    """Compiled limits (set by `apply_limits`) and live state (kept across reloads)."""

    __slots__ = (
        "algo_n",
        "ask_hi",
        "ask_lo",
        "asks",
        "bid_hi",
        "bid_lo",
        "bids",
        "c_int",
        "c_tat",
        "c_tol",
        "collar_bps",
        "expo",
        "fscale",
        "idx",
        "iid",
        "instrument",
        "lot_lo",
        "lot_max",
        "lot_min",
        "lot_phase",
        "lot_step",
        "max_algo",
        "max_notional",
        "max_notional_f",
        "max_notional_mkt",
        "max_open",
        "max_pos",
        "max_price",
        "max_qty",
        "min_notional",
        "min_notional_mkt",
        "min_price",
        "mkt_max",
        "mkt_min",
        "mkt_min_notional",
        "mkt_notional_hi",
        "mkt_step",
        "mult",
        "notional_hi",
        "o_int",
        "o_tat",
        "o_tol",
        "open_buy",
        "open_n",
        "open_sell",
        "our_ask",
        "our_bid",
        "pos",
        "pp_ask_down",
        "pp_ask_up",
        "pp_bid_down",
        "pp_bid_up",
        "qty_hi",
        "ref",
        "ref_age_ns",
        "ref_ts",
        "ref_until",
        "tick",
        "tick_phase",
        "tradable",
        "untradable_why",
    )

    def __init__(self, instrument: Instrument, idx: int, exposure_decimals: int) -> None:
        self.instrument = instrument
        self.iid = instrument.id
        self.idx = idx  # row/column in the correlation matrix
        nd = instrument.price_precision + instrument.size_precision
        # instrument notional units (price*size) -> exposure units (10**-exposure_decimals)
        self.mult = 10 ** (exposure_decimals - nd)
        # instrument notional units -> account currency as a float (correlation only)
        self.fscale = 10.0**-nd
        # -- live state -------------------------------------------------------------------
        self.pos = 0  # signed position, size units
        self.open_buy = 0  # remaining qty of open buy orders, size units
        self.open_sell = 0  # remaining qty of open sell orders, size units
        self.open_n = 0  # open orders (all types)
        self.algo_n = 0  # open STOP_LIMIT orders
        self.ref = 0  # reference price (mid / last), price units; 0 = none yet
        self.ref_ts = 0  # monotonic ns of `ref`
        # Derived by `set_ref` (off the order path) so `check` compares instead of multiplying:
        self.ref_until = -1  # ref_ts + max age: a later `now` is stale; -1 = no reference
        self.bid_lo = self.bid_hi = self.ask_lo = self.ask_hi = 0  # collar ∩ percent-price band
        self.expo = 0  # signed position exposure at `ref`, exposure units
        self.bids: dict[int, int] = {}  # our resting buy prices -> count
        self.asks: dict[int, int] = {}  # our resting sell prices -> count
        self.our_bid = -1  # max(bids) or -1
        self.our_ask = INF  # min(asks) or INF
        self.o_tat = 0  # order bucket (GCRA): theoretical arrival time, monotonic ns
        self.c_tat = 0  # cancel bucket (GCRA)

    def apply_limits(self, lim: InstrumentLimits, config: RiskConfig) -> None:
        """Compile `lim` and the instrument's filters into this slot's ints."""
        inst = self.instrument
        pp, sp = inst.price_precision, inst.size_precision
        f = inst.filters
        self.untradable_why = _untradable(inst, lim, config)
        self.tradable = not self.untradable_why
        fl = f if f is not None else InstrumentFilters()
        pf = fl.price
        self.min_price = pf.min_price if pf else 0
        self.max_price = pf.max_price if pf and pf.max_price else INF
        self.tick = pf.tick if pf and pf.tick else 1
        ls = fl.lot_size
        self.lot_min = ls.min_qty if ls else 0
        self.lot_max = ls.max_qty if ls and ls.max_qty else INF
        self.lot_step = ls.step if ls and ls.step else 1
        # (x - min) % step == 0  <=>  x % step == min % step (Python's % is the canonical
        # residue): the grid checks compare a residue instead of subtracting first
        self.lot_phase = self.lot_min % self.lot_step
        self.tick_phase = self.min_price % self.tick
        ms = fl.market_lot_size or ls
        self.mkt_min = ms.min_qty if ms else 0
        self.mkt_max = ms.max_qty if ms and ms.max_qty else INF
        self.mkt_step = ms.step if ms and ms.step else 1
        self.min_notional, self.min_notional_mkt = 0, False
        self.max_notional_f, self.max_notional_mkt = INF, False
        if fl.min_notional:
            self.min_notional = fl.min_notional.min_notional
            self.min_notional_mkt = fl.min_notional.apply_to_market
        if fl.notional:
            n = fl.notional
            self.min_notional = max(self.min_notional, n.min_notional)
            self.min_notional_mkt = self.min_notional_mkt or n.apply_min_to_market
            self.max_notional_f = n.max_notional or INF
            self.max_notional_mkt = n.apply_max_to_market
        if fl.percent_price_by_side:
            b = fl.percent_price_by_side
            self.pp_bid_up, self.pp_bid_down = b.bid_multiplier_up, b.bid_multiplier_down
            self.pp_ask_up, self.pp_ask_down = b.ask_multiplier_up, b.ask_multiplier_down
        elif fl.percent_price:
            p = fl.percent_price
            self.pp_bid_up = self.pp_ask_up = p.multiplier_up
            self.pp_bid_down = self.pp_ask_down = p.multiplier_down
        else:
            self.pp_bid_up = self.pp_ask_up = INF
            self.pp_bid_down = self.pp_ask_down = 0
        self.collar_bps = lim.collar_bps if lim.collar_bps is not None else _DEFAULT_COLLAR_BPS
        age_ms = lim.reference_max_age_ms
        self.ref_age_ns = (age_ms if age_ms is not None else _DEFAULT_REF_AGE_MS) * _NS_PER_MS
        self.max_qty = scaled_limit(lim.max_order_qty, sp)
        self.max_notional = scaled_limit(lim.max_order_notional, pp + sp)
        self.max_pos = scaled_limit(lim.max_position, sp)
        if fl.max_position:
            self.max_pos = min(self.max_pos, fl.max_position.max_position)
        self.max_open = lim.max_open_orders if lim.max_open_orders is not None else INF
        if fl.max_num_orders:
            self.max_open = min(self.max_open, fl.max_num_orders.max_num_orders)
        self.max_algo = (
            fl.max_num_algo_orders.max_num_algo_orders if fl.max_num_algo_orders else INF
        )
        # merged qty bounds (the deny path works out which limit it was). The fast path's
        # prologue hands any qty outside [lot_lo, qty_hi] to the reference: lot_lo >= 1 also
        # refuses qty <= 0, and on an untradable instrument no qty is inside (INF > 0), so the
        # reference says why (it asks `tradable` before it reads qty_hi)
        self.qty_hi = min(self.lot_max, self.max_qty) if self.tradable else 0
        self.lot_lo = max(self.lot_min, 1) if self.tradable else INF
        self.notional_hi = min(self.max_notional_f, self.max_notional)
        self.mkt_min_notional = self.min_notional if self.min_notional_mkt else 0
        self.mkt_notional_hi = min(
            self.max_notional_f if self.max_notional_mkt else INF, self.max_notional
        )
        if self.ref:
            self.set_ref(self.ref, self.ref_ts)
        # interval and tolerance (ns); a reload keeps the TATs, so spent capacity stays spent
        self.o_int, self.o_tol = bucket(lim.orders_per_s, lim.order_burst)
        self.c_int, self.c_tol = bucket(lim.cancels_per_s, lim.cancel_burst)

    def set_ref(self, price: int, ts_ns: int) -> None:
        """A new reference price: derive its expiry and the per-side price bands, exactly.

        Collar: |px - ref| * 10_000 <= bps * ref  <=>  ref - b <= px <= ref + b with
        b = floor(bps * ref / 10_000). Percent price: px * M <= ref * up  <=>  px <=
        floor(ref * up / M), and px * M >= ref * down  <=>  px >= ceil(ref * down / M).
        """
        self.ref = price
        self.ref_ts = ts_ns
        self.ref_until = ts_ns + self.ref_age_ns
        b = self.collar_bps * price // 10_000
        # the exchange's PRICE_FILTER bounds are folded in too (the deny path tells which)
        lo, hi = max(price - b, self.min_price), min(price + b, self.max_price)
        m = MULT_SCALE
        self.bid_lo = max(lo, -(-price * self.pp_bid_down // m))
        self.bid_hi = min(hi, price * self.pp_bid_up // m)
        self.ask_lo = max(lo, -(-price * self.pp_ask_down // m))
        self.ask_hi = min(hi, price * self.pp_ask_up // m)


def _untradable(inst: Instrument, lim: InstrumentLimits, config: RiskConfig) -> str:
    """Why new orders on `inst` are refused ("" = tradable); fail closed on anything unknown."""
    if not inst.tradable:
        return "the exchange does not accept orders (status)"
    if lim.tradable is False:
        return "disabled by the operator"
    if inst.filters is None:
        return "no exchange filters known"
    unknown = [u.filter_type for u in inst.filters.unknown]
    unknown = [u for u in unknown if u not in config.allowed_unknown_filters]
    if unknown:
        return f"unknown exchange filter(s) {', '.join(unknown)}"
    if inst.quote != config.account_currency:
        return f"quote {inst.quote} is not the account currency {config.account_currency}"
    return ""


def compile_limits(slots: dict[str, Slot], config: RiskConfig) -> None:
    """Apply `config` to every slot (after `validate_config` passed)."""
    for iid, slot in slots.items():
        slot.apply_limits(merge_limits(config, iid), config)
