"""schemathesis against the served OpenAPI schema: no input, valid or not, causes a server error.

The schema is loaded from the app itself (ASGI, no socket) with a valid token, and every call
sends it, so the fuzzing reaches the routes behind the token. Examples per operation are
bounded to keep the whole run well under 30 s.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot4.api import ApiToken, MemoryNode, create_app
from bot4.clock import TestClock

TOKEN = "schema-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _app() -> object:
    node = MemoryNode(TestClock())
    node.add_breaker("binance-ws")
    order = node.submit_order("BTCUSDT", "BUY", "1", "100")
    assert order is not None
    node.fill(order, "0.5", "100")
    node.decide("BTCUSDT", "quote")
    return create_app(node, ApiToken(TOKEN, "config"))


schema = schemathesis.openapi.from_asgi("/openapi.json", _app(), headers=AUTH)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_error(case: schemathesis.Case) -> None:
    # /risk/reload takes the config's `risk` section, which only the node can validate (its
    # instruments, its limits): the schema says "an object", so schema-valid bodies may be
    # refused with 400 by design. Every other check runs on every route.
    excluded = [positive_data_acceptance] if case.path == "/risk/reload" else []
    response = case.call_and_validate(headers=AUTH, excluded_checks=excluded)
    assert response.status_code < 500
