"""Property tests: no accepted order ever breaks a configured limit; HALTED passes only exits.

An independent oracle re-derives every limit from the test's own model of positions, open
orders and prices (plain ints, computed the slow obvious way) and checks each ACCEPTED order
against it. Random configs, random order mixes, random fills/cancels/price moves/time steps.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "risk"))
from risk_helpers import IID, IID2, REF, engine, req

from bot4.model import OrderType, Side, TimeInForce
from bot4.risk import ACCEPTED, InstrumentLimits, RiskConfig, TradingState

EXP = 10**5  # notional units per USDT for the helper instrument (pp 2 + sp 3)

limits_st = st.builds(
    InstrumentLimits,
    max_order_qty=st.sampled_from([None, Decimal("0.2"), Decimal("0.5")]),
    max_order_notional=st.sampled_from([None, Decimal("8000"), Decimal("20000")]),
    max_position=st.sampled_from([None, Decimal("0.4"), Decimal("1")]),
    max_open_orders=st.sampled_from([None, 2, 5]),
    collar_bps=st.sampled_from([50, 200]),
    orders_per_s=st.sampled_from([None, 5.0]),
)
config_st = st.builds(
    RiskConfig,
    defaults=limits_st,
    max_open_orders=st.sampled_from([None, 4]),
    max_gross_exposure=st.sampled_from([None, Decimal("30000")]),
    max_net_exposure=st.sampled_from([None, Decimal("15000")]),
    duplicate_window_ms=st.just(0),
)

order_st = st.fixed_dictionaries(
    {
        "iid": st.sampled_from([IID, IID2]),
        "side": st.sampled_from([Side.BUY, Side.SELL]),
        "qty": st.one_of(st.integers(1, 40).map(lambda n: 5 * n), st.integers(-5, 700)),
        "offset": st.one_of(st.integers(-300, 300), st.integers(-30_000, 30_000)).map(
            lambda t: t * 10
        ),
        "market": st.booleans(),
        "ioc": st.booleans(),
        "reduce_only": st.sampled_from([False, False, False, True]),
    }
)
_order_step = st.tuples(st.just("order"), order_st)
step_st = st.one_of(
    _order_step,
    _order_step,
    _order_step,
    _order_step,
    st.tuples(st.just("fill"), st.integers(0, 50)),
    st.tuples(st.just("close"), st.integers(0, 50)),
    st.tuples(st.just("price"), st.tuples(st.sampled_from([IID, IID2]), st.integers(-300, 300))),
    st.tuples(st.just("time"), st.integers(0, 400_000_000)),
    st.tuples(st.just("kill"), st.sampled_from([True, False, False])),
)


def _scaled(d: Decimal | None, dec: int) -> int | None:
    return None if d is None else int(d.scaleb(dec))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=config_st, steps=st.lists(step_st, min_size=20, max_size=80))
def test_no_accepted_order_breaks_a_limit(
    config: RiskConfig, steps: list[tuple[str, object]]
) -> None:
    eng, clock = engine(config)
    lim = config.defaults
    pos = {IID: 0, IID2: 0}
    ref = {IID: REF, IID2: REF}
    ref_ts = {IID: 0, IID2: 0}
    opened: list[tuple[str, str, Side, int, int]] = []  # cid, iid, side, remaining, price
    for kind, arg in steps:
        if kind == "time":
            clock.advance_ns(int(arg))  # type: ignore[call-overload]
        elif kind == "price":
            iid, ticks = arg  # type: ignore[misc]
            ref[iid] = REF + 10 * ticks
            ref_ts[iid] = clock.monotonic_ns()
            eng.on_price(iid, ref[iid])
        elif kind == "kill":
            if arg:
                eng.kill_switch.trip("prop")
            else:
                eng.kill_switch.reset()
        elif kind in ("fill", "close") and opened:
            k = int(arg) % len(opened)  # type: ignore[call-overload]
            cid, iid, side, rem, px = opened.pop(k)
            if kind == "fill":
                eng.on_fill(cid, rem, px)  # type: ignore[arg-type]
                pos[iid] += rem if side is Side.BUY else -rem
            else:
                eng.on_order_closed(cid)  # type: ignore[arg-type]
        elif kind == "order":
            o = arg  # type: ignore[assignment]
            iid, side, qty = o["iid"], o["side"], o["qty"]  # type: ignore[index]
            price = None if o["market"] else ref[iid] + o["offset"]  # type: ignore[index]
            tif = TimeInForce.IOC if o["ioc"] else TimeInForce.GTC  # type: ignore[index]
            r = req(side, qty, price, iid=iid, tif=tif, reduce_only=o["reduce_only"])  # type: ignore[index]
            halted = eng.trading_state is TradingState.HALTED
            same = sum(x[3] for x in opened if x[1] == iid and x[2] is side)
            p = pos[iid]
            reducing = (
                (p < 0 and qty + same <= -p) if side is Side.BUY else (p > 0 and qty + same <= p)
            )
            decision = eng.check(r)
            if decision is not ACCEPTED:
                event(f"denied {decision.reason.value}")  # type: ignore[union-attr]
                continue
            event("accepted")
            # -- the oracle ----------------------------------------------------------------
            assert qty > 0 and qty % 5 == 0 and 5 <= qty <= 100_000
            if halted or r.reduce_only:
                assert r.reduce_only and reducing, "HALTED/reduce-only accepted a non-exit"
            if not (r.reduce_only and reducing):
                px = ref[iid] if price is None else price
                assert clock.monotonic_ns() - ref_ts[iid] <= 5_000_000_000
                if price is not None:
                    assert abs(price - ref[iid]) * 10_000 <= lim.collar_bps * ref[iid]  # type: ignore[operator]
                mq = _scaled(lim.max_order_qty, 3)
                assert mq is None or qty <= mq
                mn = _scaled(lim.max_order_notional, 5)
                assert mn is None or qty * px <= mn
                assert qty * px >= 10 * EXP  # exchange NOTIONAL minimum
                mp = _scaled(lim.max_position, 3)
                after = p + same + qty if side is Side.BUY else same + qty - p
                assert mp is None or after <= mp
                n_inst = sum(1 for x in opened if x[1] == iid)
                assert lim.max_open_orders is None or n_inst < lim.max_open_orders
                assert config.max_open_orders is None or len(opened) < config.max_open_orders
                if not reducing and config.max_gross_exposure is not None:
                    gross = sum(abs(pos[i]) * ref[i] for i in pos) + sum(
                        x[3] * x[4] for x in opened
                    )
                    assert gross + qty * px <= _scaled(config.max_gross_exposure, 5)  # type: ignore[operator]
                if price is not None and tif is TimeInForce.GTC:
                    for x in opened:
                        if x[1] == iid and x[2] is not side and x[4] > 0:
                            crosses = price >= x[4] if side is Side.BUY else price <= x[4]
                            rests = x[0].startswith("r:")
                            assert not (crosses and rests), "self-trade accepted"
            px_open = price if price is not None else ref[iid]
            rest_tag = "r:" if price is not None and tif is TimeInForce.GTC else "n:"
            opened.append((r.client_order_id, iid, side, qty, px_open))
            # keep the engine's ids in step with the oracle's tags
            eng._open[rest_tag + r.client_order_id] = eng._open.pop(r.client_order_id)
            opened[-1] = (rest_tag + r.client_order_id, iid, side, qty, px_open)
    assert eng.open_orders() == len(opened)


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(order_st, min_size=1, max_size=40), position=st.integers(-2000, 2000))
def test_halted_accepts_only_exits(steps: list[dict[str, object]], position: int) -> None:
    eng, _ = engine(RiskConfig(duplicate_window_ms=0))
    eng.set_position(IID, position - position % 5, REF)
    eng.kill_switch.trip("halt")
    for o in steps:
        price = None if o["market"] else REF + int(o["offset"])  # type: ignore[call-overload]
        r = req(
            o["side"],  # type: ignore[arg-type]
            int(o["qty"]),  # type: ignore[call-overload]
            price,
            iid=o["iid"],  # type: ignore[arg-type]
            reduce_only=bool(o["reduce_only"]),
        )
        before = eng.positions().get(r.instrument_id, 0)
        open_same = (
            eng._slots[r.instrument_id].open_sell
            if r.side is Side.SELL
            else eng._slots[r.instrument_id].open_buy
        )
        if eng.check(r) is ACCEPTED:
            assert r.reduce_only
            if r.side is Side.SELL:
                assert before > 0 and r.qty + open_same <= before
            else:
                assert before < 0 and r.qty + open_same <= -before
        assert eng.check_cancel(r.client_order_id, r.instrument_id) is ACCEPTED
    assert eng.trading_state is TradingState.HALTED
    assert OrderType.MARKET.value == "MARKET"
