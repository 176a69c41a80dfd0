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
from tests.support.binance_emu import BinanceEmulator, sign

from bot4.model import instruments_from_binance

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
            req = self.session.request(method, f"{url}?{text}" if text else url, headers=headers)
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
