"""Notifier against a real loopback HTTP server playing a webhook and Telegram's Bot API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from tests.support.notify import TOKEN, Receiver
from tests.support.oms import filled
from tests.support.waiting import until

from bot4.clock import TestClock
from bot4.errors import ConfigError
from bot4.model import bundled_instruments
from bot4.notify import SIGNATURE_HEADER, NotificationsConfig, Notifier
from bot4.resilience import CircuitEvent, CircuitEventKind, CircuitState
from bot4.risk import KillSwitchReset, KillSwitchTripped, KillTrigger

SECRET = "webhook-signing-key-never-logged"
ENV = {"TG_TOKEN": TOKEN, "HOOK_KEY": SECRET}
INSTRUMENTS = bundled_instruments()
PNL = ("1.50", "-0.25", "1.25")


def _config(rec: Receiver, **kw: object) -> NotificationsConfig:
    base: dict[str, object] = {
        "webhook_url": f"{rec.base}/hook/s3cr3t-path",
        "webhook_secret_env": "HOOK_KEY",
        "telegram_chat_id": "-1001",
        "telegram_token_env": "TG_TOKEN",
        "telegram_base_url": rec.base,
        "telegram_per_s": 50.0,
        "webhook_per_s": 50.0,
        "breaker_open_s": 30.0,
        "flush_timeout_s": 2.0,
    }
    base.update(kw)
    return NotificationsConfig(**base)  # type: ignore[arg-type]


def _trip() -> KillSwitchTripped:
    trigger = KillTrigger(
        source="operator",
        by="alice",
        reason="manual stop",
        mono_ns=1,
        wall_ns=1_700_000_000 * 10**9,
    )
    return KillSwitchTripped(trigger=trigger)


def _samples(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, s.labels.get("sink", "")): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


async def test_events_arrive_at_both_sinks_with_text_shape_and_signature(
    receiver: Receiver,
) -> None:
    registry = CollectorRegistry()
    clock = TestClock()
    n = Notifier(
        _config(receiver), clock=clock, instruments=INSTRUMENTS, pnl=lambda: PNL,
        environ=ENV, registry=registry,
    )  # fmt: skip
    async with n:
        n.on_fill(filled(price=6_500_010, qty=1_000, fee=65))
        await receiver.wait_for("telegram", 1)
        n.on_kill_event(_trip())
        await receiver.wait_for("telegram", 2)
        n.on_breaker_event(
            CircuitEvent(
                breaker="binance-ws", kind=CircuitEventKind.STATE_CHANGED,
                from_state=CircuitState.CLOSED, to_state=CircuitState.OPEN,
                reason="3 failures in a row", mono_ns=5,
            )
        )  # fmt: skip
        await receiver.wait_for("telegram", 3)
        n.reconciliation("order mm-7 open on the venue, unknown to the OMS: cancelled")
        await receiver.wait_for("telegram", 4)
        await receiver.wait_for("webhook", 4)
    texts = [m["text"] for m in receiver.telegram]
    assert texts[0].startswith("FILL BUY ") and "BINANCE:BTCUSDT" in texts[0]
    assert texts[1].startswith("KILL SWITCH TRIPPED by alice (operator): manual stop")
    assert texts[2] == "BREAKER binance-ws OPEN (was CLOSED): 3 failures in a row"
    assert texts[3].startswith("RECONCILIATION: order mm-7")
    assert texts[4].startswith("PnL at stop (2023-11-14 UTC): realized 1.50")  # at close
    assert all(m["chat_id"] == "-1001" for m in receiver.telegram)
    body, headers = receiver.webhook[1]
    doc = json.loads(body)
    assert doc["source"] == "bot4" and doc["text"] == texts[1]
    assert doc["notices"][0]["kind"] == "kill_switch"
    assert doc["notices"][0]["priority"] == "CRITICAL"
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    s = _samples(registry)
    assert s[("bot4_notifications_sent_total", "telegram")] == 5
    assert s[("bot4_notifications_sent_total", "webhook")] == 5
    assert s[("bot4_notifications_dropped_total", "webhook")] == 0


async def test_a_burst_of_fills_is_coalesced_under_the_rate_limit(receiver: Receiver) -> None:
    cfg = _config(receiver, telegram_per_s=4.0, webhook_url=None, events=["fill"])
    n = Notifier(cfg, clock=TestClock(), instruments=INSTRUMENTS, environ=ENV)
    async with n:
        n.on_fill(filled(fill_id="T-0"))
        await receiver.wait_for("telegram", 1)
        for i in range(1, 6):  # the token is spent: these wait ~0.25 s together
            n.on_fill(filled(fill_id=f"T-{i}", qty=10 + i))
        await receiver.wait_for("telegram", 2)
        n.on_kill_event(_trip())  # not in `events`: ignored
    assert len(receiver.telegram) == 2
    burst = receiver.telegram[1]["text"]
    assert burst.startswith("5 fills:\n- FILL BUY ")
    assert burst.count("\n- FILL") == 5
    assert n.senders["telegram"].sent == 6 and n.senders["telegram"].messages == 2


async def test_a_failing_webhook_opens_its_breaker_and_telegram_goes_on(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.webhook_status = 500
    n = Notifier(_config(receiver), clock=TestClock(), environ=ENV)
    caplog.set_level(logging.DEBUG)
    async with n:
        webhook = n.senders["webhook"]
        for i in range(3):  # one at a time: three failures in a row open the breaker
            n.on_fill(filled(fill_id=f"T-{i}"))
            await receiver.wait_for("webhook", i + 1)
        await until(lambda: webhook.breaker.state is CircuitState.OPEN, "webhook breaker open", 5)
        for i in range(3, 6):  # these wait in the queue while the breaker is open
            n.on_fill(filled(fill_id=f"T-{i}"))
        n.on_kill_event(_trip())
        await until(lambda: n.senders["telegram"].sent == 7, "telegram took all seven", 5)
        assert len(receiver.webhook) == 3, "no call while the breaker is open"
    assert webhook.failed == 3 + 4  # three failed sends, four still queued at stop
    assert n.breakers["notify-webhook"] is webhook.breaker
    assert n.senders["telegram"].sent == 7 and n.senders["telegram"].failed == 0
    warnings = [
        r for r in caplog.records if r.name == "bot4.notify" and r.levelno >= logging.WARNING
    ]
    assert sum("sending failed" in r.getMessage() for r in warnings) == 1, "once per episode"
    assert any("not delivered at stop" in r.getMessage() for r in warnings)
    assert "s3cr3t-path" not in caplog.text and SECRET not in caplog.text


async def test_a_failed_kill_trip_is_retried_until_the_sink_takes_it(receiver: Receiver) -> None:
    receiver.telegram_answers = [(502, {"ok": False, "description": "Bad Gateway"})]
    cfg = _config(receiver, webhook_url=None)
    n = Notifier(cfg, clock=TestClock(), environ=ENV)
    async with n:
        n.on_kill_event(_trip())
        n.on_kill_event(KillSwitchReset(by="bob", mono_ns=2, wall_ns=3))
        await receiver.wait_for("telegram", 2)
    sender = n.senders["telegram"]
    assert sender.failed == 0 and sender.sent == 2
    assert (
        receiver.telegram[1]["text"].startswith("2 kill_switchs:")
        or "reset by bob" in (receiver.telegram[1]["text"])
    )


async def test_telegram_429_pauses_the_chat_for_retry_after(receiver: Receiver) -> None:
    receiver.telegram_answers = [
        (429, {"ok": False, "description": "Too Many Requests", "parameters": {"retry_after": 1}})
    ]
    n = Notifier(_config(receiver, webhook_url=None), clock=TestClock(), environ=ENV)
    async with n:
        n.on_fill(filled(fill_id="T-1"))
        await receiver.wait_for("telegram", 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        n.on_fill(filled(fill_id="T-2"))
        await receiver.wait_for("telegram", 2)
        assert loop.time() - started >= 0.9, "the next message waited for retry_after"
    assert n.senders["telegram"].failed == 1


async def test_queue_overflow_drops_and_counts(receiver: Receiver) -> None:
    registry = CollectorRegistry()
    cfg = _config(receiver, queue_size=3, max_per_message=100)
    n = Notifier(cfg, clock=TestClock(), environ=ENV, registry=registry)
    for i in range(10):  # before start: nothing drains, the queue overflows
        n.on_fill(filled(fill_id=f"T-{i}"))
    n.on_kill_event(_trip())
    async with n:
        await receiver.wait_for("telegram", 1)
    s = _samples(registry)
    assert s[("bot4_notifications_dropped_total", "telegram")] == 8  # 7 fills, then 1 for the kill
    assert s[("bot4_notifications_sent_total", "telegram")] == 3
    text = receiver.telegram[0]["text"]
    assert "fill_id" not in text and text.count("FILL") == 2 and "KILL SWITCH" in text


async def test_secrets_never_reach_the_log(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env = {"TG_TOKEN": "999:another-token-that-is-wrong", "HOOK_KEY": SECRET}
    dead = "http://127.0.0.1:9/hook/s3cr3t-path"  # discard port: nothing listens
    n = Notifier(_config(receiver, webhook_url=dead), clock=TestClock(), environ=env)
    async with n:
        n.on_kill_event(_trip())
        await until(lambda: n.senders["telegram"]._failing, "telegram refused", 5)
        await until(lambda: n.senders["webhook"]._failing, "webhook unreachable", 5)
    assert "401" in caplog.text
    for secret in ("another-token-that-is-wrong", SECRET, "s3cr3t-path"):
        assert secret not in caplog.text
    assert "s3cr3t-path" not in repr(n.config) and "127.0.0.1:9/***" in repr(n.config)


def test_a_missing_secret_is_a_config_error() -> None:
    cfg = NotificationsConfig(telegram_chat_id="1", telegram_token_env="NOPE_TOKEN")
    with pytest.raises(ConfigError, match="NOPE_TOKEN"):
        Notifier(cfg, clock=TestClock(), environ={})
    cfg = NotificationsConfig(webhook_url="https://x.example/h", webhook_secret_env="NOPE_KEY")
    with pytest.raises(ConfigError, match="NOPE_KEY"):
        Notifier(cfg, clock=TestClock(), environ={})


async def test_without_sinks_it_does_nothing() -> None:
    n = Notifier(NotificationsConfig(), clock=TestClock(), pnl=lambda: PNL)
    async with n:
        n.on_fill(filled())
        n.reconciliation("x")
    assert n.senders == {} and n.breakers == {}
    await n.close()  # idempotent


async def test_daily_pnl_once_per_utc_day_and_publish_from_another_thread(
    receiver: Receiver,
) -> None:
    clock = TestClock()  # 2023-11-14 22:13:20 UTC
    cfg = _config(receiver, webhook_url=None, events=["daily_pnl", "reconciliation"])
    n = Notifier(cfg, clock=clock, pnl=lambda: PNL, environ=ENV)
    async with n:
        n.check_day(lambda: PNL)
        clock.advance(3600)  # still the same day
        n.check_day(lambda: PNL)
        clock.advance(3 * 3600)  # 2023-11-15
        n.check_day(lambda: PNL)
        await receiver.wait_for("telegram", 1)
        t = threading.Thread(target=n.reconciliation, args=("balance differs by 0.1 USDT",))
        t.start()
        t.join(5)
        await receiver.wait_for("telegram", 2)
        n.on_fill(filled())  # not in `events`
    texts = [m["text"] for m in receiver.telegram]
    assert texts[0] == "DAILY PnL 2023-11-14 UTC: realized 1.50, unrealized -0.25, total 1.25 USDT"
    assert texts[1] == "RECONCILIATION: balance differs by 0.1 USDT"
    assert texts[2].startswith("PnL at stop (2023-11-15 UTC)")
    assert len(texts) == 3
