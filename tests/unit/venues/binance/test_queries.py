"""What reconciliation reads, against the emulator: open orders, one order, balances, fills."""

from __future__ import annotations

import pytest
from tests.support.binance_venue import KEY, SECRET, venue_rig
from tests.support.oms import BTC, CENT, IID, INSTRUMENTS, request

from bot4.clock import LiveClock
from bot4.errors import VenueError
from bot4.model import ClientOrderId, InstrumentId
from bot4.resilience import CircuitBreaker
from bot4.venues.binance import BinanceVenue, Secret
from bot4.venues.binance._account import BALANCE_PRECISION


async def test_open_orders_query_order_balances_and_recent_fills() -> None:
    async with venue_rig() as rig:
        since = LiveClock().time_ns() - 1_000_000_000
        rig.oms.submit(request("Q-1", qty=BTC // 10, price=9_950 * CENT))
        rig.oms.submit(request("Q-2", qty=BTC // 10, price=10_010 * CENT))  # fills at once
        await rig.wait_status("Q-1", "ACCEPTED")
        await rig.wait_status("Q-2", "FILLED")
        venue = rig.venue
        opened = await venue.open_orders()
        assert [(o.client_order_id, o.qty, o.price, o.status) for o in opened] == [
            ("Q-1", BTC // 10, 9_950 * CENT, "NEW")
        ]
        q2 = await venue.query_order(ClientOrderId("Q-2"))
        assert q2 is not None and q2.status == "FILLED" and q2.filled_qty == BTC // 10
        assert await venue.query_order(ClientOrderId("nope"), IID) is None
        balances = await venue.balances(refresh=True)
        assert balances["BTC"].free == 10**BALANCE_PRECISION // 10 - _fee_btc(rig)
        fills = await venue.recent_fills(since)
        assert [(f.client_order_id, f.last_qty) for f in fills] == [("Q-2", BTC // 10)]
        # A venue that knows nothing (a restart) finds the fill's order by its id.
        fresh = BinanceVenue(
            venue.config,
            api_key=Secret(KEY),
            api_secret=Secret(SECRET),
            breaker=CircuitBreaker("fresh"),
            clock=LiveClock(),
        )
        await fresh.start(user_stream=False)  # instruments from exchangeInfo
        try:
            again = await fresh.recent_fills(since, [IID])
            assert [(f.client_order_id, f.fill_id) for f in again] == [("Q-2", fills[0].fill_id)]
            assert await fresh.recent_fills(since) == []  # no tracked orders: nothing asked
            with pytest.raises(VenueError):
                await fresh.query_order(ClientOrderId("Q-1"))  # no instrument given
            with pytest.raises(VenueError):
                fresh.cancel(ClientOrderId("Q-1"), IID)  # not sent through this venue
            with pytest.raises(VenueError):
                await fresh.query_order(ClientOrderId("Q-1"), InstrumentId("BINANCE:NOPE"))
        finally:
            await fresh.close()


def _fee_btc(rig) -> int:  # type: ignore[no-untyped-def]
    """The emulator's commission on the buy, in balance units (taken from the BTC received)."""
    return sum(int(f.commission * 10**BALANCE_PRECISION) for f in rig.emu.trades)


async def test_the_stream_keeps_balances() -> None:
    async with venue_rig() as rig:
        rig.oms.submit(request("W-1", qty=BTC // 10, price=10_010 * CENT))
        await rig.wait_status("W-1", "FILLED")
        from tests.support.waiting import until

        await until(lambda: "BTC" in rig.venue._balances, "a BTC balance from the stream", 5)
        cached = await rig.venue.balances()
        assert cached["BTC"].free > 0 and INSTRUMENTS[IID].base == "BTC"
