"""Bearer-token authentication for every route but the public ones, as ASGI middleware.

Middleware, not a FastAPI dependency: FastAPI reads and validates a request body before it runs
dependencies, so a dependency would answer a bad body with 422 before checking the token. Here an
unauthenticated request is answered 401 before any route code — or body parsing — runs, so it
can change nothing.

Two credentials are accepted: `Authorization: Bearer <token>` (CLI, Prometheus, scripts) and the
dashboard's session cookie (HttpOnly, SameSite=Strict, holding a value derived from the token).
A request that sends a bearer header is judged on it alone. A cookie-authenticated request that
changes state must also carry `X-Bot4-Csrf: 1`: SameSite=Strict already keeps other sites'
requests cookieless, and a custom header cannot be sent cross-origin without a CORS preflight
that this API never grants — two independent locks on the kill switch.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot4.api._token import ApiToken, tokens_equal

__all__ = ["COOKIE_NAME", "CSRF_HEADER", "AuthMiddleware", "is_authorized"]

COOKIE_NAME = "bot4_session"
CSRF_HEADER = "x-bot4-csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BEARER = "bearer "


def is_authorized(headers: Headers, method: str, token: ApiToken) -> bool:
    """True when the request carries the right bearer token or a valid dashboard session."""
    auth = headers.get("authorization")
    if auth is not None:
        if auth[: len(_BEARER)].lower() != _BEARER:
            return False
        return tokens_equal(auth[len(_BEARER) :].strip(), token.value)
    session = cookie_parser(headers.get("cookie", "")).get(COOKIE_NAME)
    if session is None or not tokens_equal(session, token.session_value):
        return False
    return method in _SAFE_METHODS or headers.get(CSRF_HEADER) == "1"


class AuthMiddleware:
    """Answers 401 to any HTTP request outside `public_paths` that `is_authorized` refuses."""

    def __init__(self, app: ASGIApp, token: ApiToken, public_paths: frozenset[str]) -> None:
        self._app = app
        self._token = token
        self._public = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._public:
            await self._app(scope, receive, send)
            return
        if is_authorized(Headers(scope=scope), scope["method"], self._token):
            await self._app(scope, receive, send)
            return
        response = JSONResponse(
            {"detail": "missing or wrong bearer token"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="bot4"'},
        )
        await response(scope, receive, send)
