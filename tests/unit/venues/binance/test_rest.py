"""BinanceRest against the emulator: headers read, limits kept, errors classified, breaker fed."""

from __future__ import annotations

import asyncio
import socket

import pytest
from tests.support.binance_venue import KEY, SECRET, venue_rig
from tests.support.oms import BTC, CENT, request

from bot4.clock import LiveClock
from bot4.errors import CircuitOpenError, VenueApiError, VenueError
from bot4.resilience import CircuitBreaker, CircuitConfig
from bot4.venues.binance import BinanceConfig, BinanceRest, Secret
from bot4.venues.binance._rest import unknown_outcome


async def test_used_weight_header_is_read_and_blocks_are_waited() -> None:
    async with venue_rig(user_stream=False) as rig:
        rest = rig.venue.rest
        await rest.request("GET", "/api/v3/time")
        used = rest.budget.weight.used(rest.now_ms())
        assert used >= 1  # the emulator's X-MBX-USED-WEIGHT-1M
        rest.budget.block(rest.now_ms() + 300)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await rest.request("GET", "/api/v3/time")
        assert loop.time() - t0 >= 0.25 and rest.stats.waits >= 1


async def test_order_count_never_passes_the_limit() -> None:
    # Two orders per 10 s: the third waits for the next window instead of drawing a 429.
    async with venue_rig(user_stream=False, order_limit_10s=2, limit_margin=0.0) as rig:
        for i in range(3):
            rig.oms.submit(request(f"L-{i}", qty=BTC // 10, price=(9_900 + i) * CENT))
        for i in range(3):
            await rig.wait_status(f"L-{i}", "ACCEPTED", timeout_s=15)
        posts = [r for r in rig.emu.requests if r.method == "POST" and r.path == "/api/v3/order"]
        assert [r.status for r in posts] == [200, 200, 200]
        assert rig.venue.rest.stats.waits >= 1 and rig.venue.rest.stats.rate_limited == 0


async def test_errors_are_classified_and_5xx_feeds_the_breaker() -> None:
    async with venue_rig(user_stream=False, max_rate_limit_retries=0) as rig:
        rest = rig.venue.rest
        rig.emu.fail_next("/api/v3/account", 503)
        with pytest.raises(VenueApiError) as err:
            await rest.request("GET", "/api/v3/account", signed=True, weight=20)
        assert err.value.status == 503 and unknown_outcome(err.value)
        assert rig.breaker.metrics().failures == 1
        with pytest.raises(VenueApiError) as bad:  # a 4XX: the exchange answered; no failure
            await rest.request("GET", "/api/v3/order", [("symbol", "BTCUSDT")], signed=True)
        assert bad.value.status == 400 and not unknown_outcome(bad.value)
        assert rig.breaker.metrics().failures == 1
        rig.emu.fail_next("/api/v3/time", 429, retry_after=1)
        with pytest.raises(VenueApiError) as limited:  # no retries allowed by this config
            await rest.request("GET", "/api/v3/time")
        assert limited.value.status == 429


async def test_transport_errors_and_lifecycle() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    breaker = CircuitBreaker("dead", CircuitConfig(consecutive_failures=2, open_s=60))
    rest = BinanceRest(
        BinanceConfig(base_url=f"http://127.0.0.1:{port}", request_timeout_s=2),
        api_key=Secret(KEY),
        api_secret=Secret(SECRET),
        breaker=breaker,
        clock=LiveClock(),
    )
    with pytest.raises(VenueError, match="not started"):
        await rest.request("GET", "/api/v3/time")
    for _ in range(2):
        with pytest.raises(VenueError) as err:
            await rest.start()
        assert unknown_outcome(err.value) and KEY not in str(err.value)
    with pytest.raises(CircuitOpenError):  # two failures in a row opened it
        await rest.request("GET", "/api/v3/time")
    assert rest.stats.transport_errors == 2
    assert not unknown_outcome(CircuitOpenError("x", 1.0))
    await rest.close()
    await rest.close()  # idempotent


def test_error_bodies_that_are_not_binances() -> None:
    e = BinanceRest._api_error(502, b"<html>bad gateway</html>")
    assert (e.status, e.code) == (502, 0) and "bad gateway" in e.venue_message
    assert BinanceRest._api_error(400, b'{"code": -1100, "msg": "m"}').code == -1100
