"""BinanceVenue against the Binance emulator, with the real OMS, risk engine and journal."""

from __future__ import annotations

from tests.support.binance_venue import venue_rig
from tests.support.oms import BTC, CENT, request

from bot4.model import ClientOrderId, OrderFilled, OrderType, TimeInForce


async def test_place_fill_cancel_replace_round_trip() -> None:
    async with venue_rig() as rig:
        # A resting limit buy below the ask: accepted, working.
        rig.oms.submit(request("A-1", qty=BTC // 10, price=9_950 * CENT))
        await rig.wait_status("A-1", "ACCEPTED")
        assert len(rig.emu.open_orders("BTCUSDT")) == 1
        # Replace: new price and qty, then the market trades through it.
        assert rig.oms.replace(ClientOrderId("A-1"), 8 * BTC // 100, 9_960 * CENT)
        await until_replaced(rig, "A-1")
        # Cancel it.
        assert rig.oms.cancel(ClientOrderId("A-1"))
        await rig.wait_status("A-1", "CANCELED")
        # A marketable IOC buy fills at the ask.
        rig.oms.submit(request("A-2", qty=BTC // 10, price=10_010 * CENT, tif=TimeInForce.IOC))
        await rig.wait_status("A-2", "FILLED")
        fills = [e for e in rig.seen if isinstance(e, OrderFilled)]
        assert [f.client_order_id for f in fills] == ["A-2"]
        assert fills[0].last_price == 10_010 * CENT and fills[0].last_qty == BTC // 10
        assert rig.emu.open_orders() == []


async def until_replaced(rig, coid: str) -> None:  # type: ignore[no-untyped-def]
    from tests.support.waiting import until

    from bot4.model import OrderReplaced

    await until(lambda: any(isinstance(e, OrderReplaced) for e in rig.seen), "replaced", 10)
    await rig.wait_status(coid, "ACCEPTED")


_ = OrderType
