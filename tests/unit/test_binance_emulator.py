"""The Binance spot emulator (tests/support/binance_emu) driven by plain aiohttp requests.

It must behave as Binance documents: signatures, timestamps, keys, limits, order state, the
user-data stream, and the faults a test injects.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.binance_emu import BinanceEmulator, sign
from yarl import URL

from bot4.model import bundled_instruments, instruments_from_binance

KEY, SECRET = "test-key", "test-secret"


class Client:
    """A minimal Binance REST client: what the venue does, by hand."""

    def __init__(self, emu: BinanceEmulator, session: aiohttp.ClientSession) -> None:
        self.emu, self.session = emu, session

    async def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        signed: bool = True,
        secret: str = SECRET,
        key: str | None = KEY,
        ts_ms: int | None = None,
        body: bool = False,
    ) -> tuple[int, Any, Any]:
        p = {k: str(v) for k, v in (params or {}).items()}
        if signed:
            p["timestamp"] = str(ts_ms if ts_ms is not None else int(time.time() * 1000))
        text = urlencode(p)
        if signed:
            text += "&signature=" + sign(secret, text)
        headers = {"X-MBX-APIKEY": key} if key else {}
        url = f"{self.emu.base_url}{path}"
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            req = self.session.request(method, url, data=text, headers=headers)
        else:
            # encoded=True: send the query exactly as signed (yarl would re-quote it)
            full = URL(f"{url}?{text}" if text else url, encoded=True)
            req = self.session.request(method, full, headers=headers)
        async with req as r:
            return r.status, await r.json(), r.headers

    async def order(self, **params: Any) -> tuple[int, Any, Any]:
        return await self.call("POST", "/api/v3/order", {"symbol": "BTCUSDT", **params})


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    async with BinanceEmulator(
        api_key=KEY,
        secret=SECRET,
        instruments=["BTCUSDT", "ETHUSDT"],
        balances={"USDT": "100000", "BTC": "2"},
    ) as e:
        e.set_book(
            "BTCUSDT",
            bids=[("100.00", "1"), ("99.00", "2")],
            asks=[("101.00", "1"), ("102.00", "2")],
        )
        yield e


@pytest.fixture
async def client(emu: BinanceEmulator) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
        yield Client(emu, s)


async def test_signing_is_binances_documented_hmac() -> None:
    # Binance spot docs, "SIGNED Endpoint examples for POST /api/v3/order", HMAC keys.
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    assert sign(secret, f"{query}&{body}") == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )
    # Example 3, mixed query string and body: signed over their concatenation, no separator.
    assert sign(secret, query + body) == (
        "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
    )


async def test_public_endpoints_and_exchange_info_bot4_parses(
    emu: BinanceEmulator, client: Client
) -> None:
    assert (await client.call("GET", "/api/v3/ping", signed=False))[:2] == (200, {})
    status, body, headers = await client.call("GET", "/api/v3/time", signed=False)
    assert status == 200 and abs(body["serverTime"] - time.time() * 1000) < 5000
    assert headers["X-MBX-USED-WEIGHT-1M"] == "2"
    status, body, headers = await client.call("GET", "/api/v3/exchangeInfo", signed=False)
    assert headers["X-MBX-USED-WEIGHT-1M"] == "22"
    load = instruments_from_binance(json.dumps(body), strict=True)
    assert sorted(i.symbol for i in load.instruments) == ["BTCUSDT", "ETHUSDT"]


async def test_limit_order_rests_then_fills_on_a_trade(
    emu: BinanceEmulator, client: Client
) -> None:
    status, body, headers = await client.order(
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.5",
        price="99.50",
        newClientOrderId="abc1",
    )
    assert status == 200, body
    assert body["status"] == "NEW" and body["clientOrderId"] == "abc1" and body["fills"] == []
    assert headers["X-MBX-ORDER-COUNT-10S"] == "1"
    assert emu.balances["USDT"].locked == Decimal("49.75")
    emu.trade("BTCUSDT", "99.50", "0.2")
    status, q, _ = await client.call(
        "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "abc1"}
    )
    assert q["status"] == "PARTIALLY_FILLED" and q["executedQty"] == "0.20000000"


class Stream:
    """The user-data WebSocket, read with bounded waits."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next(self, timeout_s: float = 5.0) -> dict[str, Any]:
        msg = await asyncio.wait_for(self.ws.receive(), timeout_s)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        event: dict[str, Any] = json.loads(msg.data)
        return event

    async def take(self, n: int) -> list[dict[str, Any]]:
        return [await self.next() for _ in range(n)]


async def open_stream(client: Client) -> tuple[str, Stream]:
    status, body, _ = await client.call("POST", "/api/v3/userDataStream", signed=False)
    assert status == 200, body
    key = body["listenKey"]
    ws = await client.session.ws_connect(f"{client.emu.ws_url}/ws/{key}")
    await asyncio.wait_for(_until(lambda: client.emu.stream_count == 1), 5)
    return key, Stream(ws)


async def _until(cond: Any) -> None:
    while not cond():  # noqa: ASYNC110 - the emulator offers no event for this
        await asyncio.sleep(0.005)


async def test_user_stream_reports_a_marketable_order(emu: BinanceEmulator, client: Client) -> None:
    _, stream = await open_stream(client)
    status, body, _ = await client.order(
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="1.5",
        price="101.00",
        newClientOrderId="take1",
    )
    assert status == 200 and body["status"] == "PARTIALLY_FILLED", body
    new, trade, account = await stream.take(3)
    assert (new["e"], new["x"], new["X"], new["c"]) == ("executionReport", "NEW", "NEW", "take1")
    assert (trade["x"], trade["X"], trade["l"], trade["L"]) == (
        "TRADE",
        "PARTIALLY_FILLED",
        "1.00000000",
        "101.00000000",
    )
    assert trade["t"] == body["fills"][0]["tradeId"] and trade["m"] is False
    assert account["e"] == "outboundAccountPosition"
    assert {b["a"] for b in account["B"]} == {"BTC", "USDT"}


# ---- security: keys, signatures, timestamps


async def test_signature_in_query_body_or_both_is_accepted(client: Client) -> None:
    ok = (200, {})
    assert (await client.call("GET", "/api/v3/account"))[0] == 200
    assert (await client.call("POST", "/api/v3/userDataStream", signed=False))[0] == 200
    status, body, _ = await client.call(
        "DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, body=True
    )
    assert (status, body["code"]) == (400, -2011)  # signed fine, nothing to cancel
    ts = int(time.time() * 1000)
    query, form = "symbol=BTCUSDT", f"timestamp={ts}"
    sig = sign(SECRET, query + form)
    async with client.session.get(
        f"{client.emu.base_url}/api/v3/openOrders?{query}&signature={sig.upper()}",
        data=form,
        headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"},
    ) as r:
        assert (r.status, await r.json()) == (ok[0], [])


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": "wrong"}, 400, -1022),
        ({"key": None}, 401, -2014),
        ({"key": "someone-else"}, 401, -2015),
        ({"ts_ms": 0}, 400, -1021),
    ],
)
async def test_refused_requests(
    client: Client, kwargs: dict[str, Any], status: int, code: int
) -> None:
    got_status, body, headers = await client.call("GET", "/api/v3/account", **kwargs)
    assert (got_status, body["code"]) == (status, code)
    assert "X-MBX-USED-WEIGHT-1M" in headers
    assert client.emu.requests[-1].code == code


async def test_timestamp_window_follows_recv_window_and_server_time(
    emu: BinanceEmulator, client: Client
) -> None:
    now = int(time.time() * 1000)
    assert (await client.call("GET", "/api/v3/account", ts_ms=now - 3000))[0] == 200
    status, body, _ = await client.call("GET", "/api/v3/account", ts_ms=now - 6000)
    assert (status, body) == (
        400,
        {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
    )
    params = {"recvWindow": "10000"}
    assert (await client.call("GET", "/api/v3/account", params, ts_ms=now - 6000))[0] == 200
    status, body, _ = await client.call("GET", "/api/v3/account", ts_ms=now + 2000)
    assert (status, body["code"]) == (400, -1021) and "ahead" in body["msg"]
    emu.clock_skew_ms = -7000  # the server's clock is behind: our fresh timestamp is ahead
    assert (await client.call("GET", "/api/v3/account"))[1]["code"] == -1021
    emu.clock_skew_ms = 7000  # ahead: our timestamp is stale
    assert (await client.call("GET", "/api/v3/account"))[1]["code"] == -1021
    _, t, _ = await client.call("GET", "/api/v3/time", signed=False)
    assert t["serverTime"] - time.time() * 1000 > 6000
    assert (await client.call("GET", "/api/v3/account", ts_ms=t["serverTime"]))[0] == 200


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("recvWindow=5000", -1102),  # no timestamp
        ("timestamp=abc", -1100),
        ("timestamp={ts}&recvWindow=70000", -1131),
        ("timestamp={ts}&recvWindow=0", -1131),
    ],
)
async def test_malformed_signed_parameters(client: Client, raw: str, code: int) -> None:
    q = raw.format(ts=int(time.time() * 1000))
    q += "&signature=" + sign(SECRET, q)
    async with client.session.get(
        f"{client.emu.base_url}/api/v3/account?{q}", headers={"X-MBX-APIKEY": KEY}
    ) as r:
        assert (r.status, (await r.json())["code"]) == (400, code)


async def test_missing_signature(client: Client) -> None:
    url = f"{client.emu.base_url}/api/v3/account?timestamp={int(time.time() * 1000)}"
    async with client.session.get(url, headers={"X-MBX-APIKEY": KEY}) as r:
        body = await r.json()
    assert (r.status, body["code"]) == (400, -1102) and "signature" in body["msg"]


# ---- orders


def limit(side: str, qty: str, price: str, tif: str = "GTC", **kw: Any) -> dict[str, Any]:
    return {
        "side": side,
        "type": "LIMIT",
        "timeInForce": tif,
        "quantity": qty,
        "price": price,
        **kw,
    }


async def test_resting_buy_fills_on_trades_with_balances_and_maker_commission(
    emu: BinanceEmulator, client: Client
) -> None:
    _, body, _ = await client.order(**limit("BUY", "0.5", "99.50"), newClientOrderId="r1")
    assert (body["status"], body["executedQty"]) == ("NEW", "0.00000000")
    emu.trade("BTCUSDT", "99.60", "5")  # above our bid: no fill
    emu.trade("BTCUSDT", "99.50", "0.2")
    emu.trade("BTCUSDT", "99.00", "1")  # through our bid: the rest fills at our price
    _, q, _ = await client.call(
        "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": body["orderId"]}
    )
    assert (q["status"], q["executedQty"], q["cummulativeQuoteQty"]) == (
        "FILLED",
        "0.50000000",
        "49.75000000",
    )
    assert q["isWorking"] is True and q["updateTime"] >= q["time"]
    usdt, btc = emu.balances["USDT"], emu.balances["BTC"]
    assert (usdt.free, usdt.locked) == (Decimal("100000") - Decimal("49.75"), 0)
    assert btc.free == Decimal("2") + Decimal("0.5") * Decimal("0.999")
    fills = [f for f in emu.trades if f.order_id == body["orderId"]]
    assert [f.qty for f in fills] == [Decimal("0.2"), Decimal("0.3")] and all(
        f.is_maker for f in fills
    )
    _, trades, _ = await client.call(
        "GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "orderId": body["orderId"]}
    )
    assert [t["qty"] for t in trades] == ["0.20000000", "0.30000000"]
    assert trades[0]["isBuyer"] and trades[0]["isMaker"] and trades[0]["commissionAsset"] == "BTC"


async def test_marketable_limit_walks_the_book_then_rests(
    emu: BinanceEmulator, client: Client
) -> None:
    _, body, _ = await client.order(**limit("BUY", "2", "102.00"))
    assert body["status"] == "FILLED"
    assert [(f["price"], f["qty"]) for f in body["fills"]] == [
        ("101.00000000", "1.00000000"),
        ("102.00000000", "1.00000000"),
    ]
    assert body["cummulativeQuoteQty"] == "203.00000000"
    assert emu.engine.asks["BTCUSDT"] == {Decimal("102"): Decimal("1")}  # liquidity consumed
    # a better fill than the limit gives back the difference held
    assert emu.balances["USDT"].locked == 0
    assert emu.balances["USDT"].free == Decimal("100000") - Decimal("203")
    _, body, _ = await client.order(**limit("SELL", "1.5", "100.00"))
    assert (body["status"], body["executedQty"]) == ("PARTIALLY_FILLED", "1.00000000")
    assert [o.order_id for o in emu.open_orders("BTCUSDT")] == [body["orderId"]]
    assert emu.balances["BTC"].locked == Decimal("0.5")


@pytest.mark.parametrize(
    ("tif", "qty", "status", "executed"),
    [
        ("IOC", "1.5", "EXPIRED", "1.00000000"),
        ("IOC", "0.5", "FILLED", "0.50000000"),
        ("FOK", "1.5", "EXPIRED", "0.00000000"),
        ("FOK", "3", "FILLED", "3.00000000"),
    ],
)
async def test_ioc_and_fok(client: Client, tif: str, qty: str, status: str, executed: str) -> None:
    price = "101.00" if tif == "IOC" else ("101.00" if qty == "1.5" else "102.00")
    _, body, _ = await client.order(**limit("BUY", qty, price, tif))
    assert (body["status"], body["executedQty"], body["timeInForce"]) == (status, executed, tif)
    assert client.emu.open_orders() == []
    assert client.emu.balances["USDT"].locked == 0


async def test_limit_maker(emu: BinanceEmulator, client: Client) -> None:
    base = {"side": "BUY", "type": "LIMIT_MAKER", "quantity": "1"}
    status, body, _ = await client.order(**base, price="101.00")
    assert (status, body) == (
        400,
        {"code": -2010, "msg": "Order would immediately match and take."},
    )
    status, body, _ = await client.order(**base, price="100.50")
    assert status == 200 and set(body) == {
        "symbol",
        "orderId",
        "orderListId",
        "clientOrderId",
        "transactTime",
    }  # LIMIT_MAKER answers ACK unless asked
    assert emu.orders[body["orderId"]].status == "NEW"


async def test_market_orders(emu: BinanceEmulator, client: Client) -> None:
    _, body, _ = await client.order(side="BUY", type="MARKET", quantity="1.5")
    assert (body["status"], body["executedQty"], body["cummulativeQuoteQty"]) == (
        "FILLED",
        "1.50000000",
        "152.00000000",
    )
    assert body["fills"][0]["commission"] == "0.00100000"  # taker, in the asset bought
    _, body, _ = await client.order(side="SELL", type="MARKET", quoteOrderQty="150")
    # 150 USDT: 1 BTC at 100.00 (100 USDT), then 50 USDT at 99.00 in whole steps of 0.00001
    assert (body["status"], body["executedQty"], body["origQty"]) == (
        "FILLED",
        "1.50505000",
        "1.50505000",
    )
    assert body["cummulativeQuoteQty"] == "149.99995000"
    _, body, _ = await client.order(
        side="BUY", type="MARKET", quoteOrderQty="100", newOrderRespType="RESULT"
    )
    assert body["executedQty"] == "0.98039000" and "fills" not in body  # 100 / 102.00, floored
    emu.set_book("BTCUSDT", bids=[], asks=[])
    _, body, _ = await client.order(side="BUY", type="MARKET", quantity="1")
    assert (body["status"], body["executedQty"]) == ("EXPIRED", "0.00000000")
    emu.set_book("BTCUSDT", bids=[("100", "0.5")], asks=[("101", "0.5")])
    _, body, _ = await client.order(side="SELL", type="MARKET", quantity="1")
    assert (body["status"], body["executedQty"]) == ("EXPIRED", "0.50000000")


async def test_insufficient_balance_and_duplicates(emu: BinanceEmulator, client: Client) -> None:
    refuse = (400, {"code": -2010, "msg": "Account has insufficient balance for requested action."})
    assert (await client.order(**limit("BUY", "2000", "99.00")))[:2] == refuse
    assert (await client.order(**limit("SELL", "3", "110.00")))[:2] == refuse
    assert (await client.order(side="BUY", type="MARKET", quoteOrderQty="200000"))[:2] == refuse
    assert (await client.order(side="SELL", type="MARKET", quantity="3"))[:2] == refuse
    assert emu.orders == {}
    assert (await client.order(**limit("BUY", "1", "90.00"), newClientOrderId="dup"))[0] == 200
    status, body, _ = await client.order(**limit("BUY", "1", "91.00"), newClientOrderId="dup")
    assert (status, body) == (400, {"code": -2010, "msg": "Duplicate order sent."})
    await client.call("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "dup"})
    assert (await client.order(**limit("BUY", "1", "91.00"), newClientOrderId="dup"))[0] == 200
    _, q, _ = await client.call(
        "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "dup"}
    )
    assert (q["price"], q["status"]) == ("91.00000000", "NEW")  # the latest of that id


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        ({"symbol": ""}, -1102, "Mandatory parameter 'symbol'"),
        ({"symbol": "NOPE"}, -1121, "Invalid symbol."),
        ({"side": ""}, -1102, "'side'"),
        ({"side": "HOLD"}, -1117, "Invalid side."),
        ({"type": ""}, -1102, "'type'"),
        ({"type": "FOO"}, -1116, "Invalid orderType."),
        ({"type": "STOP_LOSS_LIMIT"}, -1014, "Unsupported order combination."),
        ({"timeInForce": ""}, -1102, "'timeInForce'"),
        ({"timeInForce": "GTX"}, -1115, "Invalid timeInForce."),
        ({"quantity": ""}, -1102, "'quantity'"),
        ({"quantity": "1e3"}, -1100, "Illegal characters found in parameter 'quantity'"),
        ({"price": ""}, -1102, "'price'"),
        ({"quoteOrderQty": "10"}, -1106, "'quoteOrderQty' sent when not required"),
        ({"price": "99.001"}, -1013, "Filter failure: PRICE_FILTER"),
        ({"price": "2000000"}, -1013, "Filter failure: PRICE_FILTER"),
        ({"price": "99.000000001"}, -1111, "Parameter 'price' has too much precision."),
        ({"quantity": "0.000001"}, -1013, "Filter failure: LOT_SIZE"),
        ({"quantity": "0.00001"}, -1013, "Filter failure: NOTIONAL"),
        ({"newClientOrderId": "bad id!"}, -1100, "'newClientOrderId'"),
        ({"newOrderRespType": "ALL"}, -1100, "'newOrderRespType'"),
    ],
)
async def test_limit_order_validation(
    client: Client, params: dict[str, str], code: int, msg: str
) -> None:
    status, body, _ = await client.order(**{**limit("BUY", "1", "99.00"), **params})
    assert status == 400 and body["code"] == code and msg in body["msg"], body
    assert client.emu.orders == {}


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        ({"timeInForce": "GTC"}, -1106, "'timeInForce' sent when not required"),
        ({"price": "100"}, -1106, "'price' sent when not required"),
        ({}, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent"),
        ({"quantity": "1", "quoteOrderQty": "10"}, -1106, "'quoteOrderQty'"),
        ({"quantity": "200"}, -1013, "Filter failure: MARKET_LOT_SIZE"),
        ({"quoteOrderQty": "1"}, -1013, "Filter failure: NOTIONAL"),
        ({"quoteOrderQty": "1.000000001"}, -1111, "'quoteOrderQty' has too much precision"),
    ],
)
async def test_market_order_validation(
    client: Client, params: dict[str, str], code: int, msg: str
) -> None:
    status, body, _ = await client.order(side="SELL", type="MARKET", **params)
    assert status == 400 and body["code"] == code and msg in body["msg"], body


# ---- cancel, query, open orders, cancel-replace, account, trades


async def test_cancel_and_query(
    emu: BinanceEmulator,
    client: Client,
) -> None:
    _, a, _ = await client.order(**limit("BUY", "1", "95.00"), newClientOrderId="a")
    _, b, _ = await client.order(**limit("SELL", "1", "105.00"), newClientOrderId="b")
    sym = {"symbol": "BTCUSDT"}
    status, body, _ = await client.call(
        "DELETE", "/api/v3/order", {**sym, "orderId": a["orderId"], "newClientOrderId": "cx"}
    )
    assert status == 200
    assert (body["status"], body["origClientOrderId"], body["clientOrderId"]) == (
        "CANCELED",
        "a",
        "cx",
    )
    assert emu.balances["USDT"].locked == 0
    unknown = (400, {"code": -2011, "msg": "Unknown order sent."})
    assert (await client.call("DELETE", "/api/v3/order", {**sym, "orderId": a["orderId"]}))[
        :2
    ] == unknown
    assert (await client.call("DELETE", "/api/v3/order", {**sym, "origClientOrderId": "zz"}))[
        :2
    ] == unknown
    mismatch = {**sym, "orderId": b["orderId"], "origClientOrderId": "a"}
    assert (await client.call("DELETE", "/api/v3/order", mismatch))[:2] == unknown
    status, body, _ = await client.call("DELETE", "/api/v3/order", sym)
    assert (status, body["code"]) == (400, -1102) and "'origClientOrderId' or 'orderId'" in body[
        "msg"
    ]
    status, body, _ = await client.call("DELETE", "/api/v3/order", {**sym, "orderId": "x1"})
    assert (status, body["code"]) == (400, -1100)
    _, q, _ = await client.call("GET", "/api/v3/order", {**sym, "orderId": a["orderId"]})
    assert (q["status"], q["isWorking"], q["clientOrderId"]) == ("CANCELED", True, "a")
    status, q, _ = await client.call("GET", "/api/v3/order", {**sym, "orderId": 999})
    assert (status, q) == (400, {"code": -2013, "msg": "Order does not exist."})
    _, q, _ = await client.call(
        "GET", "/api/v3/order", {"symbol": "ETHUSDT", "orderId": b["orderId"]}
    )
    assert q["code"] == -2013  # orders are per symbol


async def test_open_orders_and_cancel_all(emu: BinanceEmulator, client: Client) -> None:
    await client.order(**limit("BUY", "1", "95.00"))
    await client.order(**limit("BUY", "1", "96.00"))
    emu.set_book("ETHUSDT", bids=[("10", "1")], asks=[("11", "1")])
    await client.call("POST", "/api/v3/order", {"symbol": "ETHUSDT", **limit("BUY", "1", "9.00")})
    _, all_open, h = await client.call("GET", "/api/v3/openOrders")
    assert len(all_open) == 3 and h["X-MBX-USED-WEIGHT-1M"] == str(3 + 80)
    _, btc, h = await client.call("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    assert [o["price"] for o in btc] == ["95.00000000", "96.00000000"]
    assert int(h["X-MBX-USED-WEIGHT-1M"]) == 3 + 80 + 6
    _, canceled, _ = await client.call("DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    assert [o["status"] for o in canceled] == ["CANCELED", "CANCELED"]
    assert [o.symbol for o in emu.open_orders()] == ["ETHUSDT"]
    status, body, _ = await client.call("DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    assert (status, body["code"]) == (400, -2011)


async def test_cancel_replace(emu: BinanceEmulator, client: Client) -> None:
    _, a, _ = await client.order(**limit("BUY", "1", "95.00"), newClientOrderId="a")
    path, sym = "/api/v3/order/cancelReplace", {"symbol": "BTCUSDT"}
    new = {**sym, **limit("BUY", "1", "96.00"), "newClientOrderId": "a2"}
    status, body, h = await client.call(
        "POST",
        path,
        {**new, "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrigClientOrderId": "a"},
    )
    assert status == 200, body
    assert (body["cancelResult"], body["newOrderResult"]) == ("SUCCESS", "SUCCESS")
    assert body["cancelResponse"]["status"] == "CANCELED"
    assert body["newOrderResponse"]["clientOrderId"] == "a2"
    assert h["X-MBX-ORDER-COUNT-10S"] == "2"
    # the order to cancel is gone: STOP_ON_FAILURE places nothing
    stop = {
        **new,
        "newClientOrderId": "a3",
        "cancelReplaceMode": "STOP_ON_FAILURE",
        "cancelOrderId": a["orderId"],
    }
    status, body, _ = await client.call("POST", path, stop)
    assert (status, body["code"], body["msg"]) == (400, -2022, "Order cancel-replace failed.")
    assert body["data"]["cancelResponse"] == {"code": -2011, "msg": "Unknown order sent."}
    assert body["data"]["newOrderResult"] == "NOT_ATTEMPTED"
    # ALLOW_FAILURE: places it anyway
    allow = {**stop, "cancelReplaceMode": "ALLOW_FAILURE"}
    status, body, _ = await client.call("POST", path, allow)
    assert (status, body["code"]) == (400, -2021)
    assert body["data"]["newOrderResult"] == "SUCCESS"
    # the cancel works but the new order cannot be placed
    big = {
        **sym,
        **limit("BUY", "5000", "96.00"),
        "cancelReplaceMode": "STOP_ON_FAILURE",
        "cancelOrigClientOrderId": "a3",
    }
    status, body, _ = await client.call("POST", path, big)
    assert (status, body["code"]) == (400, -2021)
    assert body["data"]["cancelResult"] == "SUCCESS" and body["data"]["newOrderResult"] == "FAILURE"
    # both fail
    status, body, _ = await client.call("POST", path, {**big, "cancelReplaceMode": "ALLOW_FAILURE"})
    assert (status, body["code"]) == (400, -2022)
    status, body, _ = await client.call("POST", path, {**new, "cancelOrderId": 1})
    assert (status, body["code"]) == (400, -1102)  # no cancelReplaceMode
    assert [o.client_order_id for o in emu.open_orders()] == ["a2"]


async def test_account_and_my_trades(emu: BinanceEmulator, client: Client) -> None:
    _, acct, h = await client.call("GET", "/api/v3/account")
    assert h["X-MBX-USED-WEIGHT-1M"] == "20"
    assert acct["makerCommission"] == 10 and acct["commissionRates"]["taker"] == "0.00100000"
    assert {b["asset"]: b["free"] for b in acct["balances"]} == {
        "BTC": "2.00000000",
        "USDT": "100000.00000000",
    }
    emu.balances["ETH"] = type(emu.balances["BTC"])()
    _, acct, _ = await client.call("GET", "/api/v3/account", {"omitZeroBalances": "true"})
    assert [b["asset"] for b in acct["balances"]] == ["BTC", "USDT"]
    _, first, _ = await client.order(side="BUY", type="MARKET", quantity="1.5")
    _, second, _ = await client.order(side="SELL", type="MARKET", quantity="1")
    sym = {"symbol": "BTCUSDT"}
    _, trades, h = await client.call("GET", "/api/v3/myTrades", sym)
    assert [t["orderId"] for t in trades] == [first["orderId"]] * 2 + [second["orderId"]]
    ids = [t["id"] for t in trades]
    _, later, _ = await client.call(
        "GET", "/api/v3/myTrades", {**sym, "fromId": ids[1], "limit": 1}
    )
    assert [t["id"] for t in later] == [ids[1]]
    _, last, _ = await client.call("GET", "/api/v3/myTrades", {**sym, "limit": 1})
    assert [t["id"] for t in last] == [ids[2]]
    t0 = trades[0]["time"]
    _, window, _ = await client.call(
        "GET", "/api/v3/myTrades", {**sym, "startTime": t0, "endTime": t0 + 10**6}
    )
    assert len(window) == 3
    _, none, _ = await client.call("GET", "/api/v3/myTrades", {**sym, "startTime": t0 + 10**6})
    assert none == []


async def test_book_updates_cross_resting_orders(emu: BinanceEmulator, client: Client) -> None:
    _, buy, _ = await client.order(**limit("BUY", "2", "100.50"))  # rests above the best bid
    _, sell, _ = await client.order(**limit("SELL", "1", "103.00"))
    emu.apply_book("BTCUSDT", asks=[("100.40", "0.5"), ("101.00", "0")])  # an ask under our bid
    assert emu.orders[buy["orderId"]].executed_qty == Decimal("0.5")
    assert emu.trades[-1].price == Decimal("100.50")  # maker: at our price
    assert Decimal("100.40") not in emu.engine.asks["BTCUSDT"]
    assert Decimal("101.00") not in emu.engine.asks["BTCUSDT"]
    emu.set_book("BTCUSDT", bids=[("104.00", "3")], asks=[("105.00", "1")])
    assert emu.orders[sell["orderId"]].status == "FILLED"
    assert emu.engine.bids["BTCUSDT"] == {Decimal("104.00"): Decimal("2")}
    assert emu.orders[buy["orderId"]].status == "PARTIALLY_FILLED"
    with pytest.raises(Exception, match="Invalid symbol"):
        emu.trade("NOPE", "1", "1")


async def test_instruments_from_bot4_or_raw_entries() -> None:
    from tests.support.venues import instrument

    btc = instrument(symbol="BTCUSDT")  # 2 price / 3 size decimals, tick and lot 1
    raw = {
        "symbol": "XYZUSDT",
        "status": "BREAK",
        "baseAsset": "XYZ",
        "quoteAsset": "USDT",
        "baseAssetPrecision": 2,
        "quoteAssetPrecision": 4,
        "filters": [{"filterType": "MIN_NOTIONAL", "minNotional": "10", "applyToMarket": True}],
    }
    async with BinanceEmulator(api_key=KEY, secret=SECRET, instruments=[btc, raw]) as emu:
        async with aiohttp.ClientSession() as s:
            c = Client(emu, s)
            _, info, _ = await c.call(
                "GET", "/api/v3/exchangeInfo", {"symbol": "BTCUSDT"}, signed=False
            )
            (parsed,) = instruments_from_binance(json.dumps(info)).instruments
            assert (parsed.price_precision, parsed.size_precision, parsed.tick, parsed.lot) == (
                2,
                3,
                1,
                1,
            )
            _, info, _ = await c.call(
                "GET", "/api/v3/exchangeInfo", {"symbols": '["BTCUSDT","XYZUSDT"]'}, signed=False
            )
            assert [x["symbol"] for x in info["symbols"]] == ["BTCUSDT", "XYZUSDT"]
            status, body, _ = await c.call(
                "GET", "/api/v3/exchangeInfo", {"symbol": "ETHUSDT"}, signed=False
            )
            assert (status, body["code"]) == (400, -1121)
            status, body, _ = await c.call(
                "POST", "/api/v3/order", {"symbol": "BTCUSDT", **limit("BUY", "0.0001", "100")}
            )
            assert body["code"] == -1111  # 3 size decimals
            status, body, _ = await c.call(
                "POST", "/api/v3/order", {"symbol": "XYZUSDT", **limit("BUY", "1", "1")}
            )
            assert (status, body) == (400, {"code": -2010, "msg": "Market is closed."})
            emu.specs["XYZUSDT"].entry["status"] = "TRADING"
            status, body, _ = await c.call(
                "POST", "/api/v3/order", {"symbol": "XYZUSDT", **limit("BUY", "1", "1")}
            )
            assert (status, body["msg"]) == (400, "Filter failure: MIN_NOTIONAL")
            status, body, _ = await c.call(
                "POST", "/api/v3/order", {"symbol": "XYZUSDT", **limit("BUY", "1", "10")}
            )
            assert status == 200 and body["price"] == "10.0000" and body["origQty"] == "1.00"


# ---- rate limits


async def test_weight_limit_then_ban_for_not_backing_off() -> None:
    async with BinanceEmulator(
        api_key=KEY, secret=SECRET, instruments=["BTCUSDT"], weight_limit=45, ban_s=30
    ) as emu:
        async with aiohttp.ClientSession() as s:
            c = Client(emu, s)
            assert (await c.call("GET", "/api/v3/exchangeInfo", signed=False))[0] == 200
            assert (await c.call("GET", "/api/v3/account"))[0] == 200
            status, body, h = await c.call("GET", "/api/v3/time", signed=False)
            assert (status, h["X-MBX-USED-WEIGHT-1M"]) == (200, "41")
            status, body, h = await c.call("GET", "/api/v3/exchangeInfo", signed=False)
            assert (status, body["code"]) == (429, -1003)
            assert 1 <= int(h["Retry-After"]) <= 60 and h["X-MBX-USED-WEIGHT-1M"] == "61"
            status, body, h = await c.call("GET", "/api/v3/ping", signed=False)
            assert (status, body["code"], h["Retry-After"]) == (418, -1003, "30")
            status, _, h = await c.call("GET", "/api/v3/ping", signed=False)
            assert status == 418 and 29 <= int(h["Retry-After"]) <= 30
            emu.reset_limits()
            assert (await c.call("GET", "/api/v3/ping", signed=False))[0] == 200


async def test_order_rate_limits_answer_429_without_a_ban() -> None:
    async with BinanceEmulator(
        api_key=KEY, secret=SECRET, instruments=["BTCUSDT"], orders_10s_limit=2, orders_1d_limit=3
    ) as emu:
        async with aiohttp.ClientSession() as s:
            c = Client(emu, s)
            for n in ("1", "2"):
                _, _, h = await c.order(**limit("BUY", "1", "90.00"))
                assert (h["X-MBX-ORDER-COUNT-10S"], h["X-MBX-ORDER-COUNT-1D"]) == (n, n)
            status, body, h = await c.order(**limit("BUY", "1", "90.00"))
            assert (status, body["code"]) == (429, -1015) and "10 SECOND" in body["msg"]
            assert int(h["Retry-After"]) >= 1 and h["X-MBX-ORDER-COUNT-10S"] == "2"
            assert (await c.call("GET", "/api/v3/openOrders"))[0] == 200  # not banned
            emu.limits._orders[0] -= 20
            emu.limits._orders[1] -= 20
            assert (await c.order(**limit("BUY", "1", "90.00")))[0] == 200
            status, body, _ = await c.order(**limit("BUY", "1", "90.00"))
            assert (status, body["code"]) == (429, -1015) and "DAY" in body["msg"]
            assert len(emu.orders) == 3


# ---- faults


async def test_5xx_after_the_order_was_placed(emu: BinanceEmulator, client: Client) -> None:
    _, stream = await open_stream(client)
    emu.fail_next("/api/v3/order", 503, after_effect=True, method="POST")
    status, body, _ = await client.order(**limit("BUY", "1", "95.00"), newClientOrderId="u1")
    assert (status, body["code"]) == (503, -1000)
    assert emu.requests[-1].fault and emu.faults == []
    assert (await stream.next())["c"] == "u1"  # it was placed, and the stream says so
    _, q, _ = await client.call(
        "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "u1"}
    )
    assert q["status"] == "NEW"
    emu.fail_next("/api/v3/order", 502)  # before the effect: nothing placed
    assert (await client.order(**limit("BUY", "1", "95.00"), newClientOrderId="u2"))[0] == 502
    assert [o.client_order_id for o in emu.orders.values()] == ["u1"]


async def test_faults_match_path_and_method_and_take_a_code(
    emu: BinanceEmulator, client: Client
) -> None:
    emu.fail_next("/api/v3/order", 500, method="DELETE", code=-1001, retry_after=3)
    assert (await client.call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1}))[1][
        "code"
    ] == -2013
    status, body, h = await client.call(
        "DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1}
    )
    assert (status, body["code"], h["Retry-After"]) == (500, -1001, "3")
    assert (await client.call("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1}))[
        0
    ] == 400


async def test_injected_429_then_418_ban(emu: BinanceEmulator, client: Client) -> None:
    emu.fail_next("/api/v3/account", 429, retry_after=1)
    status, body, h = await client.call("GET", "/api/v3/account")
    assert (status, body["code"], h["Retry-After"]) == (429, -1003, "1")
    status, _, h = await client.call("GET", "/api/v3/account")  # did not wait: banned
    assert (status, h["Retry-After"]) == (418, "60")
    emu.reset_limits()
    emu.fail_next("/api/v3/time", 418, retry_after=0.2)
    status, _, h = await client.call("GET", "/api/v3/time", signed=False)
    assert (status, h["Retry-After"]) == (418, "1")
    assert (await client.call("GET", "/api/v3/ping", signed=False))[0] == 418  # the whole IP
    await asyncio.sleep(0.25)
    assert (await client.call("GET", "/api/v3/ping", signed=False))[0] == 200
    emu.fail_next("/api/v3/ping", 418)  # no retry_after: this answer only
    assert (await client.call("GET", "/api/v3/ping", signed=False))[0] == 418
    assert (await client.call("GET", "/api/v3/ping", signed=False))[0] == 200


async def test_a_stalled_answer_is_a_client_timeout_after_the_effect(
    emu: BinanceEmulator, client: Client
) -> None:
    emu.stall_next("/api/v3/order", 5, method="POST")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await client.order(**limit("BUY", "1", "95.00"), newClientOrderId="slow")
    assert [o.client_order_id for o in emu.orders.values()] == ["slow"]


async def test_unknown_route(client: Client) -> None:
    async with client.session.get(f"{client.emu.base_url}/api/v3/nothing") as r:
        assert r.status == 404
    assert client.emu.requests[-1].status == 404


# ---- user-data stream


async def test_listen_key_lifecycle(emu: BinanceEmulator, client: Client) -> None:
    key, stream = await open_stream(client)
    _, again, h = await client.call("POST", "/api/v3/userDataStream", signed=False)
    assert again == {"listenKey": key} and h["X-MBX-USED-WEIGHT-1M"] == "4"
    assert (await client.call("PUT", "/api/v3/userDataStream", {"listenKey": key}, signed=False))[
        :2
    ] == (200, {})
    status, body, _ = await client.call(
        "PUT", "/api/v3/userDataStream", {"listenKey": "nope"}, signed=False
    )
    assert (status, body) == (400, {"code": -1125, "msg": "This listenKey does not exist."})
    status, body, _ = await client.call("PUT", "/api/v3/userDataStream", signed=False)
    assert (status, body["code"]) == (400, -1102)
    status, body, _ = await client.call("POST", "/api/v3/userDataStream", signed=False, key="other")
    assert (status, body["code"]) == (401, -2015)
    assert (
        await client.call("DELETE", "/api/v3/userDataStream", {"listenKey": key}, signed=False)
    )[0] == 200
    msg = await asyncio.wait_for(stream.ws.receive(), 5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert (
        await client.call("DELETE", "/api/v3/userDataStream", {"listenKey": key}, signed=False)
    )[0] == 400
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await client.session.ws_connect(f"{emu.ws_url}/ws/{key}")


async def test_listen_key_expiry(emu: BinanceEmulator, client: Client) -> None:
    key, stream = await open_stream(client)
    emu.expire_listen_key()
    event = await stream.next()
    assert (event["e"], event["listenKey"]) == ("listenKeyExpired", key)
    assert (await asyncio.wait_for(stream.ws.receive(), 5)).type in (
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSED,
    )
    emu.expire_listen_key()  # nothing active: nothing happens
    emu.stream.ttl_s = 0.05
    _, body, _ = await client.call("POST", "/api/v3/userDataStream", signed=False)
    assert body["listenKey"] != key
    await asyncio.sleep(0.1)
    status, _, _ = await client.call(
        "PUT", "/api/v3/userDataStream", {"listenKey": body["listenKey"]}, signed=False
    )
    assert status == 400
    assert emu.events[-1]["e"] == "listenKeyExpired"


async def test_dropped_stream_and_reconnect(emu: BinanceEmulator, client: Client) -> None:
    key, stream = await open_stream(client)
    emu.drop_user_stream()
    msg = await asyncio.wait_for(stream.ws.receive(), 5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    await asyncio.wait_for(_until(lambda: emu.stream_count == 0), 5)
    await client.order(**limit("BUY", "1", "95.00"), newClientOrderId="while-away")  # lost
    ws = await client.session.ws_connect(f"{emu.ws_url}/ws/{key}")  # the key still works
    await asyncio.wait_for(_until(lambda: emu.stream_count == 1), 5)
    await client.order(**limit("BUY", "1", "94.00"), newClientOrderId="back")
    assert (await Stream(ws).next())["c"] == "back"
    assert [e["c"] for e in emu.events if e["e"] == "executionReport"] == ["while-away", "back"]


async def test_duplicated_and_reordered_events(emu: BinanceEmulator, client: Client) -> None:
    _, stream = await open_stream(client)
    emu.duplicate_next_event()
    await client.order(**limit("BUY", "1", "95.00"), newClientOrderId="d")
    got = await stream.take(3)
    assert [e["e"] for e in got] == [
        "executionReport",
        "executionReport",
        "outboundAccountPosition",
    ]
    assert got[0] == got[1]
    emu.reorder_next_events(3)
    await client.order(**limit("BUY", "1", "101.00"), newClientOrderId="r")  # NEW, TRADE, account
    got = await stream.take(3)
    assert [(e["e"], e.get("x")) for e in got] == [
        ("outboundAccountPosition", None),
        ("executionReport", "TRADE"),
        ("executionReport", "NEW"),
    ]
    await client.call(
        "DELETE",
        "/api/v3/order",
        {"symbol": "BTCUSDT", "origClientOrderId": "d", "newClientOrderId": "cx"},
    )
    cancel, account = await stream.take(2)
    assert (cancel["x"], cancel["X"], cancel["c"], cancel["C"]) == (
        "CANCELED",
        "CANCELED",
        "cx",
        "d",
    )
    assert account["e"] == "outboundAccountPosition"
    assert (
        len(emu.events) == 7
    )  # as emitted: the duplicate and the order change are delivery faults


async def test_execution_report_fields(emu: BinanceEmulator, client: Client) -> None:
    _, stream = await open_stream(client)
    await client.order(**limit("SELL", "1.5", "100.00", "IOC"), newClientOrderId="f")
    new, trade, expired, account = await stream.take(4)
    keys = set("eEscSofqpPFgCxXrilzLnNTtIwmMOZYQWV")
    assert set(new) == keys
    assert (new["x"], new["w"], new["n"], new["N"], new["t"]) == ("NEW", False, "0", None, -1)
    assert (trade["l"], trade["L"], trade["z"], trade["Y"], trade["Z"]) == (
        "1.00000000",
        "100.00000000",
        "1.00000000",
        "100.00000000",
        "100.00000000",
    )
    assert (trade["n"], trade["N"], trade["m"]) == ("0.10000000", "USDT", False)
    assert (expired["x"], expired["X"], expired["z"]) == ("EXPIRED", "EXPIRED", "1.00000000")
    assert {b["a"]: (b["f"], b["l"]) for b in account["B"]} == {
        "BTC": ("1.00000000", "0.00000000"),
        "USDT": ("100099.90000000", "0.00000000"),
    }


# ---- defaults, instruments, consistency


async def test_defaults_serve_the_bundled_instruments_as_bot4_reads_them() -> None:
    bundled = bundled_instruments()
    async with BinanceEmulator() as emu:
        async with aiohttp.ClientSession() as s:
            c = Client(emu, s)
            _, info, _ = await c.call("GET", "/api/v3/exchangeInfo", signed=False)
            parsed = instruments_from_binance(json.dumps(info), strict=True).instruments
            assert {i.id: i for i in parsed} == bundled
            _, acct, _ = await c.call(
                "GET", "/api/v3/account", key="emu-api-key", secret="emu-secret"
            )
            assert acct["balances"] == [
                {"asset": "USDT", "free": "1000000.00000000", "locked": "0.00000000"}
            ]
            _, body, _ = await c.call(
                "POST", "/api/v3/userDataStream", signed=False, key="emu-api-key"
            )
            await s.ws_connect(f"{emu.ws_url}/ws/{body['listenKey']}")
            await asyncio.wait_for(_until(lambda: emu.stream_count == 1), 5)
    assert emu.stream_count == 0  # closing the emulator closed the socket


async def test_bot4_instruments_round_trip_through_exchange_info() -> None:
    originals = [i for i in bundled_instruments().values() if i.symbol in ("BTCUSDT", "ETHUSDT")]
    async with BinanceEmulator(instruments=originals) as emu:
        async with aiohttp.ClientSession() as s:
            _, info, _ = await Client(emu, s).call("GET", "/api/v3/exchangeInfo", signed=False)
    parsed = {i.id: i for i in instruments_from_binance(json.dumps(info)).instruments}
    for inst in originals:
        back = parsed[inst.id]
        assert (back.price_precision, back.size_precision, back.tick, back.lot) == (
            inst.price_precision,
            inst.size_precision,
            inst.tick,
            inst.lot,
        )
        assert back.filters is not None and inst.filters is not None
        assert back.filters.price == inst.filters.price
        assert back.filters.lot_size == inst.filters.lot_size
        assert back.filters.notional == inst.filters.notional


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.just("order"),
                st.sampled_from(["BUY", "SELL"]),
                st.sampled_from(["LIMIT", "MARKET", "LIMIT_MAKER"]),
                st.sampled_from(["GTC", "IOC", "FOK"]),
                st.integers(1, 300),
                st.integers(97, 104),
            ),
            st.tuples(st.just("trade"), st.integers(97, 104), st.integers(1, 300)),
            st.tuples(st.just("book"), st.integers(97, 104), st.integers(0, 300)),
            st.tuples(st.just("cancel"), st.integers(1, 10)),
        ),
        max_size=15,
    )
)
async def test_random_sequences_keep_the_account_consistent(steps: list[tuple[Any, ...]]) -> None:
    async with BinanceEmulator(
        instruments=["BTCUSDT"], balances={"USDT": "2000", "BTC": "3"}
    ) as emu:
        emu.set_book("BTCUSDT", bids=[("100", "1"), ("99", "2")], asks=[("101", "1"), ("102", "2")])
        async with aiohttp.ClientSession() as s:
            c = Client(emu, s)
            for step in steps:
                if step[0] == "order":
                    _, side, typ, tif, lots, px = step
                    p: dict[str, Any] = {"side": side, "type": typ, "quantity": Decimal(lots) / 100}
                    if typ != "MARKET":
                        p["price"] = px
                    if typ == "LIMIT":
                        p["timeInForce"] = tif
                    status, body, _ = await c.call(
                        "POST",
                        "/api/v3/order",
                        {"symbol": "BTCUSDT", **p},
                        key="emu-api-key",
                        secret="emu-secret",
                    )
                    assert status == 200 or body["code"] in (-2010, -1013), body
                elif step[0] == "trade":
                    emu.trade("BTCUSDT", str(step[1]), str(Decimal(step[2]) / 100))
                elif step[0] == "book":
                    side = "bids" if step[1] <= 100 else "asks"
                    emu.apply_book(
                        "BTCUSDT", **{side: [(str(step[1]), str(Decimal(step[2]) / 100))]}
                    )
                else:
                    await c.call(
                        "DELETE",
                        "/api/v3/order",
                        {"symbol": "BTCUSDT", "orderId": step[1]},
                        key="emu-api-key",
                        secret="emu-secret",
                    )
                emu.check()
            total_btc = emu.balances["BTC"].free + emu.balances["BTC"].locked
            bought = sum((f.qty * (1 if f.side == "BUY" else -1) for f in emu.trades), Decimal(0))
            fees = sum(
                (f.commission for f in emu.trades if f.commission_asset == "BTC"), Decimal(0)
            )
            assert total_btc == 3 + bought - fees


async def test_edges_of_market_orders_and_notional(emu: BinanceEmulator, client: Client) -> None:
    status, body, _ = await client.order(**limit("BUY", "9000", "1001.00"))
    assert (status, body["msg"]) == (400, "Filter failure: NOTIONAL")  # over maxNotional
    _, body, _ = await client.order(side="BUY", type="MARKET", quantity="5")  # deeper than the book
    assert (body["status"], body["executedQty"]) == ("EXPIRED", "3.00000000")
    _, body, _ = await client.order(side="SELL", type="MARKET", quoteOrderQty="1000")
    assert body["executedQty"] == "3.00000000"  # the book had 3 BTC of bids, we had 5 BTC
    _, body, _ = await client.order(side="SELL", type="MARKET", quoteOrderQty="100")
    assert (body["status"], body["executedQty"]) == ("EXPIRED", "0.00000000")  # no bids left
    emu.check()


async def test_quote_sized_sell_is_capped_by_the_balance() -> None:
    raw = {"symbol": "ABCUSDT", "status": "TRADING", "baseAsset": "ABC", "quoteAsset": "USDT"}
    async with BinanceEmulator(
        api_key=KEY, secret=SECRET, instruments=[raw], balances={"ABC": "1.5"}
    ) as emu:
        emu.set_book("ABCUSDT", bids=[("10", "5")], asks=[])
        async with aiohttp.ClientSession() as s:
            _, body, _ = await Client(emu, s).call(
                "POST",
                "/api/v3/order",
                {"symbol": "ABCUSDT", "side": "SELL", "type": "MARKET", "quoteOrderQty": "40"},
            )
        assert (body["executedQty"], body["cummulativeQuoteQty"]) == ("1.50000000", "15.00000000")
        await emu.close()  # closing twice is harmless


async def test_used_weight_rolls_off_after_a_minute_and_cancel_replace_counts_orders() -> None:
    async with BinanceEmulator(
        api_key=KEY, secret=SECRET, instruments=["BTCUSDT"], orders_10s_limit=1
    ) as emu:
        async with aiohttp.ClientSession() as s:
            c = Client(emu, s)
            await c.call("GET", "/api/v3/exchangeInfo", signed=False)
            emu.limits._weights[0] = (emu.limits._weights[0][0] - 61, 20)
            assert (await c.call("GET", "/api/v3/ping", signed=False))[2][
                "X-MBX-USED-WEIGHT-1M"
            ] == "1"
            _, a, _ = await c.order(**limit("BUY", "1", "90.00"))
            status, body, _ = await c.call(
                "POST",
                "/api/v3/order/cancelReplace",
                {
                    "symbol": "BTCUSDT",
                    **limit("BUY", "1", "91.00"),
                    "cancelReplaceMode": "STOP_ON_FAILURE",
                    "cancelOrderId": a["orderId"],
                },
            )
            assert (status, body["code"]) == (429, -1015)  # canceled, then the new order refused
            assert emu.orders[a["orderId"]].status == "CANCELED"
            emu.limits._orders[0] -= 86_401
            assert emu.limits.order_counts(time.monotonic()) == (0, 0)


async def test_the_book_can_follow_a_bot4_order_book() -> None:
    from tests.support.venues import book, instrument

    b = book(instrument())  # bids 99.90 x1 .. 99.70 x5, asks 100.10 x1 .. 100.30 x5
    async with BinanceEmulator(instruments=["BTCUSDT"]) as emu:
        emu.set_book_from(b, depth=2)
        assert emu.engine.bids["BTCUSDT"] == {Decimal("99.9"): 1, Decimal("99.8"): 2}
        assert emu.engine.asks["BTCUSDT"] == {Decimal("100.1"): 1, Decimal("100.2"): 2}
