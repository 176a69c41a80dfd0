"""Injected faults on the emulator: each ends with the journal, the OMS and the emulator in
agreement, no order sent twice, and the fault counted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from tests.support.binance_venue import KEY, SECRET, agree, venue_rig
from tests.support.oms import BTC, CENT, request
from tests.support.waiting import until

from bot4.model import ClientOrderId, OrderFilled
from bot4.resilience import CircuitState

ORDER = "/api/v3/order"


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever a fault makes the venue log, the API key and secret are never in it."""
    caplog.set_level(logging.DEBUG)
    yield
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.get_records("call"))
    assert text  # the faults were logged at all
    assert KEY not in text and SECRET not in text


def _posts(rig, path: str = ORDER) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for r in rig.emu.requests if r.method == "POST" and r.path == path)


async def test_503_after_the_order_was_placed_is_unknown_then_queried() -> None:
    async with venue_rig() as rig:
        rig.emu.fail_next(ORDER, 503, after_effect=True, method="POST")
        rig.oms.submit(request("U-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("U-1", "ACCEPTED")
        assert await rig.venue.idle(10)
        assert rig.venue.stats.unknown_orders == 1
        assert _posts(rig) == 1  # never sent twice
        agree(rig)


async def test_503_on_an_order_never_placed_is_rejected_after_the_recv_window() -> None:
    async with venue_rig(recv_window_ms=300) as rig:
        rig.emu.fail_next(ORDER, 503, method="POST")
        rig.oms.submit(request("U-2", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("U-2", "REJECTED")
        assert rig.venue.stats.not_placed == 1
        assert _posts(rig) == 1
        assert "NOT_PLACED" in rig.oms.orders[ClientOrderId("U-2")].reason
        agree(rig)


async def test_timeout_on_a_cancel_queries_the_order() -> None:
    async with venue_rig() as rig:
        rig.oms.submit(request("T-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("T-1", "ACCEPTED")
        rig.emu.fail_next(ORDER, 502, after_effect=True, method="DELETE")
        rig.oms.cancel(ClientOrderId("T-1"))
        await rig.wait_status("T-1", "CANCELED")
        assert rig.oms.orders[ClientOrderId("T-1")].status.name == "CANCELED"
        agree(rig)


async def test_429_waits_retry_after_and_retries() -> None:
    async with venue_rig() as rig:
        rig.emu.fail_next(ORDER, 429, retry_after=1, method="POST")
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        rig.oms.submit(request("R-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("R-1", "ACCEPTED")
        assert loop.time() - t0 >= 0.9  # waited as Retry-After said
        assert rig.venue.rest.stats.rate_limited == 1
        assert not any(r.status == 418 for r in rig.emu.requests)  # no ban for impatience
        agree(rig)


async def test_418_halts_the_venue_and_forces_its_breaker_open(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with venue_rig() as rig:
        rig.emu.fail_next(ORDER, 418, retry_after=1, method="POST")
        with caplog.at_level(logging.ERROR):
            rig.oms.submit(request("B-1", qty=BTC // 10, price=9_950 * CENT))
            await rig.wait_status("B-1", "REJECTED")
        assert "ALERT" in caplog.text and "418" in caplog.text
        assert rig.venue.rest.halted()
        assert rig.breaker.state is CircuitState.FORCED_OPEN
        sent = len(rig.emu.requests)
        rig.oms.submit(request("B-2", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("B-2", "REJECTED")
        assert len(rig.emu.requests) == sent  # nothing sent while banned
        await until(lambda: rig.breaker.state is CircuitState.CLOSED, "the ban's end", 5)
        rig.emu.reset_limits()
        rig.oms.submit(request("B-3", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("B-3", "ACCEPTED")
        assert rig.venue.rest.stats.bans == 1
        agree(rig)


async def test_clock_skew_minus_1021_remeasures_and_retries_once() -> None:
    async with venue_rig() as rig:
        rig.emu.clock_skew_ms = -20_000  # the server is 20 s behind us: our timestamps are ahead
        rig.oms.submit(request("S-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("S-1", "ACCEPTED")
        assert rig.venue.rest.stats.skew_retries == 1
        assert any(r.code == -1021 for r in rig.emu.requests)
        rig.oms.submit(request("S-2", qty=BTC // 10, price=9_940 * CENT))
        await rig.wait_status("S-2", "ACCEPTED")
        assert rig.venue.rest.stats.skew_retries == 1  # the offset holds: no second -1021
        agree(rig)


async def test_dropped_user_stream_reconnects_and_catches_up() -> None:
    async with venue_rig() as rig:
        rig.oms.submit(request("D-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("D-1", "ACCEPTED")
        connects = rig.venue.stream.connects
        catch_ups = rig.venue.stats.catch_ups
        rig.emu.drop_user_stream()
        await until(lambda: not rig.venue.stream.connected.is_set(), "the stream to drop", 5)
        rig.emu.trade("BTCUSDT", "99.50", "1")  # fills D-1 while nobody listens
        await until(lambda: rig.venue.stream.connects > connects, "a reconnect", 10)
        await until(lambda: rig.venue.stats.catch_ups > catch_ups, "the catch-up", 10)
        await rig.wait_status("D-1", "FILLED")
        assert sum(isinstance(e, OrderFilled) for e in rig.seen) == 1
        agree(rig)


async def test_duplicated_and_reordered_events_are_emitted_once() -> None:
    async with venue_rig() as rig:
        rig.emu.duplicate_next_event()
        rig.oms.submit(request("E-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("E-1", "ACCEPTED")
        rig.emu.reorder_next_events(2)
        rig.emu.duplicate_next_event()
        rig.emu.trade("BTCUSDT", "99.50", "0.04")
        rig.emu.trade("BTCUSDT", "99.50", "0.06")
        await rig.wait_status("E-1", "FILLED")
        assert rig.oms.counters.duplicate_fills == 0
        assert rig.oms.counters.invalid_events == 0
        agree(rig)


async def test_an_unreadable_answer_to_a_placed_order_is_unknown() -> None:
    async with venue_rig() as rig:
        rig.emu.fail_next(ORDER, 200, after_effect=True, method="POST")
        rig.oms.submit(request("G-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("G-1", "ACCEPTED")
        assert await rig.venue.idle(10)
        assert rig.venue.stats.unknown_orders == 1 and _posts(rig) == 1
        agree(rig)


async def test_a_timeout_on_a_new_order_is_unknown_and_never_resent() -> None:
    async with venue_rig(request_timeout_s=0.3) as rig:
        rig.emu.stall_next(ORDER, 1.0, method="POST")  # placed, answered after our timeout
        rig.oms.submit(request("TO-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("TO-1", "ACCEPTED")
        assert await rig.venue.idle(10)
        assert rig.venue.stats.unknown_orders == 1
        assert rig.venue.rest.stats.transport_errors == 1
        assert _posts(rig) == 1
        agree(rig)
