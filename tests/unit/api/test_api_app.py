"""The routes with a valid token: each one does what it says, and only that."""

from __future__ import annotations

import httpx

from bot4.api import MemoryNode
from bot4.api._auth import COOKIE_NAME

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_status_meets_the_contract(client: httpx.AsyncClient) -> None:
    status = (await client.get("/status", headers=AUTH)).json()
    assert status["trading_state"] == "ACTIVE"
    assert status["open_orders"] == 2
    assert status["breakers"] == {"binance-ws": "CLOSED", "storage": "CLOSED"}
    assert [p["instrument_id"] for p in status["positions"]] == ["BTCUSDT", "ETHUSDT"]
    btc = status["positions"][0]
    assert (btc["qty"], btc["avg_price"], btc["mark_price"]) == ("0.5", "100000.0", "100100.0")
    assert btc["unrealized_pnl"] == "50.00"
    assert status["pnl"]["total"] == "70.00"  # +50 BTC, +20 on the ETH short
    assert status["kill_switch"]["active"] is False
    why = {w["instrument_id"]: w for w in status["why"]}
    assert why["BTCUSDT"]["last_decision"] == "quote 99000.0/101000.0 skew -1"
    assert why["SOLUSDT"]["rejections"][0]["reason"] == "PRICE_COLLAR"


async def test_positions_and_orders(client: httpx.AsyncClient) -> None:
    positions = (await client.get("/positions", headers=AUTH)).json()
    assert [p["qty"] for p in positions] == ["0.5", "-2"]
    orders = (await client.get("/orders", headers=AUTH)).json()
    assert [(o["instrument_id"], o["side"], o["state"]) for o in orders] == [
        ("BTCUSDT", "BUY", "ACCEPTED"),
        ("ETHUSDT", "SELL", "ACCEPTED"),
    ]


async def test_kill_halts_cancels_and_keeps_the_first_reason(
    client: httpx.AsyncClient, node: MemoryNode
) -> None:
    first = await client.post("/kill", json={"reason": "runaway", "who": "alice"}, headers=AUTH)
    assert first.status_code == 200
    assert first.json()["active"] is True
    assert (first.json()["who"], first.json()["reason"]) == ("alice", "runaway")
    assert node.trading_state == "HALTED"
    assert node.open_orders() == []
    again = await client.post("/kill", json={"reason": "second"}, headers=AUTH)
    assert again.json()["reason"] == "runaway"
    assert node.audit[-1] == "kill by api: second"
    # HALTED denies new orders, and the denial is explained in `why`.
    assert node.submit_order("BTCUSDT", "BUY", "1", "1") is None
    status = (await client.get("/status", headers=AUTH)).json()
    assert status["trading_state"] == "HALTED"
    assert status["open_orders"] == 0
    reasons = [r["reason"] for w in status["why"] for r in w["rejections"]]
    assert "TRADING_HALTED" in reasons


async def test_reset_kill_resumes(client: httpx.AsyncClient, node: MemoryNode) -> None:
    await client.post("/kill", json={"reason": "test"}, headers=AUTH)
    reset = await client.post("/reset-kill", headers=AUTH)
    assert reset.status_code == 200
    assert reset.json() == {
        "active": False,
        "reason": None,
        "who": None,
        "source": None,
        "ts_ns": None,
    }
    assert node.trading_state == "ACTIVE"
    assert node.audit[-1] == "reset-kill by api"
    await client.post("/reset-kill", json={"who": "bob"}, headers=AUTH)
    assert node.audit[-1] == "reset-kill by bob"


async def test_kill_body_is_validated(client: httpx.AsyncClient, node: MemoryNode) -> None:
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "ok", "who": "w" * 101}):
        response = await client.post("/kill", json=body, headers=AUTH)
        assert response.status_code == 422, body
    assert node.trading_state == "ACTIVE"


async def test_breakers(client: httpx.AsyncClient, node: MemoryNode) -> None:
    opened = await client.post("/breakers/storage/force-open", headers=AUTH)
    assert opened.json() == {"name": "storage", "state": "FORCED_OPEN"}
    assert node.status()["breakers"]["storage"] == "FORCED_OPEN"
    closed = await client.post("/breakers/storage/reset", headers=AUTH)
    assert closed.json() == {"name": "storage", "state": "CLOSED"}
    for action in ("force-open", "reset"):
        missing = await client.post(f"/breakers/nope/{action}", headers=AUTH)
        assert missing.status_code == 404
        assert "nope" in missing.json()["detail"]


async def test_risk_reload_all_or_nothing(client: httpx.AsyncClient, node: MemoryNode) -> None:
    bad = await client.post(
        "/risk/reload", json={"max_position": "5", "max_open_orders": -1, "x": 1}, headers=AUTH
    )
    assert bad.status_code == 400
    assert len(bad.json()["errors"]) == 2
    assert node.limits["max_position"] == "10"  # nothing applied
    good = await client.post("/risk/reload", json={"max_position": 5}, headers=AUTH)
    assert good.status_code == 200
    assert good.json()["limits"]["max_position"] == "5"
    assert node.limits["max_position"] == "5"
    reread = await client.post("/risk/reload", headers=AUTH)
    assert reread.json() == {"ok": True, "errors": [], "limits": node.limits}


async def test_metrics_exposition(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'bot4_feed_messages_total{feed="binance"} 3.0' in response.text
    assert 'bot4_orders{state="ACCEPTED"} 2.0' in response.text


async def test_openapi_schema_is_served(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json", headers=AUTH)).json()
    assert schema["info"]["title"] == "Bot4 control API"
    assert {"/health", "/status", "/kill", "/reset-kill", "/metrics"} <= set(schema["paths"])
    status = schema["paths"]["/status"]["get"]
    assert status["security"] == [{"HTTPBearer": []}]
    assert "401" in status["responses"]
    assert (await client.get("/docs", headers=AUTH)).status_code == 404  # no CDN-backed docs


async def test_dashboard_login_trades_the_token_for_a_cookie(client: httpx.AsyncClient) -> None:
    login = await client.get("/dashboard", params={"token": TOKEN})
    assert login.status_code == 303
    assert login.headers["location"] == "/dashboard"
    cookie = login.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert TOKEN not in cookie
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    page = await client.get("/dashboard")  # the client keeps the cookie, as a browser does
    assert page.status_code == 200
    assert 'data-poll-ms="1000"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = await client.get("/dashboard/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "X-Bot4-Csrf" in script.text
    assert (await client.get("/dashboard/style.css")).status_code == 200
    assert (await client.get("/dashboard/nothing.js")).status_code == 404
