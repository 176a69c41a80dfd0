"""The engine's own view: open orders, fills, resting book, exposure marks, reloads."""

from __future__ import annotations

import logging

import pytest
from tests.support.risk import IID, IID2, REF, D, engine, req

from bot4.model import OrderType, Side, TimeInForce
from bot4.risk import ACCEPTED, Denied, DenyReason, InstrumentLimits, RiskConfig


def test_partial_fills_move_position_and_release_open_qty() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_position=D("0.3")))
    assert eng.check(req(qty=300, cid="a")) is ACCEPTED
    assert not eng.check(req(qty=5, price=REF - 10))  # 0.3 open already
    eng.on_fill("a", 100, REF)  # type: ignore[arg-type]
    assert eng.positions() == {IID: 100} and eng.open_orders() == 1
    eng.on_fill("a", 200, REF - 10)  # type: ignore[arg-type]
    assert eng.positions() == {IID: 300} and eng.open_orders() == 0
    assert eng.ledger.open_notional()[0] == 0 and eng._slots[IID].open_buy == 0
    gross, net = eng.exposure()
    assert gross == net == 300 * REF * eng._slots[IID].mult  # marked at the reference
    eng.on_price(IID, REF * 2)
    assert eng.exposure() == (2 * gross, 2 * net)
    eng.set_position(IID, -100, REF)
    assert eng.exposure()[1] == -100 * 2 * REF * eng._slots[IID].mult


def test_close_releases_and_resting_book_recomputes_best() -> None:
    eng, _ = engine()
    for cid, px in (("b1", REF - 100), ("b2", REF - 50), ("b3", REF - 50)):
        assert eng.check(req(price=px, cid=cid, qty=100 if cid != "b3" else 105)) is ACCEPTED
    for cid, px in (("s1", REF + 100), ("s2", REF + 50)):
        assert eng.check(req(Side.SELL, price=px, cid=cid)) is ACCEPTED
    s = eng._slots[IID]
    assert (s.our_bid, s.our_ask) == (REF - 50, REF + 50)
    eng.on_order_closed("b2")  # type: ignore[arg-type]
    assert s.our_bid == REF - 50  # b3 still there
    eng.on_order_closed("b3")  # type: ignore[arg-type]
    assert s.our_bid == REF - 100
    eng.on_order_closed("s2")  # type: ignore[arg-type]
    assert s.our_ask == REF + 100
    eng.on_order_closed("s1")  # type: ignore[arg-type]
    eng.on_order_closed("b1")  # type: ignore[arg-type]
    assert (s.our_bid, s.bids, s.asks) == (-1, {}, {})
    assert eng.open_orders() == 0 and eng.ledger.open_notional()[1] == 0


def test_on_order_opened_counts_restored_orders(caplog: pytest.LogCaptureFixture) -> None:
    eng, _ = engine(limits=InstrumentLimits(max_open_orders=1))
    r = req(Side.SELL, price=REF + 100, cid="restored")
    eng.on_order_opened(r)
    assert eng.open_orders() == 1 and eng._slots[IID].our_ask == REF + 100
    assert isinstance(eng.check(req(price=REF - 10)), Denied)
    with caplog.at_level(logging.WARNING):
        eng.on_order_opened(r)  # twice: ignored
        eng.on_order_opened(req(iid="X:Y"))  # type: ignore[arg-type]
    assert eng.open_orders() == 1 and "ignored" in caplog.text
    assert eng.check(req(cid="restored")).reason is DenyReason.DUPLICATE_CLIENT_ORDER_ID  # type: ignore[union-attr]
    eng.on_order_opened(req(Side.BUY, price=None, cid="mkt", iid=IID2))
    assert eng.ledger.open["mkt"][3] == REF  # valued at the reference (O_PRICE)


def test_market_and_stop_orders_do_not_rest() -> None:
    eng, _ = engine()
    assert eng.check(req(price=None, cid="m")) is ACCEPTED
    assert eng.check(req(order_type=OrderType.STOP_LIMIT, trigger_price=REF, cid="st")) is ACCEPTED
    s = eng._slots[IID]
    assert s.bids == {} and s.algo_n == 1
    eng.on_order_closed("st")  # type: ignore[arg-type]
    assert s.algo_n == 0


def test_reload_applies_valid_limits_and_keeps_state() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_order_qty=D("1")))
    eng.set_position(IID, 100, REF)
    assert eng.check(req(qty=500, cid="a")) is ACCEPTED
    new = RiskConfig(
        defaults=InstrumentLimits(max_order_qty=D("0.2")),
        instruments={IID2: InstrumentLimits(max_order_qty=D("0.5"))},
        duplicate_window_ms=0,
    )
    assert eng.reload(new) == []
    assert eng.config is new
    assert eng.check(req(qty=205, price=REF - 10)).reason is DenyReason.MAX_ORDER_QTY  # type: ignore[union-attr]
    assert eng.check(req(qty=500, iid=IID2)) is ACCEPTED  # override
    assert eng.positions() == {IID: 100} and eng.open_orders() == 2


def test_bad_reload_keeps_old_limits_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    eng, _ = engine(limits=InstrumentLimits(max_order_qty=D("1")))
    bad = RiskConfig(
        defaults=InstrumentLimits(max_order_qty=D("-1"), orders_per_s=0),
        correlation_window=1,
        instruments={"NOPE:X": InstrumentLimits()},
    )
    with caplog.at_level(logging.ERROR):
        problems = eng.reload(bad)
    assert any("defaults.max_order_qty" in p for p in problems)
    assert any("defaults.orders_per_s" in p for p in problems)
    assert any("correlation_window" in p for p in problems)
    assert any("unknown instrument" in p for p in problems)
    assert "old limits kept" in caplog.text
    assert eng.check(req(qty=1000)) is ACCEPTED  # still the old 1.0


def test_reload_rebuilds_correlation_window_and_clips_tokens() -> None:
    eng, _ = engine(
        limits=InstrumentLimits(orders_per_s=10, order_burst=10),
        orders_per_s=10,
        max_correlated_exposure=D("1000000"),
    )
    assert eng.correlation is not None and eng.correlation.window == 120
    assert (
        eng.reload(
            RiskConfig(
                defaults=InstrumentLimits(orders_per_s=1, order_burst=1),
                orders_per_s=1,
                order_burst=1,
                max_correlated_exposure=D("1000000"),
                correlation_window=5,
                correlation_min_samples=2,
            )
        )
        == []
    )
    assert eng.correlation is not None and eng.correlation.window == 5
    assert eng._slots[IID].o_tol == 0  # burst 1 now
    assert eng.check(req()) is ACCEPTED
    assert isinstance(eng.check(req(price=REF - 10)), Denied)


def test_reload_to_reducing_state() -> None:
    eng, _ = engine()
    assert (
        eng.reload(RiskConfig(trading_state=__import__("bot4.risk").risk.TradingState.REDUCING))
        == []
    )
    assert eng.check(req()).reason is DenyReason.TRADING_REDUCING  # type: ignore[union-attr]
    eng.kill_switch.trip("x")
    assert eng.reload(RiskConfig()) == []
    assert eng.trading_state.value == "HALTED"  # a reload never lifts the kill switch


def test_validate_rejects_halted_and_bad_values() -> None:
    from bot4.risk import KillSwitchConfig, TradingState, validate_config

    problems = validate_config(
        RiskConfig(
            trading_state=TradingState.HALTED,
            account_precision=30,
            correlation_min_samples=500,
            duplicate_window_ms=-1,
            max_drawdown_bps=20_000,
            kill_switch=KillSwitchConfig(rearm_after_s=0),
        )
    )
    text = "; ".join(problems)
    for key in (
        "trading_state",
        "account_precision",
        "correlation_min_samples",
        "duplicate_window_ms",
        "max_drawdown_bps",
        "rearm_after_s",
    ):
        assert key in text
    assert validate_config(RiskConfig()) == []


def test_exits_skip_limits_but_not_validity() -> None:
    eng, _ = engine(
        limits=InstrumentLimits(max_order_qty=D("0.001"), orders_per_s=1, order_burst=1)
    )
    eng.set_position(IID, 1000, REF)
    eng.on_price(IID, 0)  # ignored: reference kept
    exit_ = req(Side.SELL, 1000, None, reduce_only=True, tif=TimeInForce.IOC)
    assert eng.check(exit_) is ACCEPTED
    assert eng._slots[IID].o_tat == 0  # exits spend no rate capacity
    eng2, _ = engine(price=False)
    eng2.set_position(IID, 1000, REF)
    assert eng2.check(req(Side.SELL, 1000, None, reduce_only=True, cid="x1")) is ACCEPTED
    eng2.on_order_closed("x1")  # type: ignore[arg-type]
    assert eng2.check(req(Side.SELL, 4, None, reduce_only=True)).reason is DenyReason.LOT_SIZE  # type: ignore[union-attr]


def test_inlined_accept_bookkeeping_matches_register() -> None:
    """`check` has `open_order` inlined on the accept path; a restored order goes through the
    function: both must count an open order identically, so they are indistinguishable."""
    checked, _ = engine()
    restored, _ = engine()
    orders = [
        req(Side.BUY, price=REF - 10, cid="b1"),
        req(Side.BUY, price=REF - 20, cid="b2", tif=TimeInForce.IOC),
        req(Side.SELL, price=REF + 10, cid="s1"),
        req(Side.SELL, price=REF + 30, cid="s2", tif=TimeInForce.POST_ONLY),
        req(order_type=OrderType.STOP_LIMIT, price=REF - 30, trigger_price=REF, cid="st"),
    ]
    for r in orders:
        assert checked.check(r) is ACCEPTED
        restored.on_order_opened(r)
    fields = ("open_n", "open_buy", "open_sell", "algo_n", "bids", "asks", "our_bid", "our_ask")
    a, b = checked._slots[IID], restored._slots[IID]
    assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}
    assert {k: v[1:] for k, v in checked.ledger.open.items()} == {
        k: v[1:] for k, v in restored.ledger.open.items()
    }
    assert checked.open_orders() == restored.open_orders() == len(orders)
    assert checked.ledger.open_notional() == restored.ledger.open_notional() != (0, 0)
    assert checked.ledger.gross_room == restored.ledger.gross_room


def test_ten_minute_soak_keeps_every_per_order_map_bounded() -> None:
    """10 simulated minutes at 100 orders/s, each open ~50 ms then filled or cancelled: after
    the first minute (the closed-id memory is 60 s here) no per-order map grows any more."""
    eng, clock = engine(RiskConfig(duplicate_window_ms=100, closed_id_memory_s=60))
    s = eng._slots[IID]

    def sizes() -> dict[str, int]:
        return {
            "open": len(eng.ledger.open),
            "closed": len(eng.ledger.closed),
            "closed_q": len(eng.ledger._closed_ts) + len(eng.ledger._closed_ids),
            "recent": len(eng.ledger.recent),
            "recent_q": len(eng.ledger.recent_q),
            "book": len(s.bids) + len(s.asks),
        }

    live: list[str] = []
    per_minute = []
    for i in range(60_000):
        clock.advance_ns(10_000_000)
        if i % 10 == 0:
            eng.on_price(IID, REF)
        buy = i % 2 == 0
        off = 10 * (1 + i % 50)
        r = req(
            Side.BUY if buy else Side.SELL,
            qty=5 * (1 + i % 7),
            price=REF - off if buy else REF + off,
            cid=f"s{i}",
        )
        assert eng.check(r) is ACCEPTED
        live.append(r.client_order_id)
        if len(live) > 5:
            cid = live.pop(0)
            if i % 3:
                eng.on_order_closed(cid)  # type: ignore[arg-type]
            else:
                eng.on_fill(cid, 5 * (1 + (i - 5) % 7), REF)  # type: ignore[arg-type]
        if i % 6_000 == 5_999:
            per_minute.append(sizes())
    steady = per_minute[1]
    for later in per_minute[2:]:
        for k, v in later.items():
            assert v <= steady[k] + 2, (k, per_minute)
    assert steady["closed"] <= 6_000 and steady["recent"] <= 2 * 10 + 2
    assert steady["closed_q"] == 2 * steady["closed"]
