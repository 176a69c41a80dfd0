"""Binance's wire formats: the executionReport sample of Binance's user-data-stream docs, its
wrapped forms, balances, and the order parameters the venue sends."""

from __future__ import annotations

import json

import pytest
from tests.support.oms import BTC, CENT, IID, INSTRUMENTS, submitted

from bot4.errors import VenueError
from bot4.model import OrderType, Side, TimeInForce
from bot4.venues.binance._wire import (
    ExecutionReport,
    ListenKeyExpired,
    OutboundAccountPosition,
    decode_stream,
    order_params,
)

# Binance spot docs, "User Data Streams" -> "Order Update" (payload sample, comments removed).
DOC_EXECUTION_REPORT = """{
  "e": "executionReport", "E": 1499405658658, "s": "ETHBTC", "c": "mUvoqJxFIILMdfAW5iGSOW",
  "S": "BUY", "o": "LIMIT", "f": "GTC", "q": "1.00000000", "p": "0.10264410",
  "P": "0.00000000", "F": "0.00000000", "g": -1, "C": "", "x": "NEW", "X": "NEW",
  "r": "NONE", "i": 4293153, "l": "0.00000000", "z": "0.00000000", "L": "0.00000000",
  "n": "0", "N": null, "T": 1499405658657, "t": -1, "v": 3, "I": 8641984, "w": true,
  "m": false, "M": false, "O": 1499405658657, "Z": "0.00000000", "Y": "0.00000000",
  "Q": "0.00000000", "W": 1499405658657, "V": "NONE"
}"""
# Binance spot docs, "Account Update" (outboundAccountPosition) sample.
DOC_ACCOUNT_POSITION = """{
  "e": "outboundAccountPosition", "E": 1564034571105, "u": 1564034571073,
  "B": [{"a": "ETH", "f": "10000.000000", "l": "0.000000"}]
}"""


def test_execution_report_sample_from_binances_docs() -> None:
    er = decode_stream(DOC_EXECUTION_REPORT)
    assert isinstance(er, ExecutionReport)
    assert (er.symbol, er.client_order_id, er.side, er.order_type) == (
        "ETHBTC",
        "mUvoqJxFIILMdfAW5iGSOW",
        "BUY",
        "LIMIT",
    )
    assert (er.execution_type, er.status, er.order_id, er.trade_id) == ("NEW", "NEW", 4293153, -1)
    assert (er.qty, er.price, er.commission_asset, er.transact_ms) == (
        "1.00000000",
        "0.10264410",
        None,
        1499405658657,
    )
    assert er.orig_client_order_id == "" and not er.maker


def test_older_docs_null_orig_client_order_id_and_a_trade() -> None:
    doc = json.loads(DOC_EXECUTION_REPORT)
    doc.update(
        {"C": None, "x": "TRADE", "X": "PARTIALLY_FILLED", "l": "0.5", "z": "0.5"},
        L="0.10264410",
        n="0.0005",
        N="ETH",
        t=77,
        m=True,
    )
    er = decode_stream(json.dumps(doc).encode())
    assert isinstance(er, ExecutionReport)
    assert er.orig_client_order_id is None
    assert (er.last_qty, er.cum_qty, er.last_price, er.trade_id, er.maker) == (
        "0.5",
        "0.5",
        "0.10264410",
        77,
        True,
    )


def test_wrapped_forms_and_balances() -> None:
    ws_api = '{"subscriptionId": 0, "event": ' + DOC_ACCOUNT_POSITION + "}"
    combined = '{"stream": "key", "data": ' + DOC_EXECUTION_REPORT + "}"
    pos = decode_stream(ws_api)
    assert isinstance(pos, OutboundAccountPosition)
    assert [(b.asset, b.free, b.locked) for b in pos.balances] == [
        ("ETH", "10000.000000", "0.000000")
    ]
    assert isinstance(decode_stream(combined), ExecutionReport)
    assert isinstance(decode_stream('{"e": "listenKeyExpired", "E": 1}'), ListenKeyExpired)


def test_unused_events_are_skipped_and_broken_ones_raise() -> None:
    assert decode_stream('{"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "1"}') is None
    assert decode_stream('{"result": null, "id": 1}') is None
    assert decode_stream('{"event": {"e": "balanceUpdate"}}') is None
    with pytest.raises(VenueError, match="not JSON"):
        decode_stream(b"{nope")
    with pytest.raises(VenueError, match="bad executionReport"):
        decode_stream('{"e": "executionReport", "s": 5, "c": "x"}')
    with pytest.raises(VenueError, match="bad outboundAccountPosition"):
        decode_stream('{"event": {"e": "outboundAccountPosition", "B": 3}}')


def _params(**kw: object) -> dict[str, str]:
    inst = INSTRUMENTS[IID]
    fields: dict[str, object] = {"price": 9_950 * CENT}
    fields.update(kw)
    order = submitted("C-1", qty=BTC // 10, **fields)
    return dict(order_params(order, inst, "C-1"))


def test_order_params_per_type_and_time_in_force() -> None:
    limit = _params()
    assert limit == {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.10000000",
        "price": "99.50000000",
        "newClientOrderId": "C-1",
        "newOrderRespType": "FULL",
    }
    maker = _params(time_in_force=TimeInForce.POST_ONLY, side=Side.SELL)
    assert maker["type"] == "LIMIT_MAKER" and "timeInForce" not in maker
    assert maker["side"] == "SELL"
    assert _params(time_in_force=TimeInForce.FOK)["timeInForce"] == "FOK"
    assert _params(time_in_force=TimeInForce.IOC)["timeInForce"] == "IOC"
    market = _params(order_type=OrderType.MARKET, price=None)
    assert market["type"] == "MARKET" and "price" not in market and "timeInForce" not in market


def test_order_params_refuse_what_spot_cannot_take() -> None:
    with pytest.raises(VenueError, match="not supported"):
        _params(order_type=OrderType.STOP_LIMIT)
    with pytest.raises(VenueError, match="needs a price"):
        _params(price=None)


def test_explicit_qty_overrides() -> None:
    inst = INSTRUMENTS[IID]
    order = submitted("C-1", qty=BTC, price=9_950 * CENT)
    assert dict(order_params(order, inst, "C-1.r1", qty=BTC // 4))["quantity"] == "0.25000000"
