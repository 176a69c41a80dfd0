"""Orders and balances as reconciliation reads them."""

from __future__ import annotations

from tests.support.oms import BTC, CENT, IID, INSTRUMENTS

from bot4.model import Side
from bot4.venues.binance._account import balance_of, our_client_order_id, venue_order
from bot4.venues.binance._wire import AccountBalance, RestOrder, StreamBalance


def test_replacement_ids_map_back_to_ours() -> None:
    assert our_client_order_id("B4-7.r2") == "B4-7"
    assert our_client_order_id("B4-7") == "B4-7"
    assert our_client_order_id("x.rb") == "x.rb"


def test_venue_order_in_instrument_units() -> None:
    rest = RestOrder(
        symbol="BTCUSDT",
        order_id=12,
        client_order_id="A.r1",
        price="99.50000000",
        orig_qty="0.10000000",
        executed_qty="0.04000000",
        status="PARTIALLY_FILLED",
        type="LIMIT",
        side="SELL",
        update_time=5,
    )
    vo = venue_order(rest, INSTRUMENTS[IID])
    assert (vo.client_order_id, vo.venue_client_order_id, vo.venue_order_id) == ("A", "A.r1", "12")
    assert (vo.side, vo.qty, vo.price, vo.filled_qty) == (
        Side.SELL,
        BTC // 10,
        9_950 * CENT,
        4 * BTC // 100,
    )
    market = venue_order(
        RestOrder(
            symbol="BTCUSDT", order_id=1, orig_client_order_id="M", type="MARKET", side="BUY"
        ),
        INSTRUMENTS[IID],
    )
    assert market.price is None and market.client_order_id == "M" and market.side is Side.BUY


def test_balances_in_eight_decimals() -> None:
    assert balance_of(AccountBalance(asset="BTC", free="1.5", locked="0.00000001")).locked == 1
    b = balance_of(StreamBalance(asset="ETH", free="10000.000000", locked="0"))
    assert (b.asset, b.free, b.locked) == ("ETH", 10**12, 0)
