"""Fixtures for the API tests: a populated MemoryNode, its app, and clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot4.api import ApiToken, MemoryNode, create_app
from bot4.clock import TestClock

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def populated_node(clock: TestClock) -> MemoryNode:
    """A node mid-session: two positions, two open orders, breakers, decisions, a denial."""
    node = MemoryNode(clock)
    node.add_breaker("binance-ws")
    node.add_breaker("storage")
    node.metrics.register_feed("binance")
    node.metrics.on_feed_message("binance", 3)
    filled = node.submit_order("BTCUSDT", "BUY", "0.5", "100000.0", "mm")
    assert filled is not None
    node.fill(filled, "0.5", "100000.0")
    clock.advance(1)
    node.mark("BTCUSDT", "100100.0")
    sold = node.submit_order("ETHUSDT", "SELL", "2", "3500.00", "momentum")
    assert sold is not None
    node.fill(sold, "2", "3500.00")
    clock.advance(1)
    node.mark("ETHUSDT", "3490.00")
    assert node.submit_order("BTCUSDT", "BUY", "0.1", "99000.0", "mm") is not None
    assert node.submit_order("ETHUSDT", "SELL", "1", "3600.00", "mm") is not None
    node.decide("BTCUSDT", "quote 99000.0/101000.0 skew -1")
    node.reject("SOLUSDT", "O-99", "risk", "PRICE_COLLAR", "price 10% off the reference")
    return node


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def node(clock: TestClock) -> MemoryNode:
    return populated_node(clock)


@pytest.fixture
def token() -> ApiToken:
    return ApiToken(TOKEN, "config")


@pytest.fixture
async def client(node: MemoryNode, token: ApiToken) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client (ASGI transport): no socket, same app."""
    transport = httpx.ASGITransport(app=create_app(node, token))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
