"""The `bench risk` workload: 50 bundled instruments, a warm engine and a realistic order mix.

About 80 % of orders are valid and accepted; the rest are spread over the deny reasons the way
a buggy or over-eager strategy produces them (fat fingers, too big, too small, reused ids, a
stale feed, self-crossing, a full position, reduce-only on a flat book, bursts, correlated piling).
Everything is seeded; the engine runs on a TestClock advanced 100 µs per order (so throttles
and reference ages behave as at 10,000 orders/s), and every check is enabled.
"""

from __future__ import annotations

import math
import random
from collections import deque
from decimal import Decimal

import numpy as np
from msgspec.structs import replace

from bot4.clock import TestClock
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
    bundled_instruments,
)
from bot4.risk import InstrumentLimits, RiskConfig, RiskEngine

STEP_NS = 100_000  # simulated time per order
REFRESH_EVERY = 50  # orders between reference-price refreshes (5 ms)
CORR_EVERY = 2_000  # orders between correlation updates (200 ms)
MAX_OPEN_PER_INST = 6  # the harness cancels the oldest beyond this

# Rough prices (USDT) for the named instruments; the others get a seeded random price.
_PRICES = {"BTC": 60_000.0, "ETH": 3_500.0, "SOL": 150.0, "BNB": 500.0, "XRP": 0.6, "DOGE": 0.15}


def _units(inst: Instrument, value: float, precision: int, step: int) -> int:
    return max(step, round(value * 10**precision / step) * step)


class Workload:
    """The engine, its instruments and the prepared orders; `after(i, decision)` keeps state."""

    def __init__(self, n_orders: int, seed: int) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.insts = list(bundled_instruments().values())
        self.clock = TestClock()
        self.ref: dict[InstrumentId, int] = {}
        overrides: dict[str, InstrumentLimits] = {}
        for inst in self.insts:
            px = _PRICES.get(inst.base, 10 ** rng.uniform(-1, 2.7))
            px = max(px, 2_000 * inst.tick / 10**inst.price_precision)  # >= 2,000 ticks
            self.ref[inst.id] = _units(inst, px, inst.price_precision, inst.tick)
            overrides[inst.id] = InstrumentLimits(
                max_position=Decimal(str(round(20_000 / px, 8)))  # 20,000 USDT of base
            )
        self.config = RiskConfig(
            defaults=InstrumentLimits(
                max_order_notional=Decimal("5000"),
                max_open_orders=10,
                collar_bps=100,
                reference_max_age_ms=2_000,
                orders_per_s=200,
                order_burst=8,
                cancels_per_s=400,
            ),
            instruments=overrides,
            max_open_orders=400,
            orders_per_s=20_000,
            order_burst=200,
            max_gross_exposure=Decimal("400000"),
            max_net_exposure=Decimal("300000"),
            max_correlated_exposure=Decimal("0"),  # set after warm-up (below)
            correlation_window=120,
            correlation_min_samples=30,
            max_daily_loss=Decimal("5000"),
            max_drawdown_bps=500,
            duplicate_window_ms=100,
        )
        self.engine = RiskEngine({i.id: i for i in self.insts}, self.config, self.clock)
        eng = self.engine
        eng.on_equity(100_000 * 10**8)
        self._warm_correlation()
        # positions: ~1,000 USDT long in every instrument; the first one full (MAX_POSITION)
        for k, inst in enumerate(self.insts):
            value = 19_990.0 if k == 1 else 1_000.0
            qty = _units(
                inst,
                value / (self.ref[inst.id] / 10**inst.price_precision),
                inst.size_precision,
                inst.lot,
            )
            if k != 2:  # the third stays flat (reduce-only violations)
                eng.set_position(inst.id, qty, self.ref[inst.id])
        eng.update_correlation()
        # correlated exposure limit: the book now plus ~2,500 USDT of headroom
        self.config = RiskConfig(
            **{
                f: getattr(self.config, f)
                for f in self.config.__struct_fields__
                if f != "max_correlated_exposure"
            },
            max_correlated_exposure=Decimal(int(eng.correlated_exposure() + 2_500)),
        )
        assert eng.reload(self.config) == []
        self.orders = self._make_orders(n_orders)
        self.open: deque[tuple[str, InstrumentId]] = deque()
        self.open_per: dict[InstrumentId, deque[str]] = {i.id: deque() for i in self.insts}
        self.stale = self.insts[3].id  # its feed "stopped": the reference is kept 3 s old

    def _warm_correlation(self) -> None:
        """150 samples of correlated returns (one market factor + noise) for every instrument."""
        eng, rng = self.engine, np.random.default_rng(7)
        n = len(self.insts)
        logp = np.log(np.array([self.ref[i.id] for i in self.insts], dtype=float))
        beta = rng.uniform(0.3, 1.2, size=n)
        for _ in range(150):
            logp += beta * rng.normal(0, 0.001) + rng.normal(0, 0.0008, size=n)
            for inst, lp in zip(self.insts, logp, strict=True):
                eng.on_price(inst.id, max(inst.tick, int(math.exp(lp) // inst.tick * inst.tick)))
            eng.update_correlation()
            self.clock.advance_ns(1_000_000)
        for inst in self.insts:  # back to the reference prices
            eng.on_price(inst.id, self.ref[inst.id])

    def _valid(self, n: int, inst: Instrument, side: Side, rng: random.Random) -> OrderRequest:
        ref = self.ref[inst.id]
        p = inst.price_precision
        off = rng.uniform(0.0002, 0.003)
        price = round(ref * (1 - off if side is Side.BUY else 1 + off) / inst.tick) * inst.tick
        # at least one tick away from the reference, so our own bids and asks never cross
        price = min(price, ref - inst.tick) if side is Side.BUY else max(price, ref + inst.tick)
        notional = rng.uniform(20, 400)
        qty = _units(inst, notional / (price / 10**p), inst.size_precision, inst.lot)
        return OrderRequest(
            client_order_id=ClientOrderId(f"b{n}"),
            instrument_id=inst.id,
            side=side,
            order_type=OrderType.LIMIT,
            qty=qty,
            price=price,
            time_in_force=TimeInForce.GTC,
            ts_init=0,
        )

    def _make_orders(self, count: int) -> list[OrderRequest]:
        rng = self.rng
        out: list[OrderRequest] = []
        by_id = {i.id: i for i in self.insts}

        for n in range(count):
            inst = self.insts[rng.randrange(len(self.insts))]
            while inst.id in (self.insts[1].id, self.insts[2].id, self.insts[3].id):
                inst = self.insts[rng.randrange(len(self.insts))]
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            o = self._valid(n, inst, side, rng)
            u = rng.random()
            ref, p, s = self.ref[inst.id], inst.price_precision, inst.size_precision
            if u < 0.80:
                pass
            elif u < 0.82:  # fat finger: 3 % through the reference
                px = round(ref * (0.97 if side is Side.BUY else 1.03) / inst.tick) * inst.tick
                o = replace(o, price=px)
            elif u < 0.84:  # too big
                o = replace(o, qty=_units(inst, 8_000 / (ref / 10**p), s, inst.lot))
            elif u < 0.85:  # dust
                o = replace(o, qty=_units(inst, 1 / (ref / 10**p), s, inst.lot))
            elif u < 0.86 and n > 10:  # reused client order id
                o = replace(o, client_order_id=out[n - rng.randint(1, 10)].client_order_id)
            elif u < 0.875:  # stale feed
                st = self.insts[3]
                o = self._valid(n, st, side, rng)
            elif u < 0.89:  # crossing our own resting orders (IOC: it would not rest itself)
                px = round(ref * (1.004 if side is Side.BUY else 0.996) / inst.tick) * inst.tick
                o = replace(o, price=px, time_in_force=TimeInForce.IOC)
            elif u < 0.90:  # the full instrument
                o = self._valid(n, self.insts[1], Side.BUY, rng)
            elif u < 0.91:  # reduce-only with nothing to reduce
                o = replace(self._valid(n, self.insts[2], side, rng), reduce_only=True)
            elif u < 0.93:  # piling correlated risk: a big buy on a high-beta name
                o = replace(
                    o,
                    side=Side.BUY,
                    price=ref - inst.tick,
                    qty=_units(inst, 4_900 / (ref / 10**p), s, inst.lot),
                )
            elif u < 0.95:  # a repeated order (same params within 100 ms)
                if n and out[-1].instrument_id == o.instrument_id:
                    o = replace(out[-1], client_order_id=o.client_order_id)
                else:
                    prev = out[-1] if n else o
                    o = replace(prev, client_order_id=o.client_order_id)
            elif u < 0.96:  # unknown instrument
                o = replace(o, instrument_id=InstrumentId("BINANCE:NOPEUSDT"))
            elif u < 0.98:  # a burst on one instrument (throttle): same instrument as before
                prev_inst = by_id.get(out[-1].instrument_id) if n else None
                if prev_inst is not None:
                    o = self._valid(n, prev_inst, side, rng)
            out.append(o)
        return out

    def before(self, i: int) -> None:
        """Untimed: move the clock, refresh references, update correlation."""
        self.clock.advance_ns(STEP_NS)
        eng = self.engine
        if i % REFRESH_EVERY == 0:
            now = self.clock.monotonic_ns()
            for iid, px in self.ref.items():
                eng.on_price(iid, px, now if iid != self.stale else now - 3_000_000_000)
        if i % CORR_EVERY == 0 and i:
            eng.update_correlation()

    def after(self, req: OrderRequest, accepted: bool) -> None:
        """Untimed: keep at most MAX_OPEN_PER_INST open per instrument (cancel the oldest)."""
        if not accepted:
            return
        q = self.open_per[req.instrument_id]
        q.append(req.client_order_id)
        if len(q) > MAX_OPEN_PER_INST:
            self.engine.on_order_closed(ClientOrderId(q.popleft()))
