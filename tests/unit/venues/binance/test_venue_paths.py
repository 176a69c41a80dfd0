"""BinanceVenue's less travelled paths against the emulator: refusals, replace outcomes, a
cancel that fails, the breaker, and the plumbing around the OMS's handler."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tests.support.binance_venue import KEY, SECRET, agree, venue_rig
from tests.support.oms import BTC, CENT, request, submitted
from tests.support.waiting import until

from bot4.errors import VenueError
from bot4.model import (
    ClientOrderId,
    OrderCancelRejected,
    OrderReplaceRejected,
    OrderType,
    TimeInForce,
)

REPLACE = "/api/v3/order/cancelReplace"
ORDER = "/api/v3/order"


async def _resting(rig, coid: str = "P-1") -> None:  # type: ignore[no-untyped-def]
    rig.oms.submit(request(coid, qty=BTC // 10, price=9_950 * CENT))
    await rig.wait_status(coid, "ACCEPTED")


async def test_refusals_post_only_ioc_and_market() -> None:
    async with venue_rig() as rig:
        rig.oms.submit(
            request("M-1", qty=BTC // 10, price=10_020 * CENT, tif=TimeInForce.POST_ONLY)
        )
        await rig.wait_status("M-1", "REJECTED")
        assert rig.oms.orders[ClientOrderId("M-1")].reason.startswith("-2010")
        rig.oms.submit(request("M-2", qty=BTC // 10, price=9_950 * CENT, tif=TimeInForce.IOC))
        await rig.wait_status("M-2", "EXPIRED")
        rig.oms.submit(
            request(
                "M-3", qty=BTC // 10, price=None, order_type=OrderType.MARKET, tif=TimeInForce.IOC
            )
        )
        await rig.wait_status("M-3", "FILLED")
        agree(rig)


async def test_a_forced_open_breaker_rejects_without_sending() -> None:
    async with venue_rig() as rig:
        await _resting(rig)
        rig.breaker.force_open("test")
        sent = len(rig.emu.requests)
        rig.oms.submit(request("C-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("C-1", "REJECTED")
        assert "CIRCUIT_OPEN" in rig.oms.orders[ClientOrderId("C-1")].reason
        rig.oms.replace(ClientOrderId("P-1"), 8 * BTC // 100, 9_960 * CENT)
        await until(lambda: any(isinstance(e, OrderReplaceRejected) for e in rig.seen), "refused")
        rig.oms.cancel(ClientOrderId("P-1"))
        await until(lambda: any(isinstance(e, OrderCancelRejected) for e in rig.seen), "refused")
        assert len(rig.emu.requests) == sent
        assert rig.status("P-1") == "ACCEPTED"
        rig.breaker.reset()
        agree(rig)


async def test_a_cancel_refused_while_the_order_still_works() -> None:
    async with venue_rig() as rig:
        await _resting(rig)
        rig.emu.fail_next(ORDER, 400, code=-2011, method="DELETE")
        rig.oms.cancel(ClientOrderId("P-1"))
        await until(lambda: any(isinstance(e, OrderCancelRejected) for e in rig.seen), "refused")
        assert rig.status("P-1") == "ACCEPTED"
        # A cancel for an order already over sends nothing.
        rig.emu.trade("BTCUSDT", "99.00", "1")
        await rig.wait_status("P-1", "FILLED")
        sent = len(rig.emu.requests)
        rig.venue.cancel(ClientOrderId("P-1"), rig.oms.orders[ClientOrderId("P-1")].instrument_id)
        assert await rig.venue.idle(5) and len(rig.emu.requests) == sent
        agree(rig)


async def test_a_cancel_right_after_submit_waits_for_the_placement() -> None:
    async with venue_rig() as rig:
        rig.oms.submit(request("Q-1", qty=BTC // 10, price=9_950 * CENT))
        rig.oms.cancel(ClientOrderId("Q-1"))  # same loop turn: the order is not placed yet
        await rig.wait_status("Q-1", "CANCELED")
        assert rig.oms.orders[ClientOrderId("Q-1")].status.name == "CANCELED"
        agree(rig)


@pytest.mark.parametrize(
    ("code", "status"),
    [(-2022, "ACCEPTED"), (-2021, "CANCELED"), (-1013, "ACCEPTED")],
)
async def test_replace_failures(code: int, status: str) -> None:
    async with venue_rig() as rig:
        await _resting(rig)
        rig.emu.fail_next(REPLACE, 400, code=code)
        rig.oms.replace(ClientOrderId("P-1"), 8 * BTC // 100, 9_960 * CENT)
        await rig.wait_status("P-1", status)
        if status == "CANCELED":
            # The emulator cannot half-fail a cancelReplace: do its cancel half by hand.
            await rig.venue.rest.request(
                "DELETE", ORDER, [("symbol", "BTCUSDT"), ("origClientOrderId", "P-1")], signed=True
            )
            assert rig.emu.open_orders() == []
            agree(rig)
        else:
            assert any(isinstance(e, OrderReplaceRejected) for e in rig.seen)
            agree(rig)


async def test_replace_with_an_unknown_outcome() -> None:
    async with venue_rig() as rig:
        await _resting(rig)
        rig.emu.fail_next(REPLACE, 503, after_effect=True)
        rig.oms.replace(ClientOrderId("P-1"), 8 * BTC // 100, 9_960 * CENT)
        await until(lambda: rig.oms.orders[ClientOrderId("P-1")].qty == 8 * BTC // 100, "new qty")
        await _resting(rig, "P-2")
        rig.emu.fail_next(REPLACE, 503)  # not applied: the old order stands
        rig.oms.replace(ClientOrderId("P-2"), 8 * BTC // 100, 9_960 * CENT)
        await until(lambda: any(isinstance(e, OrderReplaceRejected) for e in rig.seen), "refused")
        assert rig.status("P-2") == "ACCEPTED"
        assert rig.venue.stats.unknown_orders == 2
        agree(rig)


async def test_replace_of_an_order_that_is_over_is_refused_at_once() -> None:
    async with venue_rig() as rig:
        await _resting(rig)
        rig.emu.trade("BTCUSDT", "99.50", "0.04")
        await until(lambda: rig.oms.orders[ClientOrderId("P-1")].filled_qty > 0, "a fill")
        iid = rig.oms.orders[ClientOrderId("P-1")].instrument_id
        told: list[object] = []
        to_oms = rig.oms.on_venue_event

        def capture(event: object) -> None:
            told.append(event)
            to_oms(event)  # type: ignore[arg-type]

        rig.venue.set_event_handler(capture)
        rig.venue.replace(ClientOrderId("P-1"), iid, 4 * BTC // 100, 9_960 * CENT)  # <= filled
        await until(lambda: any(isinstance(e, OrderReplaceRejected) for e in told), "refused")
        rig.emu.trade("BTCUSDT", "99.00", "1")
        await rig.wait_status("P-1", "FILLED")
        rig.venue.replace(ClientOrderId("P-1"), iid, BTC // 10, 9_960 * CENT)
        assert await rig.venue.idle(5)
        assert sum(isinstance(e, OrderReplaceRejected) for e in told) == 2
        agree(rig)


async def test_unknown_placement_survives_failing_queries() -> None:
    async with venue_rig(recv_window_ms=200) as rig:
        rig.emu.fail_next(ORDER, 503, method="POST")
        rig.emu.fail_next(ORDER, 503, method="GET")
        rig.oms.submit(request("F-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("F-1", "REJECTED")
        assert rig.venue.stats.not_placed == 1
        agree(rig)


async def test_catch_up_that_fails_is_not_counted() -> None:
    async with venue_rig() as rig:
        catch_ups, connects = rig.venue.stats.catch_ups, rig.venue.stream.connects
        rig.emu.fail_next("/api/v3/account", 503)
        rig.emu.drop_user_stream()
        await until(lambda: rig.venue.stream.connects > connects, "a reconnect", 5)
        await asyncio.sleep(0.2)
        assert rig.venue.stats.catch_ups == catch_ups


async def test_handler_plumbing(caplog: pytest.LogCaptureFixture) -> None:
    async with venue_rig(user_stream=False) as rig:
        venue = rig.venue
        assert KEY not in repr(venue) and SECRET not in repr(venue.rest.__dict__)

        def boom(event: object) -> None:
            raise RuntimeError("handler bug")

        venue.set_event_handler(boom)
        with caplog.at_level(logging.ERROR):
            venue.submit(submitted("H-1", qty=BTC // 10, price=9_950 * CENT))
            assert await venue.idle(5)
        assert venue.stats.handler_errors == 1
        venue._handler = None
        with caplog.at_level(logging.ERROR):
            venue.submit(submitted("H-2", qty=BTC // 10, price=9_950 * CENT))
            assert await venue.idle(5)
        assert "no event handler" in caplog.text


def test_submit_needs_a_running_loop() -> None:
    from tests.support.oms import IID, INSTRUMENTS

    from bot4.clock import LiveClock
    from bot4.resilience import CircuitBreaker
    from bot4.venues.binance import BinanceConfig, BinanceVenue, Secret

    venue = BinanceVenue(
        BinanceConfig(),
        api_key=Secret(KEY),
        api_secret=Secret(SECRET),
        breaker=CircuitBreaker("x"),
        clock=LiveClock(),
        instruments={IID: INSTRUMENTS[IID]},
    )
    with pytest.raises(VenueError, match="event loop"):
        venue.submit(submitted("N-1", qty=BTC // 10, price=9_950 * CENT))
