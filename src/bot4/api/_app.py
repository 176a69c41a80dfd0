"""The control API: a FastAPI app over a `NodeControl`.

Routes are thin: each one calls the node once and returns its view; the node does the work
(and the journaling) and the views' TypedDicts are the response schema. Every route is
`async def` on purpose: FastAPI runs plain `def` routes in a thread pool, and the node's state
belongs to its event loop (no locks on the hot path), so it must be read on that loop only.

Authentication is the `AuthMiddleware` around the whole app (see `_auth`); only `/health` and the
dashboard's entry page (which checks the token itself) are public. The OpenAPI schema is served at
`/openapi.json` behind the token like everything else; the interactive docs pages are off, as
they load scripts from a CDN this machine cannot reach.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Path, Security
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from bot4 import __version__
from bot4.api._auth import AuthMiddleware
from bot4.api._control import (
    BreakerView,
    KillSwitchView,
    NodeControl,
    OrderView,
    PositionView,
    ReloadResult,
    StatusView,
)
from bot4.api._dashboard import DASHBOARD_PATH, add_dashboard
from bot4.api._token import ApiToken

__all__ = ["create_app"]

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/health", DASHBOARD_PATH})

_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong bearer token; nothing was done."}
}
_NO_BREAKER: dict[int | str, dict[str, Any]] = {404: {"description": "No breaker of that name."}}
_BAD_JSON: dict[int | str, dict[str, Any]] = {400: {"description": "The body is not JSON."}}


class KillRequest(BaseModel):
    """Trip the kill switch: trading halts and every open order is cancelled."""

    reason: str = Field(min_length=1, max_length=500, description="Why, for the journal.")
    who: str | None = Field(default=None, max_length=100, description="Operator; default 'api'.")


class ResetKillRequest(BaseModel):
    who: str | None = Field(default=None, max_length=100, description="Operator; default 'api'.")


class Health(BaseModel):
    status: str


BreakerName = Annotated[str, Path(min_length=1, max_length=200, description="Breaker name.")]


def create_app(control: NodeControl, token: ApiToken, *, poll_interval_ms: int = 1000) -> FastAPI:
    """The API app for `control`; every route but /health needs `token`.

    `poll_interval_ms` is how often the dashboard refreshes.
    """
    app = FastAPI(
        title="Bot4 control API",
        version=__version__,
        description="Status, kill switch, circuit breakers, risk limits and metrics of a node.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    bearer = [Security(HTTPBearer(auto_error=False, description="The node's API token."))]

    @app.get("/health", tags=["public"])
    async def health() -> Health:
        """Liveness, without authentication; says nothing about the node's state."""
        return Health(status="ok")

    @app.get("/status", dependencies=bearer, responses=_UNAUTHORIZED)
    async def status() -> StatusView:
        """Trading state, positions, open-order count, breakers, kill switch, PnL and `why`."""
        return control.status()

    @app.get("/positions", dependencies=bearer, responses=_UNAUTHORIZED)
    async def positions() -> list[PositionView]:
        return control.positions()

    @app.get("/orders", dependencies=bearer, responses=_UNAUTHORIZED)
    async def orders() -> list[OrderView]:
        """Open orders."""
        return control.open_orders()

    @app.post("/kill", dependencies=bearer, responses=_UNAUTHORIZED | _BAD_JSON)
    async def kill(request: KillRequest) -> KillSwitchView:
        """Trip the kill switch: HALTED, all open orders cancelled; answered once journaled."""
        who = request.who or "api"
        log.warning("kill switch requested by %r: %r", who, request.reason)
        return await control.kill(request.reason, who)

    @app.post("/reset-kill", dependencies=bearer, responses=_UNAUTHORIZED | _BAD_JSON)
    async def reset_kill(request: ResetKillRequest | None = None) -> KillSwitchView:
        """Reset the kill switch; trading resumes."""
        who = (request.who if request else None) or "api"
        log.warning("kill switch reset requested by %r", who)
        return await control.reset_kill(who)

    @app.post(
        "/breakers/{name}/force-open",
        dependencies=bearer,
        responses=_UNAUTHORIZED | _NO_BREAKER,
    )
    async def force_open_breaker(name: BreakerName) -> BreakerView:
        """Force a circuit breaker open until reset."""
        view = await control.force_open_breaker(name)
        if view is None:
            raise HTTPException(404, f"no breaker named {name!r}")
        log.warning("breaker %r forced open by the API", name)
        return view

    @app.post("/breakers/{name}/reset", dependencies=bearer, responses=_UNAUTHORIZED | _NO_BREAKER)
    async def reset_breaker(name: BreakerName) -> BreakerView:
        """Close a circuit breaker and clear its window."""
        view = await control.reset_breaker(name)
        if view is None:
            raise HTTPException(404, f"no breaker named {name!r}")
        log.warning("breaker %r reset by the API", name)
        return view

    @app.post(
        "/risk/reload",
        dependencies=bearer,
        responses=_UNAUTHORIZED
        | {400: {"description": "Invalid limits (none applied) or no JSON."}},
    )
    async def reload_risk(
        response: Response,
        payload: Annotated[dict[str, Any] | None, Body(description="The `risk` section.")] = None,
    ) -> ReloadResult:
        """Apply new risk limits (all or none); without a body, re-read the config file."""
        result = await control.reload_risk_limits(payload)
        if not result["ok"]:
            response.status_code = 400
        return result

    @app.get(
        "/metrics",
        dependencies=bearer,
        response_class=Response,
        responses=_UNAUTHORIZED | {200: {"content": {"text/plain": {}}}},
    )
    async def metrics() -> Response:
        """Prometheus text exposition of the node's registry."""
        return Response(generate_latest(control.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        return app.openapi()

    add_dashboard(app, token, poll_interval_ms=poll_interval_ms)
    app.add_middleware(AuthMiddleware, token=token, public_paths=PUBLIC_PATHS)
    return app
