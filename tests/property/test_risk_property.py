"""Property tests: no accepted order ever breaks a configured limit; HALTED passes only exits.

An independent oracle re-derives every limit from the test's own model of positions, open
orders and prices (plain ints, computed the slow obvious way) and checks each ACCEPTED order
against it. Random configs, random order mixes, random fills/cancels/price moves/time steps.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "risk"))
from tests.support.risk import IID, IID2, REF, engine, req, run_checks

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
            eng.ledger.open[rest_tag + r.client_order_id] = eng.ledger.open.pop(r.client_order_id)
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


# -- the fast path decides as the reference ---------------------------------------------------
_diff_config_st = st.builds(
    RiskConfig,
    defaults=limits_st,
    max_open_orders=st.sampled_from([None, 4, 12]),
    max_gross_exposure=st.sampled_from([None, Decimal("30000"), Decimal("120000")]),
    max_net_exposure=st.sampled_from([None, Decimal("15000"), Decimal("60000")]),
    max_correlated_exposure=st.sampled_from([None, Decimal("20000")]),
    orders_per_s=st.sampled_from([None, 20.0]),
    order_burst=st.sampled_from([None, 3]),
    max_daily_loss=st.sampled_from([None, Decimal("500")]),
    duplicate_window_ms=st.sampled_from([0, 1, 50]),
    self_trade_prevention=st.booleans(),
    correlation_window=st.just(5),
    correlation_min_samples=st.just(2),
)
_diff_order_st = st.fixed_dictionaries(
    {
        "iid": st.sampled_from([IID] * 6 + [IID2] * 3 + ["TEST:NOPEUSDT"]),
        "side": st.sampled_from([Side.BUY, Side.SELL]),
        "qty": st.one_of(
            *[st.integers(1, 60).map(lambda n: 5 * n)] * 6,
            st.integers(-5, 700).map(lambda q: q - 3),
        ),
        "offset": st.one_of(*[st.integers(-30, 30)] * 4, st.integers(-3_000, 3_000)).map(
            lambda t: t * 10 + 3 if t % 11 == 5 else t * 10  # now and then off the tick
        ),
        "type": st.sampled_from([OrderType.LIMIT] * 8 + [OrderType.MARKET, OrderType.STOP_LIMIT]),
        "tif": st.sampled_from(list(TimeInForce)),
        "reduce_only": st.sampled_from([False] * 5 + [True]),
        "cid": st.one_of(*[st.none()] * 5, st.integers(0, 30).map(lambda i: f"k{i}")),
        "price": st.sampled_from([True] * 30 + [None, 0, -10]),  # a malformed one now and then
    }
)
_diff_step_st = st.one_of(
    *[st.tuples(st.just("order"), _diff_order_st)] * 8,
    st.tuples(st.just("repeat"), st.integers(0, 3)),
    st.tuples(st.just("fill"), st.integers(0, 40), st.sampled_from([5, 50, 500])),
    st.tuples(st.just("close"), st.integers(0, 40)),
    st.tuples(st.just("price"), st.sampled_from([IID, IID2]), st.integers(-200, 200)),
    st.tuples(st.just("time"), st.sampled_from([1, 10**6, 6 * 10**7, 3 * 10**9])),
    st.tuples(st.just("corr"), st.just(0)),
    st.tuples(st.just("equity"), st.integers(99_900, 100_100)),
    st.tuples(st.just("state"), st.sampled_from(["ACTIVE"] * 3 + ["REDUCING", "trip", "reset"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=_diff_config_st, steps=st.lists(_diff_step_st, min_size=20, max_size=80))
def test_fast_path_decides_as_the_reference(
    config: RiskConfig, steps: list[tuple[object, ...]]
) -> None:
    """Three engines see the same events; `fast` decides with `check`, `ref` with
    `_reference`, `loop` by calling the check functions in order (`run_checks`). Same verdict
    (reason and detail) each time, same state."""
    fast, fclock = engine(config)
    ref, rclock = engine(config)
    loop, lclock = engine(config)
    both = (fast, ref, loop)
    refs = {IID: REF, IID2: REF}
    accepted: list[str] = []
    sent: list[object] = []
    n = 0
    for step in steps:
        kind = step[0]
        if kind in ("order", "repeat"):
            n += 1
            if kind == "order":
                o: dict[str, object] = step[1]  # type: ignore[assignment]
                iid = o["iid"]
                px: int | None = refs.get(iid, REF) + int(o["offset"])  # type: ignore[call-overload, arg-type]
                if o["type"] is OrderType.MARKET:
                    px = None
                elif o["price"] is not True:
                    px = o["price"]  # type: ignore[assignment]
                r = req(
                    o["side"],  # type: ignore[arg-type]
                    int(o["qty"]),  # type: ignore[call-overload]
                    px,
                    iid=iid,  # type: ignore[arg-type]
                    order_type=o["type"],  # type: ignore[arg-type]
                    tif=o["tif"],  # type: ignore[arg-type]
                    reduce_only=bool(o["reduce_only"]),
                    cid=o["cid"] or f"n{n}",  # type: ignore[arg-type]
                    trigger_price=px if o["type"] is OrderType.STOP_LIMIT else None,
                )
            elif sent:
                prev = sent[-1 - int(step[1]) % len(sent)]
                r = msgspec.structs.replace(prev, client_order_id=f"n{n}")  # type: ignore[type-var]
            else:
                continue
            sent.append(r)
            a, b, c = fast.check(r), ref._reference(r), run_checks(loop, r)
            assert a == b == c, (r, a, b, c)
            event(f"verdict {'ACCEPTED' if a else a.reason.value}")  # type: ignore[union-attr]
            if a:
                accepted.append(r.client_order_id)
        elif kind == "fill" and accepted:
            cid = accepted[int(step[1]) % len(accepted)]
            for e in both:
                e.on_fill(cid, int(step[2]), refs[IID])  # type: ignore[arg-type, call-overload]
        elif kind == "close" and accepted:
            cid = accepted.pop(int(step[1]) % len(accepted))
            for e in both:
                e.on_order_closed(cid)  # type: ignore[arg-type]
        elif kind == "price":
            iid = step[1]
            refs[iid] = REF + 10 * int(step[2])  # type: ignore[index, call-overload]
            for e in both:
                e.on_price(iid, refs[iid])  # type: ignore[arg-type, index]
        elif kind == "time":
            fclock.advance_ns(int(step[1]))  # type: ignore[call-overload]
            rclock.advance_ns(int(step[1]))  # type: ignore[call-overload]
            lclock.advance_ns(int(step[1]))  # type: ignore[call-overload]
        elif kind == "corr":
            for e in both:
                e.update_correlation()
        elif kind == "equity":
            for e in both:
                e.on_equity(int(step[1]) * 10**8)  # type: ignore[call-overload]
        elif kind == "state":
            for e in both:
                if step[1] == "trip":
                    e.kill_switch.trip("test")
                elif step[1] == "reset":
                    e.kill_switch.reset()
                else:
                    e.set_trading_state(TradingState(step[1]))
        for other in (ref, loop):
            assert fast.positions() == other.positions()
            assert fast.open_orders() == other.open_orders()
            assert fast.exposure() == other.exposure()
            assert {k: v[1:] for k, v in fast.ledger.open.items()} == {
                k: v[1:] for k, v in other.ledger.open.items()
            }
