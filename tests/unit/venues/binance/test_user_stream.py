"""The user-data stream: keep-alive, an expired listenKey, a dropped socket, bad frames."""

from __future__ import annotations

import logging

import pytest
from tests.support.binance_venue import venue_rig
from tests.support.oms import BTC, CENT, request
from tests.support.waiting import until

from bot4.model import ClientOrderId


async def test_keepalive_is_sent_periodically() -> None:
    async with venue_rig(keepalive_s=0.05) as rig:
        await until(
            lambda: sum(r.method == "PUT" for r in rig.emu.requests) >= 2, "two keep-alives", 5
        )
        assert rig.venue.stream.listen_key is not None


async def test_a_failed_keepalive_reconnects_with_a_new_key() -> None:
    async with venue_rig(keepalive_s=0.05) as rig:
        connects = rig.venue.stream.connects
        rig.emu.fail_next("/api/v3/userDataStream", 400, code=-1125, method="PUT")
        await until(lambda: rig.venue.stream.connects > connects, "a reconnect", 5)
        assert any(r.method == "PUT" and r.status == 400 for r in rig.emu.requests)
        assert rig.venue.stream.listen_key is not None, "a new key after the failed keep-alive"


async def test_an_expired_listen_key_reconnects_and_catches_up() -> None:
    async with venue_rig() as rig:
        rig.oms.submit(request("K-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("K-1", "ACCEPTED")
        connects, catch_ups = rig.venue.stream.connects, rig.venue.stats.catch_ups
        rig.emu.expire_listen_key()
        await until(lambda: rig.venue.stream.connects > connects, "a reconnect", 5)
        await until(lambda: rig.venue.stats.catch_ups > catch_ups, "a catch-up", 5)
        rig.oms.cancel(ClientOrderId("K-1"))
        await rig.wait_status("K-1", "CANCELED")
        assert rig.oms.orders[ClientOrderId("K-1")].status.name == "CANCELED"


async def test_drop_and_bad_frames(caplog: pytest.LogCaptureFixture) -> None:
    async with venue_rig() as rig:
        connects = rig.venue.stream.connects
        await rig.venue.stream.drop()
        await until(lambda: rig.venue.stream.connects > connects, "a reconnect", 5)
        with caplog.at_level(logging.WARNING):
            assert rig.venue._on_frame(b"{broken")
        assert rig.venue.stats.bad_frames == 1
        assert rig.venue._on_frame(b'{"e": "balanceUpdate"}')
        assert not rig.venue._on_frame(b'{"e": "listenKeyExpired"}')
