"""The compiled paths against the check functions themselves, seeded.

Three engines see the same random events (orders, repeats, fills, closes, prices, time,
equity, correlation updates, states, kill switch, reloads); one decides every order with
`check` (the fast path), one with `_reference` (the compiled reference), one by calling the
functions of `CHECKS` in order (`run_checks`, the definitions). Every verdict (reason and
detail) and the resulting state must be equal. The test also asserts that every verdict the
fast path can give itself came up, so it cannot pass by exercising only the hand-off.
"""

from __future__ import annotations

import logging
import random
from collections import Counter

import pytest
from msgspec.structs import replace
from tests.support.risk import (
    IID,
    IID2,
    REF,
    D,
    engine,
    instruments,
    make_instrument,
    req,
    run_checks,
)

from bot4.model import InstrumentId, OrderType, Side, TimeInForce
from bot4.risk import (
    ACCEPTED,
    DenyReason,
    InstrumentLimits,
    KillSwitchConfig,
    RiskConfig,
    RiskEngine,
    TradingState,
)

NOPE = InstrumentId("TEST:NOPEUSDT")


def _config(rng: random.Random) -> RiskConfig:
    lim = InstrumentLimits(
        max_order_qty=rng.choice([None, D("1"), D("0.5")]),
        max_order_notional=rng.choice([None, D("30000")]),
        max_position=rng.choice([None, D("2"), D("0.3")]),
        max_open_orders=rng.choice([None, 4, 50]),
        collar_bps=rng.choice([None, 100, 2000]),
        reference_max_age_ms=rng.choice([None, 100, 5000]),
        orders_per_s=rng.choice([None, 20.0]),
        order_burst=rng.choice([None, 2, 5]),
    )
    return RiskConfig(
        defaults=lim,
        duplicate_window_ms=rng.choice([0, 1, 50, 1000]),
        max_open_orders=rng.choice([None, 3, 20]),
        orders_per_s=rng.choice([None, 50.0, 1000.0]),
        order_burst=rng.choice([None, 3]),
        max_gross_exposure=rng.choice([None, D("20000"), D("200000")]),
        max_net_exposure=rng.choice([None, D("10000"), D("100000")]),
        max_correlated_exposure=rng.choice([None, D("15000")]),
        max_daily_loss=rng.choice([None, D("1000")]),
        max_drawdown_bps=rng.choice([None, 300]),
        self_trade_prevention=rng.random() < 0.8,
        correlation_min_samples=2,
        correlation_window=5,
    )


def _order(rng: random.Random, step: int, refs: dict[InstrumentId, int], cids: list[str]):  # type: ignore[no-untyped-def]
    ot = rng.choices([OrderType.LIMIT, OrderType.MARKET, OrderType.STOP_LIMIT], [20, 2, 1])[0]
    iid = rng.choices([IID, IID2, NOPE], [10, 5, 1])[0]
    price: int | None = refs.get(iid, REF) + rng.randint(-60, 60) * rng.choice(
        [10, 10, 10, 3, 100, 1000, 10_000]
    )
    if ot is OrderType.MARKET:
        price = None
    elif rng.random() < 0.03:
        price = rng.choice([None, 0, -10, 5])
    return req(
        rng.choice([Side.BUY, Side.SELL]),
        rng.choice([5, 10, 50, 100, 105, 300, 1000, 5, 10, 50, 100, 3, 0, -5, 20_000, 25_000]),
        price,
        iid=iid,
        order_type=ot,
        tif=rng.choices(list(TimeInForce), [6, 2, 1, 1])[0],
        reduce_only=rng.random() < 0.15,
        cid=rng.choice(cids) if cids and rng.random() < 0.05 else f"c{step}",
        trigger_price=price if ot is OrderType.STOP_LIMIT and rng.random() < 0.9 else None,
    )


def _run(seed: int, seen: Counter[str], steps: int = 300) -> None:
    rng = random.Random(seed)
    config = _config(rng)
    if seed % 2:  # exposure units = the instruments' price*size units: the fast path's fact
        config = replace(config, account_precision=5)  # (no `* s.mult`, `fast_variant`)
    fast, fclock = engine(config)
    ref, rclock = engine(config)
    loop, lclock = engine(config)
    both: tuple[RiskEngine, ...] = (fast, ref, loop)
    refs = {IID: REF, IID2: REF}
    cids: list[str] = []
    live: list[str] = []
    last = None
    for step in range(steps):
        u = rng.random()
        if u < 0.55:
            r = _order(rng, step, refs, cids)
            if last is not None and rng.random() < 0.15:  # the previous order again
                r = req(
                    last.side,
                    last.qty,
                    last.price,
                    iid=last.instrument_id,
                    order_type=last.order_type,
                    tif=last.time_in_force,
                    reduce_only=last.reduce_only,
                    cid=f"d{step}",
                    trigger_price=last.trigger_price,
                )
            last = r
            a, b, c = fast.check(r), ref._reference(r), run_checks(loop, r)
            assert a == b == c, (seed, step, r, a, b, c)
            seen["ACCEPTED" if a else a.reason.value] += 1  # type: ignore[union-attr]
            if a:
                cids.append(r.client_order_id)
                live.append(r.client_order_id)
        elif u < 0.65 and live:
            cid, qty = rng.choice(live), rng.choice([5, 50, 100, 1000])
            px = refs[IID] + rng.randint(-50, 50) * 10
            for e in both:
                e.on_fill(cid, qty, px)  # type: ignore[arg-type]
        elif u < 0.72 and live:
            cid = live.pop(rng.randrange(len(live)))
            for e in both:
                e.on_order_closed(cid)  # type: ignore[arg-type]
        elif u < 0.80:
            iid = rng.choice([IID, IID2])
            refs[iid] = max(1000, refs[iid] + rng.randint(-100, 100) * 10)
            for e in both:
                e.on_price(iid, refs[iid])
        elif u < 0.88:
            ns = rng.choice([1, 1000, 1_000_000, 30_000_000, 200_000_000, 2_000_000_000])
            fclock.advance_ns(ns)
            rclock.advance_ns(ns)
            lclock.advance_ns(ns)
        elif u < 0.90:
            for e in both:
                e.update_correlation()
        elif u < 0.92:
            eq = rng.randint(98_500, 100_100) * 10**8
            for e in both:
                e.on_equity(eq)
        elif u < 0.93:
            state = TradingState(rng.choice(["ACTIVE"] * 4 + ["REDUCING"]))
            for e in both:
                e.set_trading_state(state)
        elif u < 0.94:
            trip = rng.random() < 0.2
            for e in both:
                if trip:
                    e.kill_switch.trip("test")
                else:
                    e.kill_switch.reset()
        elif u < 0.95:
            new = _config(rng)
            assert fast.reload(new) == ref.reload(new) == loop.reload(new) == []
        else:
            o = req(
                rng.choice([Side.BUY, Side.SELL]),
                50,
                REF + rng.randint(-20, 20) * 10,
                iid=rng.choice([IID, IID2]),
                cid=f"r{step}",
            )
            for e in both:
                e.on_order_opened(o)
            live.append(o.client_order_id)
            cids.append(o.client_order_id)
        for other in (ref, loop):
            assert fast.positions() == other.positions()
            assert fast.open_orders() == other.open_orders()
            assert fast.exposure() == other.exposure()
            assert fast.correlated_exposure() == pytest.approx(other.correlated_exposure())
            assert {k: v[1:] for k, v in fast.ledger.open.items()} == {
                k: v[1:] for k, v in other.ledger.open.items()
            }


def test_fast_path_matches_the_reference_on_random_sequences(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL + 1)
    seen: Counter[str] = Counter()
    for seed in range(60):
        _run(seed, seen)
    fast_verdicts = {
        "ACCEPTED",
        "DUPLICATE_CLIENT_ORDER_ID",
        "LOT_SIZE",
        "MAX_ORDER_QTY",
        "PRICE_FILTER",
        "MAX_OPEN_ORDERS",
        "STALE_REFERENCE_PRICE",
        "PRICE_COLLAR",
        "PERCENT_PRICE",
        "MAX_ORDER_NOTIONAL",
        "MAX_NOTIONAL",
        "DAILY_LOSS",
        "SELF_TRADE",
        "MAX_POSITION",
        "MAX_GROSS_EXPOSURE",
        "MAX_NET_EXPOSURE",
        "MAX_CORRELATED_EXPOSURE",
        "THROTTLED",
        "DUPLICATE_ORDER",
    }
    assert fast_verdicts <= set(seen), fast_verdicts - set(seen)


def test_the_definitions_decide_rare_cases_as_the_compiled_reference() -> None:
    """Cases the random walk seldom reaches: the check functions (`run_checks`) and the
    compiled reference agree on them too, verdict and state."""
    closed = make_instrument(InstrumentId("TEST:AAAUSDT"), tradable=False)
    cfg = RiskConfig(duplicate_window_ms=0, kill_switch=KillSwitchConfig(rearm_after_s=10))
    (ref, rclock), (loop, lclock) = (engine(cfg, insts=instruments(closed)) for _ in range(2))
    stop = OrderType.STOP_LIMIT
    cases = [
        req(iid=closed.id),  # untradable
        req(price=None, qty=50_005),  # over MARKET_LOT_SIZE's max
        *(req(order_type=stop, price=REF - 10 * k, trigger_price=REF) for k in range(6)),
    ]
    verdicts = [(ref._reference(r), run_checks(loop, r)) for r in cases]
    assert all(a == b for a, b in verdicts), verdicts
    assert [v[0].reason for v in verdicts if not v[0]] == [  # type: ignore[union-attr]
        DenyReason.INSTRUMENT_NOT_TRADABLE,
        DenyReason.LOT_SIZE,
        DenyReason.MAX_OPEN_ORDERS,  # the sixth stop order (MAX_NUM_ALGO_ORDERS 5)
    ]
    probe = req(price=REF - 500)
    assert ref._reference(probe, True) == run_checks(loop, probe, replace=True) == ACCEPTED
    for e, clock in ((ref, rclock), (loop, lclock)):
        e.kill_switch.trip("test")
        clock.advance_ns(11_000_000_000)  # past the re-arm cool-down
        e.on_price(IID, REF)
    assert ref._reference(req(cid="x")) == run_checks(loop, req(cid="x")) == ACCEPTED
    assert ref.trading_state is loop.trading_state is TradingState.ACTIVE
    assert {k: v[1:] for k, v in ref.ledger.open.items()} == {
        k: v[1:] for k, v in loop.ledger.open.items()
    }
