"""Every route but /health refuses a missing or wrong token with 401 and changes nothing."""

from __future__ import annotations

import copy

import httpx
import pytest
from starlette.datastructures import Headers

from bot4.api import ApiToken, MemoryNode, create_app
from bot4.api._auth import COOKIE_NAME, is_authorized

# (method, path, JSON body): one call per route, with a body the route would accept.
CALLS: list[tuple[str, str, object]] = [
    ("GET", "/status", None),
    ("GET", "/positions", None),
    ("GET", "/orders", None),
    ("POST", "/kill", {"reason": "intruder", "who": "mallory"}),
    ("POST", "/reset-kill", {"who": "mallory"}),
    ("POST", "/breakers/binance-ws/force-open", None),
    ("POST", "/breakers/binance-ws/reset", None),
    ("POST", "/risk/reload", {"max_position": "0"}),
    ("GET", "/metrics", None),
    ("GET", "/openapi.json", None),
    ("GET", "/dashboard", None),
    ("GET", "/dashboard/app.js", None),
    ("GET", "/dashboard/style.css", None),
]

BAD_CREDENTIALS: dict[str, dict[str, str | bytes]] = {
    "none": {},
    "wrong token": {"Authorization": "Bearer wrong-token"},
    "token prefix": {"Authorization": "Bearer test-token"},
    "empty bearer": {"Authorization": "Bearer "},
    "basic scheme": {"Authorization": "Basic dGVzdC10b2tlbi0wMTIzNDU2Nzg5"},
    "raw token": {"Authorization": "test-token-0123456789"},
    "non-ascii": {"Authorization": "Bearer t\u00e9st".encode()},
    "token as cookie": {"Cookie": f"{COOKIE_NAME}=test-token-0123456789"},
    "wrong cookie": {"Cookie": f"{COOKIE_NAME}=abc"},
}


def snapshot(node: MemoryNode) -> object:
    """Everything an operator command could change."""
    return copy.deepcopy(
        (node.status(), node.open_orders(), node.limits, node.audit, node.trading_state)
    )


def test_the_matrix_covers_every_route(token: ApiToken, node: MemoryNode) -> None:
    app = create_app(node, token)
    paths = {getattr(r, "path", "") for r in app.routes} - {"/health"}
    called = {p.replace("binance-ws", "{name}") for _, p, _ in CALLS} | {"/dashboard/{name}"}
    assert paths <= called, f"routes without a 401 test: {paths - called}"


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize(("method", "path", "body"), CALLS, ids=[f"{m} {p}" for m, p, _ in CALLS])
async def test_refused_with_401_and_nothing_changes(
    client: httpx.AsyncClient,
    node: MemoryNode,
    method: str,
    path: str,
    body: object,
    credentials: dict[str, str | bytes],
) -> None:
    before = snapshot(node)
    response = await client.request(method, path, json=body, headers=credentials)
    assert response.status_code == 401
    assert COOKIE_NAME not in response.headers.get("set-cookie", "")
    assert snapshot(node) == before


async def test_401_comes_before_body_validation(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/kill", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_wrong_token_in_dashboard_url_sets_no_cookie(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard", params={"token": "wrong"})
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert "token" in response.text


async def test_health_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_cookie_commands_need_the_csrf_header(
    client: httpx.AsyncClient, node: MemoryNode, token: ApiToken
) -> None:
    cookie = {"Cookie": f"{COOKIE_NAME}={token.session_value}"}
    assert (await client.get("/status", headers=cookie)).status_code == 200
    before = snapshot(node)
    refused = await client.post("/kill", json={"reason": "csrf"}, headers=cookie)
    assert refused.status_code == 401
    assert snapshot(node) == before
    accepted = await client.post(
        "/kill", json={"reason": "from the page"}, headers=cookie | {"X-Bot4-Csrf": "1"}
    )
    assert accepted.status_code == 200
    assert node.trading_state == "HALTED"


def test_a_bearer_header_is_judged_alone(token: ApiToken) -> None:
    """A wrong bearer token is refused even when a valid session cookie rides along."""
    headers = Headers(
        {"authorization": "Bearer nope", "cookie": f"{COOKIE_NAME}={token.session_value}"}
    )
    assert not is_authorized(headers, "GET", token)
    assert is_authorized(Headers({"authorization": f"bearer {token.value}"}), "POST", token)
