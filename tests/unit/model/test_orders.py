from __future__ import annotations

import msgspec
import pytest

from bot4.model import ClientOrderId, InstrumentId, OrderRequest, OrderType, Side, TimeInForce


def test_order_request_is_frozen_and_round_trips() -> None:
    req = OrderRequest(
        client_order_id=ClientOrderId("c1"),
        instrument_id=InstrumentId("BINANCE:BTCUSDT"),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        qty=100,
        price=5_000_000,
        time_in_force=TimeInForce.GTC,
        ts_init=1,
    )
    assert req.reduce_only is False and req.trigger_price is None
    with pytest.raises(AttributeError):
        req.qty = 2  # type: ignore[misc]
    back = msgspec.msgpack.decode(msgspec.msgpack.encode(req), type=OrderRequest)
    assert back == req
    assert hash(back) == hash(req)
