"""The kill switch: trip, idempotence, events, reset, re-arm, flatten, persistence, wiring."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from tests.support.risk import IID, IID2, REF, engine, req

from bot4.clock import TestClock
from bot4.model import InstrumentId, OrderType, Side
from bot4.risk import (
    ACCEPTED,
    KillSwitch,
    KillSwitchConfig,
    KillSwitchEvent,
    KillSwitchReset,
    KillSwitchState,
    KillSwitchTripped,
    RiskConfig,
    TradingState,
    wire_breaker,
)
from bot4.risk.kill_switch import MAX_TRIGGERS


def test_trip_records_who_why_when_and_halts_in_the_same_call() -> None:
    clock = TestClock(start_ns=5)
    ks = KillSwitch(clock)
    halted: list[bool] = []
    events: list[KillSwitchEvent] = []
    ks.add_halt_hook(halted.append)
    ks.subscribe(events.append)
    assert ks.trip("fat finger", by="alice") is True
    assert ks.tripped and halted == [True]
    (ev,) = events
    assert isinstance(ev, KillSwitchTripped)
    t = ev.trigger
    assert (t.by, t.source, t.reason, t.mono_ns) == ("alice", "operator", "fat finger", 5)
    assert t.wall_ns == clock.time_ns()
    assert ev.flatten_orders == ()


def test_second_trip_keeps_first_time_and_adds_reason() -> None:
    clock = TestClock()
    ks = KillSwitch(clock)
    events: list[KillSwitchEvent] = []
    ks.subscribe(events.append)
    ks.trip("one")
    clock.advance(1)
    assert ks.trip("two", source="drawdown", by="risk_engine") is False
    assert [t.reason for t in ks.triggers] == ["one", "two"]
    assert ks.triggers[0].mono_ns == 0 and ks.triggers[1].mono_ns == 1_000_000_000
    assert len(events) == 1  # one trip, one cancel-all


def test_reset_is_explicit_and_emits() -> None:
    ks = KillSwitch(TestClock())
    events: list[KillSwitchEvent] = []
    unsubscribe = ks.subscribe(events.append)
    assert ks.reset() is False  # not tripped
    ks.trip("x")
    assert ks.poll() is False  # no auto re-arm configured
    assert ks.reset(by="bob") is True
    assert not ks.tripped and ks.triggers == ()
    assert isinstance(events[-1], KillSwitchReset) and events[-1].by == "bob"
    unsubscribe()
    ks.trip("y")
    assert len(events) == 2


def test_auto_rearm_after_cooldown_via_engine_check() -> None:
    cfg = RiskConfig(kill_switch=KillSwitchConfig(rearm_after_s=10), duplicate_window_ms=0)
    eng, clock = engine(cfg)
    eng.kill_switch.trip("breaker")
    clock.advance_ns(9_999_999_999)
    eng.on_price(IID, REF)
    assert not eng.check(req())
    clock.advance_ns(1)
    eng.on_price(IID, REF)
    assert eng.check(req()) is ACCEPTED  # the check re-armed it
    assert eng.trading_state is TradingState.ACTIVE


def test_raising_subscriber_is_isolated(caplog: pytest.LogCaptureFixture) -> None:
    ks = KillSwitch(TestClock())
    seen: list[object] = []

    def bad(_: object) -> None:
        raise RuntimeError("boom")

    ks.subscribe(bad)
    ks.subscribe(seen.append)
    with caplog.at_level(logging.ERROR):
        assert ks.trip("x")
    assert len(seen) == 1 and "boom" in caplog.text


def test_flatten_mode_builds_reduce_only_orders_that_pass_when_halted() -> None:
    cfg = RiskConfig(kill_switch=KillSwitchConfig(flatten=True), duplicate_window_ms=0)
    eng, _ = engine(cfg)
    eng.set_position(IID, 500, REF)
    eng.set_position(IID2, -300, REF)
    events: list[KillSwitchEvent] = []
    eng.kill_switch.subscribe(events.append)
    eng.kill_switch.trip("flatten please")
    (ev,) = events
    assert isinstance(ev, KillSwitchTripped)
    orders = {o.instrument_id: o for o in ev.flatten_orders}
    assert orders[IID].side is Side.SELL and orders[IID].qty == 500
    assert orders[IID2].side is Side.BUY and orders[IID2].qty == 300
    for o in ev.flatten_orders:
        assert o.reduce_only and o.order_type is OrderType.MARKET
        assert eng.check(o) is ACCEPTED
    assert not eng.check(req())  # new risk is still denied


def test_flatten_without_positions_source_is_empty() -> None:
    ks = KillSwitch(TestClock(), KillSwitchConfig(flatten=True))
    assert ks.flatten_orders(0) == ()


def test_save_and_restore_survive_a_restart() -> None:
    clock = TestClock()
    ks = KillSwitch(clock)
    ks.trip("loss", source="daily_loss", by="risk_engine")
    blob = ks.save()
    assert isinstance(blob, bytes)
    fresh = KillSwitch(TestClock())
    halted: list[bool] = []
    fresh.add_halt_hook(halted.append)
    fresh.restore(blob)
    assert fresh.tripped and halted == [True]
    assert fresh.triggers[0].reason == "loss"
    assert fresh.state() == msgspec.msgpack.decode(blob, type=KillSwitchState)
    fresh.restore(KillSwitchState())
    assert not fresh.tripped and halted == [True, False]
    # an engine built on a restored, tripped switch starts HALTED
    from tests.support.risk import instruments

    from bot4.risk import RiskEngine

    ks2 = KillSwitch(TestClock())
    ks2.restore(blob)
    eng2 = RiskEngine(instruments(), RiskConfig(), clock, ks2)
    assert eng2.trading_state is TradingState.HALTED


class _Kind:
    def __init__(self, value: str) -> None:
        self.value = value


class _Event:
    def __init__(self, kind: str, to_state: str) -> None:
        self.breaker = "global"
        self.kind = _Kind(kind)
        self.to_state = _Kind(to_state)
        self.reason = "3/4 components open"


class _FakeGlobalBreaker:
    """The GlobalCircuitBreaker's subscribe API: subscribe(cb) -> unsubscribe."""

    def __init__(self) -> None:
        self.callbacks: list[Callable[[Any], object]] = []

    def subscribe(self, callback: Callable[[Any], object]) -> Callable[[], None]:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def emit(self, event: _Event) -> None:
        for cb in list(self.callbacks):
            cb(event)


def test_wire_breaker_trips_on_open_only() -> None:
    ks = KillSwitch(TestClock())
    breaker = _FakeGlobalBreaker()
    unsubscribe = wire_breaker(breaker, ks)
    breaker.emit(_Event("REJECTED", "OPEN"))
    breaker.emit(_Event("STATE_CHANGED", "HALF_OPEN"))
    assert not ks.tripped
    breaker.emit(_Event("STATE_CHANGED", "OPEN"))
    assert ks.tripped
    t = ks.triggers[0]
    assert t.source == "breaker:global" and "3/4" in t.reason
    unsubscribe()
    assert breaker.callbacks == []


def test_engine_unknown_ids_are_ignored() -> None:
    eng, _ = engine()
    eng.on_fill("nope", 5, REF)  # type: ignore[arg-type]
    eng.on_order_closed("nope")  # type: ignore[arg-type]
    assert eng.positions() == {} and eng.open_orders() == 0
    assert InstrumentId("TEST:BTCUSDT") == IID


def test_wire_breaker_with_the_real_global_circuit_breaker() -> None:
    res = pytest.importorskip("bot4.resilience._global")
    from bot4.resilience import CircuitBreaker, CircuitConfig

    clock = TestClock()
    parts = [CircuitBreaker(f"venue{i}", CircuitConfig(), clock) for i in range(2)]
    glob = res.GlobalCircuitBreaker(parts, 0.5, clock)
    ks = KillSwitch(clock)
    wire_breaker(glob, ks)
    assert not ks.tripped
    parts[0].force_open("venue down")
    assert ks.tripped
    assert ks.triggers[0].source == "breaker:global"


def test_triggers_are_bounded_keeping_the_first_and_the_newest() -> None:
    ks = KillSwitch(TestClock())
    for i in range(250):
        ks.trip(f"r{i}", source="breaker:ws")
    kept = [t.reason for t in ks.triggers]
    assert len(kept) == MAX_TRIGGERS
    assert kept == ["r0", *(f"r{i}" for i in range(250 - MAX_TRIGGERS + 1, 250))]


def test_flatten_skips_flat_positions_and_restore_of_the_same_state_changes_nothing() -> None:
    ks = KillSwitch(TestClock(), positions=lambda: {IID: 0, IID2: -10})
    orders = ks.flatten_orders(0)
    assert [(o.instrument_id, o.side, o.qty) for o in orders] == [(IID2, Side.BUY, 10)]
    halts: list[bool] = []
    ks.add_halt_hook(halts.append)
    ks.restore(KillSwitchState(tripped=False, trip_count=3))
    assert halts == [] and not ks.tripped and ks.state().trip_count == 3
