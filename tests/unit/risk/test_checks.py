"""Every check's accept and deny edge: exactly at the limit passes, one tick/lot over is denied."""

from __future__ import annotations

import pytest
from tests.support.risk import IID, IID2, REF, D, engine, instruments, make_instrument, req

from bot4.errors import ConfigError
from bot4.model import InstrumentFilters, InstrumentId, OrderType, Side, TimeInForce, UnknownFilter
from bot4.risk import ACCEPTED, Denied, DenyReason, InstrumentLimits, RiskConfig, TradingState

R = DenyReason
BUY, SELL = Side.BUY, Side.SELL


def reason(decision: object) -> DenyReason | None:
    return decision.reason if isinstance(decision, Denied) else None


def test_accept_is_the_shared_singleton_and_truthy() -> None:
    eng, _ = engine()
    d = eng.check(req())
    assert d is ACCEPTED and bool(d)
    denied = eng.check(req(qty=0))
    assert not denied and reason(denied) is R.INVALID_ORDER and denied.detail


# -- 1. trading state -------------------------------------------------------------------------
def test_reducing_state_passes_only_reducing_orders() -> None:
    eng, _ = engine()
    eng.set_position(IID, 500, REF)
    eng.set_trading_state(TradingState.REDUCING)
    assert eng.trading_state is TradingState.REDUCING
    assert reason(eng.check(req(BUY, 100))) is R.TRADING_REDUCING
    assert eng.check(req(SELL, 500)) is ACCEPTED  # exactly the position
    assert reason(eng.check(req(SELL, 5))) is R.TRADING_REDUCING  # with the open sell: flips
    eng.set_trading_state(TradingState.ACTIVE)
    assert eng.check(req(BUY, 100, price=REF - 10)) is ACCEPTED
    with pytest.raises(ValueError, match="kill switch"):
        eng.set_trading_state(TradingState.HALTED)


def test_halted_passes_exits_only() -> None:
    eng, _ = engine()
    eng.set_position(IID, 500, REF)
    eng.kill_switch.trip("test")
    assert eng.trading_state is TradingState.HALTED
    assert reason(eng.check(req(BUY, 100))) is R.TRADING_HALTED
    assert reason(eng.check(req(SELL, 100))) is R.TRADING_HALTED  # reduces, but not reduce_only
    assert eng.check(req(SELL, 500, None, reduce_only=True)) is ACCEPTED
    # with the open exit, selling more would flip: not an exit, so HALTED denies it
    assert reason(eng.check(req(SELL, 5, reduce_only=True))) is R.TRADING_HALTED
    assert eng.check_cancel(eng_cid := "x", IID) is ACCEPTED  # type: ignore[arg-type]
    assert eng_cid == "x"
    eng.kill_switch.reset()
    assert eng.trading_state is TradingState.ACTIVE


def test_halted_stays_reducing_after_reset_when_operator_chose_reducing() -> None:
    eng, _ = engine()
    eng.set_trading_state(TradingState.REDUCING)
    eng.kill_switch.trip("x")
    eng.set_trading_state(TradingState.REDUCING)  # does not lift HALTED
    assert eng.trading_state is TradingState.HALTED
    eng.kill_switch.reset()
    assert eng.trading_state is TradingState.REDUCING


# -- 2. instrument and order validity ---------------------------------------------------------
def test_unknown_and_untradable_instruments() -> None:
    closed = make_instrument(InstrumentId("TEST:AAAUSDT"), tradable=False)
    bare = make_instrument(InstrumentId("TEST:BBBUSDT"), filters=None)
    odd = make_instrument(
        InstrumentId("TEST:CCCUSDT"),
        filters=InstrumentFilters(unknown=(UnknownFilter(filter_type="TRAILING_DELTA", raw="{}"),)),
    )
    btc = make_instrument(InstrumentId("TEST:DDDBTC"), quote="BTC")
    insts = instruments(closed, bare, odd, btc)
    cfg = RiskConfig(instruments={IID2: InstrumentLimits(tradable=False)}, duplicate_window_ms=0)
    eng, _ = engine(cfg, insts=insts)
    assert reason(eng.check(req(iid=InstrumentId("X:Y")))) is R.UNKNOWN_INSTRUMENT
    for iid, why in (
        (closed.id, "status"),
        (bare.id, "no exchange filters"),
        (odd.id, "TRAILING_DELTA"),
        (btc.id, "account currency"),
        (IID2, "operator"),
    ):
        d = eng.check(req(iid=iid))
        assert reason(d) is R.INSTRUMENT_NOT_TRADABLE and why in d.detail  # type: ignore[union-attr]
        # no quantity slips past, not even one at the fast path's "no limit" bound (1 << 126)
        assert reason(eng.check(req(iid=iid, qty=1 << 126))) is R.INSTRUMENT_NOT_TRADABLE
    allowed = RiskConfig(allowed_unknown_filters=("TRAILING_DELTA",), duplicate_window_ms=0)
    eng2, _ = engine(allowed, insts=insts)
    assert reason(eng2.check(req(iid=odd.id))) is not R.INSTRUMENT_NOT_TRADABLE


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"qty": 0}, R.INVALID_ORDER),
        ({"qty": -5}, R.INVALID_ORDER),
        ({"price": REF, "order_type": OrderType.MARKET}, R.INVALID_ORDER),
        ({"price": None, "tif": TimeInForce.POST_ONLY}, R.INVALID_ORDER),
        ({"price": None, "order_type": OrderType.LIMIT}, R.INVALID_ORDER),
        ({"price": 0}, R.INVALID_ORDER),
        ({"order_type": OrderType.STOP_LIMIT}, R.INVALID_ORDER),
        ({"reduce_only": True}, R.REDUCE_ONLY_VIOLATION),
    ],
)
def test_invalid_orders(kw: dict[str, object], why: DenyReason) -> None:
    eng, _ = engine()
    assert reason(eng.check(req(**kw))) is why  # type: ignore[arg-type]


def test_stop_limit_with_trigger_counts_against_algo_limit() -> None:
    eng, _ = engine()
    for _ in range(5):  # MAX_NUM_ALGO_ORDERS = 5
        assert eng.check(req(order_type=OrderType.STOP_LIMIT, trigger_price=REF)) is ACCEPTED
    d = eng.check(req(order_type=OrderType.STOP_LIMIT, trigger_price=REF))
    assert reason(d) is R.MAX_OPEN_ORDERS
    assert eng.check(req()) is ACCEPTED  # plain limit orders are not algo orders


# -- 3. duplicate client order id -------------------------------------------------------------
def test_reused_client_order_id_is_denied_even_after_close() -> None:
    eng, _ = engine()
    assert eng.check(req(cid="same")) is ACCEPTED
    assert reason(eng.check(req(cid="same", price=REF - 10))) is R.DUPLICATE_CLIENT_ORDER_ID
    eng.on_order_closed("same")  # type: ignore[arg-type]
    assert reason(eng.check(req(cid="same"))) is R.DUPLICATE_CLIENT_ORDER_ID


def test_closed_ids_are_forgotten_after_the_memory_time() -> None:
    eng, clock = engine(RiskConfig(closed_id_memory_s=10, duplicate_window_ms=0))
    assert eng.check(req(cid="a")) is ACCEPTED
    clock.advance(60)  # open orders are never forgotten, however old
    eng.on_price(IID, REF)
    assert reason(eng.check(req(cid="a", qty=105))) is R.DUPLICATE_CLIENT_ORDER_ID
    eng.on_order_closed("a")  # type: ignore[arg-type]
    clock.advance(10)  # exactly the memory: forgotten at the next close
    eng.on_price(IID, REF)
    assert reason(eng.check(req(cid="a", qty=110))) is R.DUPLICATE_CLIENT_ORDER_ID
    eng.on_order_closed("b")  # type: ignore[arg-type]  # unknown: changes nothing
    assert eng.check(req(cid="c")) is ACCEPTED
    eng.on_order_closed("c")  # type: ignore[arg-type]
    assert eng.check(req(cid="a", qty=115)) is ACCEPTED
    assert reason(eng.check(req(cid="c", qty=120))) is R.DUPLICATE_CLIENT_ORDER_ID


def test_closed_id_memory_is_capped_oldest_first() -> None:
    eng, _ = engine(RiskConfig(closed_id_memory_max=3, duplicate_window_ms=0))
    for i in range(5):
        assert eng.check(req(cid=f"o{i}", qty=5 * (i + 1))) is ACCEPTED
        eng.on_order_closed(f"o{i}")  # type: ignore[arg-type]
    assert sorted(eng.ledger.closed) == ["o2", "o3", "o4"]
    assert eng.check(req(cid="o1", qty=100)) is ACCEPTED  # forgotten: the cap, not the time
    assert reason(eng.check(req(cid="o2", qty=105))) is R.DUPLICATE_CLIENT_ORDER_ID


def test_a_restored_id_closed_twice_is_remembered_from_its_last_close() -> None:
    eng, clock = engine(RiskConfig(closed_id_memory_s=10, duplicate_window_ms=0))
    assert eng.check(req(cid="r")) is ACCEPTED
    eng.on_order_closed("r")  # type: ignore[arg-type]
    clock.advance(6)
    eng.on_order_opened(req(cid="r"))  # found open at the venue again (reconciliation)
    eng.on_order_closed("r")  # type: ignore[arg-type]
    clock.advance(6)  # 12 s after the first close, 6 s after the last
    eng.on_price(IID, REF)
    assert eng.check(req(cid="x")) is ACCEPTED
    eng.on_order_closed("x")  # type: ignore[arg-type]  # prunes the first close's entry
    assert reason(eng.check(req(cid="r", qty=105))) is R.DUPLICATE_CLIENT_ORDER_ID


# -- 4. exchange filters ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("qty", "ok"), [(5, True), (0 + 4, False), (100_000, True), (100_005, False), (102, False)]
)
def test_lot_size_edges(qty: int, ok: bool) -> None:
    eng, _ = engine(limits=InstrumentLimits(collar_bps=10_000))
    eng.on_price(IID, 100)
    d = eng.check(req(qty=qty, price=100))
    if ok:
        assert reason(d) not in (R.LOT_SIZE,)
    else:
        assert reason(d) is R.LOT_SIZE


@pytest.mark.parametrize(("qty", "ok"), [(50_000, True), (50_005, False)])
def test_market_lot_size_edges(qty: int, ok: bool) -> None:
    eng, _ = engine()
    eng.on_price(IID, 100)
    d = eng.check(req(qty=qty, price=None))
    assert (reason(d) is not R.LOT_SIZE) if ok else (reason(d) is R.LOT_SIZE)


@pytest.mark.parametrize(
    ("price", "ok"),
    [(100, True), (90, False), (10_000_000, True), (10_000_010, False), (5_000_005, False)],
)
def test_price_filter_edges(price: int, ok: bool) -> None:
    eng, _ = engine()
    d = eng.check(req(price=price))
    assert (reason(d) is not R.PRICE_FILTER) if ok else (reason(d) is R.PRICE_FILTER)


def test_min_notional_edges_and_market_orders() -> None:
    eng, _ = engine()
    # 10 USDT = 1_000_000 notional units: qty 200 (0.2) at 50.00 (5000) is exactly 10 USDT.
    eng.on_price(IID, 5000)
    assert eng.check(req(qty=200, price=5000)) is ACCEPTED
    assert reason(eng.check(req(qty=200, price=4990))) is R.MIN_NOTIONAL
    assert eng.check(req(qty=200, price=None)) is ACCEPTED  # market, valued at the reference
    assert reason(eng.check(req(qty=195, price=None))) is R.MIN_NOTIONAL


def test_exchange_max_notional_applies_to_limit_orders_only_here() -> None:
    eng, _ = engine(limits=InstrumentLimits(collar_bps=10_000))
    eng.on_price(IID, 10_000_000)
    # 1,000,000 USDT at 100,000.00: qty 10.000 is exactly the max; 10.005 is over.
    assert eng.check(req(qty=10_000, price=10_000_000)) is ACCEPTED
    assert reason(eng.check(req(qty=10_005, price=10_000_000))) is R.MAX_NOTIONAL
    assert reason(eng.check(req(qty=10_005, price=None))) is not R.MAX_NOTIONAL  # not applied


# -- 5. max order quantity and notional -------------------------------------------------------
def test_max_order_qty_edge() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_order_qty=D("0.5")))
    assert eng.check(req(qty=500)) is ACCEPTED
    assert reason(eng.check(req(qty=505))) is R.MAX_ORDER_QTY


def test_max_order_notional_edge_one_tick_over() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_order_notional=D("5000")))
    assert eng.check(req(qty=100, price=REF)) is ACCEPTED  # 0.1 * 50000 = 5000
    assert reason(eng.check(req(qty=100, price=REF + 10))) is R.MAX_ORDER_NOTIONAL


# -- 6. open orders ---------------------------------------------------------------------------
def test_max_open_orders_per_instrument_and_total() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_open_orders=2), max_open_orders=3)
    assert eng.check(req(price=REF)) is ACCEPTED
    assert eng.check(req(price=REF - 10)) is ACCEPTED
    assert reason(eng.check(req(price=REF - 20))) is R.MAX_OPEN_ORDERS
    assert eng.check(req(iid=IID2)) is ACCEPTED
    assert reason(eng.check(req(iid=IID2, price=REF - 10))) is R.MAX_OPEN_ORDERS  # total 3
    assert eng.open_orders() == 3


def test_exchange_max_num_orders_caps_the_config() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_open_orders=1000))
    assert eng._slots[IID].max_open == 200


# -- 7. reference price -----------------------------------------------------------------------
def test_missing_and_stale_reference() -> None:
    eng, clock = engine(price=False, limits=InstrumentLimits(reference_max_age_ms=100))
    assert reason(eng.check(req())) is R.NO_REFERENCE_PRICE
    eng.on_price(IID, REF)
    eng.on_price(IID, 0)  # ignored
    eng.on_price(InstrumentId("X:Y"), REF)  # ignored
    clock.advance_ns(100_000_000)
    assert eng.check(req()) is ACCEPTED  # exactly the max age
    clock.advance_ns(1)
    assert reason(eng.check(req(price=REF - 10))) is R.STALE_REFERENCE_PRICE


# -- 8. collar and percent price --------------------------------------------------------------
def test_price_collar_edges() -> None:
    eng, _ = engine(limits=InstrumentLimits(collar_bps=100))  # 1 % of 50,000.00 = 500.00
    ioc = TimeInForce.IOC  # IOC orders do not rest, so they cannot self-trade here
    assert eng.check(req(price=REF + 50_000, tif=ioc)) is ACCEPTED
    assert reason(eng.check(req(price=REF + 50_010, tif=ioc))) is R.PRICE_COLLAR
    assert eng.check(req(SELL, price=REF - 50_000, tif=ioc)) is ACCEPTED
    assert reason(eng.check(req(SELL, price=REF - 50_010, tif=ioc))) is R.PRICE_COLLAR


def test_percent_price_by_side_edges() -> None:
    eng, _ = engine(limits=InstrumentLimits(collar_bps=5000), self_trade_prevention=False)
    assert eng.check(req(price=5_500_000)) is ACCEPTED  # exactly 1.1 x
    assert reason(eng.check(req(price=5_500_010))) is R.PERCENT_PRICE
    assert eng.check(req(price=4_500_000)) is ACCEPTED  # exactly 0.9 x
    assert reason(eng.check(req(price=4_499_990))) is R.PERCENT_PRICE
    assert eng.check(req(SELL, price=5_500_000)) is ACCEPTED
    assert reason(eng.check(req(SELL, price=5_500_010))) is R.PERCENT_PRICE


# -- 9. max position --------------------------------------------------------------------------
def test_max_position_counts_same_side_open_orders() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_position=D("1")))
    eng.set_position(IID, 500, REF)
    assert eng.check(req(qty=300)) is ACCEPTED  # 0.5 + 0.3
    assert eng.check(req(qty=200, price=REF - 10)) is ACCEPTED  # 0.5 + 0.3 + 0.2 = 1.0
    assert reason(eng.check(req(qty=5, price=REF - 20))) is R.MAX_POSITION
    # the short side: -(0.5 - 1.5) = 1.0 is at the limit, 1.005 is over
    assert eng.check(req(SELL, 1500, price=REF + 10)) is ACCEPTED
    assert reason(eng.check(req(SELL, 5, price=REF + 20))) is R.MAX_POSITION


def test_exchange_max_position_filter_caps_config() -> None:
    eng, _ = engine(limits=InstrumentLimits(max_position=D("100000")))
    assert eng._slots[IID].max_pos == 10_000_000  # MAX_POSITION 10,000.000


# -- 10. gross and net exposure ---------------------------------------------------------------
def test_gross_exposure_edge_with_open_orders() -> None:
    eng, _ = engine(max_gross_exposure=D("10000"))
    assert eng.check(req(qty=100)) is ACCEPTED  # 5,000 open
    assert eng.check(req(SELL, 100, iid=IID2)) is ACCEPTED  # 10,000 open
    assert reason(eng.check(req(qty=5, price=REF - 10))) is R.MAX_GROSS_EXPOSURE


def test_net_exposure_edges() -> None:
    eng, _ = engine(max_net_exposure=D("10000"))
    eng.set_position(IID2, 100, REF)  # +5,000 net
    ioc = TimeInForce.IOC
    assert eng.check(req(qty=100, tif=ioc)) is ACCEPTED  # +10,000 with the open buy
    assert reason(eng.check(req(qty=5, price=REF - 10))) is R.MAX_NET_EXPOSURE
    # selling: -(net 5,000 - 15,000) = 10,000 is the limit, more is over
    assert eng.check(req(SELL, 300, price=REF, tif=ioc)) is ACCEPTED
    assert reason(eng.check(req(SELL, 5, price=REF + 10))) is R.MAX_NET_EXPOSURE
    gross, net = eng.exposure()
    assert net == gross == 5_000 * 10**eng.exposure_decimals


def test_reducing_orders_skip_exposure_limits() -> None:
    eng, _ = engine(max_gross_exposure=D("1000"), max_net_exposure=D("1000"))
    eng.set_position(IID, 1000, REF)  # 50,000 > both limits
    assert reason(eng.check(req(BUY, 5))) is R.MAX_GROSS_EXPOSURE
    assert eng.check(req(SELL, 500, price=REF + 10)) is ACCEPTED


# -- 11. daily loss and drawdown --------------------------------------------------------------
def test_daily_loss_edge_trips_kill_switch() -> None:
    eng, _ = engine(max_daily_loss=D("100"))
    unit = 10**8
    eng.on_equity(10_000 * unit)
    eng.on_equity(9_900 * unit)  # exactly -100
    assert eng.check(req()) is ACCEPTED
    assert not eng.kill_switch.tripped
    eng.on_equity(9_900 * unit - 1)
    assert eng.kill_switch.tripped and eng.trading_state is TradingState.HALTED
    assert eng.kill_switch.triggers[0].source == "daily_loss"
    eng.kill_switch.reset()
    assert reason(eng.check(req(price=REF - 10))) is R.DAILY_LOSS  # still breached
    eng.on_equity(9_950 * unit)
    assert eng.check(req(price=REF - 20)) is ACCEPTED


def test_a_lasting_breach_trips_once_not_on_every_equity_update() -> None:
    eng, _ = engine(max_daily_loss=D("100"), max_drawdown_bps=200)
    unit = 10**8
    eng.on_equity(10_000 * unit)
    for i in range(500):  # the OMS reports equity on every price: 500 ticks in breach
        eng.on_equity(9_890 * unit - i)
    assert [t.source for t in eng.kill_switch.triggers] == ["daily_loss"]
    eng.on_equity(9_700 * unit)  # still the daily loss first: same kind, no new trigger
    assert len(eng.kill_switch.triggers) == 1
    eng.kill_switch.reset()  # the operator resets while the breach holds
    eng.on_equity(9_700 * unit)
    assert eng.kill_switch.tripped and len(eng.kill_switch.triggers) == 1
    eng.reload(RiskConfig(duplicate_window_ms=0, max_drawdown_bps=200))  # no loss limit now
    eng.on_equity(9_700 * unit)  # a new kind of breach (drawdown) adds its reason
    assert [t.source for t in eng.kill_switch.triggers] == ["daily_loss", "drawdown"]


def test_daily_loss_restarts_each_utc_day() -> None:
    eng, clock = engine(max_daily_loss=D("100"))
    eng.on_equity(10_000 * 10**8)
    eng.on_equity(9_950 * 10**8)
    clock.advance(86_400)
    eng.on_equity(9_950 * 10**8)  # the new day's start
    eng.on_equity(9_860 * 10**8)
    assert not eng.kill_switch.tripped


def test_drawdown_edge_trips_kill_switch() -> None:
    eng, _ = engine(max_drawdown_bps=1000)  # 10 %
    eng.on_equity(1_000)
    eng.on_equity(2_000)  # the peak
    eng.on_equity(1_800)  # exactly 10 %
    assert not eng.kill_switch.tripped
    eng.on_equity(1_799)
    assert eng.kill_switch.tripped
    assert eng.kill_switch.triggers[0].source == "drawdown"
    assert reason(eng.check(req())) is R.TRADING_HALTED


# -- 12. duplicates and self-trade ------------------------------------------------------------
def test_identical_order_within_window() -> None:
    eng, clock = engine(RiskConfig(duplicate_window_ms=50))
    for iid in (IID, IID2):
        eng.on_price(iid, REF)
    assert eng.check(req()) is ACCEPTED
    clock.advance_ns(49_999_999)
    eng.on_price(IID, REF)
    assert reason(eng.check(req())) is R.DUPLICATE_ORDER
    assert eng.check(req(qty=105)) is ACCEPTED  # different qty
    clock.advance_ns(1)
    assert eng.check(req()) is ACCEPTED  # exactly the window: no longer a duplicate


def test_duplicate_memory_is_pruned() -> None:
    eng, clock = engine(RiskConfig(duplicate_window_ms=1))
    eng.on_price(IID, REF)
    for i in range(4100):
        eng.on_order_closed(f"p{i - 1}")  # type: ignore[arg-type]
        assert eng.check(req(price=REF - 10 * (i % 400), cid=f"p{i}", qty=5 + 5 * (i // 400)))
        clock.advance_ns(1000)
        eng.on_price(IID, REF)
    assert len(eng.ledger.recent) < 4100


def test_self_trade_prevention() -> None:
    eng, _ = engine()
    assert eng.check(req(SELL, price=REF + 100, cid="ask")) is ACCEPTED
    assert eng.check(req(BUY, price=REF - 100, cid="bid")) is ACCEPTED
    ioc = TimeInForce.IOC
    assert eng.check(req(BUY, price=REF + 90, tif=ioc)) is ACCEPTED  # one tick below our ask
    assert reason(eng.check(req(BUY, price=REF + 100))) is R.SELF_TRADE
    assert reason(eng.check(req(BUY, price=None))) is R.SELF_TRADE
    assert eng.check(req(SELL, price=REF - 90, tif=ioc)) is ACCEPTED
    assert reason(eng.check(req(SELL, price=REF - 100))) is R.SELF_TRADE
    assert reason(eng.check(req(SELL, price=None))) is R.SELF_TRADE
    eng.on_order_closed("ask")  # type: ignore[arg-type]
    eng.on_order_closed("bid")  # type: ignore[arg-type]
    assert eng.check(req(BUY, price=REF + 100)) is ACCEPTED  # our ask is gone
    # IOC orders never rest, so they are not in our resting book
    assert eng.check(req(SELL, price=REF + 200, tif=TimeInForce.IOC)) is ACCEPTED
    assert eng.check(req(BUY, price=REF + 200, qty=105)) is ACCEPTED


def test_self_trade_prevention_can_be_switched_off() -> None:
    eng, _ = engine(self_trade_prevention=False)
    assert eng.check(req(SELL, price=REF)) is ACCEPTED
    assert eng.check(req(BUY, price=REF)) is ACCEPTED


# -- 13. throttle -----------------------------------------------------------------------------
def test_order_token_bucket_per_instrument() -> None:
    eng, clock = engine(limits=InstrumentLimits(orders_per_s=10, order_burst=2))
    assert eng.check(req(price=REF)) is ACCEPTED
    assert eng.check(req(price=REF - 10)) is ACCEPTED
    assert reason(eng.check(req(price=REF - 20))) is R.THROTTLED
    assert eng.check(req(iid=IID2)) is ACCEPTED  # own bucket
    clock.advance_ns(99_999_999)
    for iid in (IID, IID2):
        eng.on_price(iid, REF)
    assert reason(eng.check(req(price=REF - 30))) is R.THROTTLED
    clock.advance_ns(1)  # exactly 1/rate: one token
    assert eng.check(req(price=REF - 40)) is ACCEPTED
    assert reason(eng.check(req(price=REF - 50))) is R.THROTTLED


def test_global_order_bucket_and_denied_orders_spend_nothing() -> None:
    eng, _ = engine(orders_per_s=1, order_burst=2)
    assert reason(eng.check(req(qty=0))) is R.INVALID_ORDER
    assert eng.check(req(price=REF)) is ACCEPTED
    assert eng.check(req(iid=IID2)) is ACCEPTED
    assert reason(eng.check(req(price=REF - 10))) is R.THROTTLED


def test_cancel_buckets_only_while_active() -> None:
    eng, _ = engine(
        limits=InstrumentLimits(cancels_per_s=1, cancel_burst=1), cancels_per_s=1, cancel_burst=2
    )
    cid = "c"
    assert eng.check_cancel(cid, IID) is ACCEPTED  # type: ignore[arg-type]
    assert reason(eng.check_cancel(cid, IID)) is R.THROTTLED  # type: ignore[arg-type]
    assert eng.check_cancel(cid, IID2) is ACCEPTED  # type: ignore[arg-type]
    assert reason(eng.check_cancel(cid, IID2)) is R.THROTTLED  # type: ignore[arg-type]
    eng.kill_switch.trip("stop")
    assert eng.check_cancel(cid, IID) is ACCEPTED  # type: ignore[arg-type]


# -- construction -----------------------------------------------------------------------------
def test_bad_config_is_refused_at_construction() -> None:
    with pytest.raises(ConfigError, match="max_open_orders"):
        engine(RiskConfig(max_open_orders=-1))
    with pytest.raises(ConfigError, match="unknown instrument"):
        engine(RiskConfig(instruments={"NOPE:X": InstrumentLimits()}))
    with pytest.raises(ConfigError, match="closed_id_memory_max"):
        engine(RiskConfig(closed_id_memory_max=0))
    with pytest.raises(ConfigError, match="closed_id_memory_s"):
        engine(RiskConfig(closed_id_memory_s=0))


def test_2021_filters_min_notional_and_percent_price() -> None:
    from bot4.model._filters import MinNotional, PercentPrice

    old = make_instrument(
        InstrumentId("TEST:OLDUSDT"),
        filters=InstrumentFilters(
            percent_price=PercentPrice(
                multiplier_up=120_000_000, multiplier_down=80_000_000, avg_price_mins=5
            ),
            min_notional=MinNotional(
                min_notional=1_000_000, apply_to_market=False, avg_price_mins=5
            ),
        ),
    )
    eng, _ = engine(insts=instruments(old), limits=InstrumentLimits(collar_bps=5000))
    iid = old.id
    assert eng.check(req(iid=iid, qty=200, price=6_000_000)) is ACCEPTED  # exactly 1.2 x
    assert reason(eng.check(req(iid=iid, qty=200, price=6_000_001))) is R.PERCENT_PRICE
    assert reason(eng.check(req(SELL, iid=iid, qty=200, price=3_999_999))) is R.PERCENT_PRICE
    eng.on_price(iid, 5000)
    assert reason(eng.check(req(iid=iid, qty=195, price=5000))) is R.MIN_NOTIONAL
    assert eng.check(req(iid=iid, qty=195, price=None)) is ACCEPTED  # not applied to market


def test_margin_accounts_get_every_limit_too() -> None:
    from bot4.model import AccountType

    cfg = RiskConfig(
        account_type=AccountType.MARGIN,
        defaults=InstrumentLimits(max_order_notional=D("5000"), max_position=D("0.2")),
        max_gross_exposure=D("9000"),
        duplicate_window_ms=0,
    )
    eng, _ = engine(cfg)
    assert eng.check(req(qty=100)) is ACCEPTED
    assert reason(eng.check(req(qty=100, price=REF + 10))) is R.MAX_ORDER_NOTIONAL
    assert reason(eng.check(req(qty=95, price=REF - 10))) is R.MAX_GROSS_EXPOSURE  # 9,750
    assert eng.check(req(qty=35, price=REF - 10)) is ACCEPTED  # 0.135 open
    assert reason(eng.check(req(qty=70, price=REF - 20))) is R.MAX_POSITION  # 0.205
    assert reason(eng.check(req(qty=90, iid=IID2))) is R.MAX_GROSS_EXPOSURE


def test_global_cancel_bucket_applies_to_unknown_instruments_too() -> None:
    eng, _ = engine(cancels_per_s=1.0, cancel_burst=1)
    nope = InstrumentId("TEST:NOPEUSDT")
    assert eng.check_cancel("a", nope) is ACCEPTED  # type: ignore[arg-type]
    d = eng.check_cancel("b", IID)  # type: ignore[arg-type]
    assert isinstance(d, Denied) and d.detail == "global cancel rate limit"


def test_identical_order_keys_are_forgotten_as_orders_close_once_expired() -> None:
    eng, clock = engine(RiskConfig(duplicate_window_ms=50))
    ms = 1_000_000
    assert eng.check(req(cid="a")) is ACCEPTED  # key K at t=0
    clock.advance_ns(10 * ms)
    eng.on_order_closed("a")  # type: ignore[arg-type]
    assert len(eng.ledger.recent) == 1 and len(eng.ledger.recent_q) == 1  # K still in its window
    clock.advance_ns(50 * ms)
    assert eng.check(req(cid="b")) is ACCEPTED  # K again at t=60 (the window has passed)
    eng.on_order_closed("b")  # type: ignore[arg-type]
    assert (
        len(eng.ledger.recent) == 1 and len(eng.ledger.recent_q) == 2
    )  # head K is newer now: kept
    clock.advance_ns(60 * ms)
    eng.on_order_closed("nope")  # type: ignore[arg-type]  # not ours: nothing happens
    assert len(eng.ledger.recent_q) == 2
    assert eng.check(req(cid="c", qty=105)) is ACCEPTED  # K2 at t=120
    eng.on_order_closed("c")  # type: ignore[arg-type]  # forgets K and drops its stale entry
    assert list(eng.ledger.recent.values()) == [120 * ms] and len(eng.ledger.recent_q) == 1
    clock.advance_ns(50 * ms)
    eng.on_order_closed("c")  # type: ignore[arg-type]  # closed already: nothing
    assert eng.check(req(cid="d", qty=110)) is ACCEPTED
    eng.on_order_closed("d")  # type: ignore[arg-type]
    eng.on_order_closed("x")  # type: ignore[arg-type]
    assert list(eng.ledger.recent.values()) == [170 * ms]
