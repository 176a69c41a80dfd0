"""The dashboard: one HTML page, one script and one stylesheet, served by the API itself.

No build step: the files in `dashboard/` are served as they are. Logging in works like Jupyter:
the node prints `http://127.0.0.1:8787/dashboard?token=...`; that request trades the token for an
HttpOnly, SameSite=Strict session cookie and redirects to the clean `/dashboard`, so the token
leaves the address bar (and history, and any Referer) at once. The page then polls `/status`
and `/orders` with the cookie and sends commands with the `X-Bot4-Csrf` header (see `_auth`).

Every response carries a strict Content-Security-Policy: scripts and styles from this origin
only, no inline script, no framing.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import Headers

from bot4.api._auth import COOKIE_NAME, is_authorized
from bot4.api._token import ApiToken, tokens_equal

__all__ = ["DASHBOARD_PATH", "add_dashboard"]

DASHBOARD_PATH = "/dashboard"

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bot4: token needed</title></head>
<body><h1>Bot4 dashboard</h1>
<p>This page needs the node's API token. Open the URL the node printed at start
(<code>/dashboard?token=...</code>); the token is also in the run directory's
<code>api-token</code> file.</p></body></html>
"""


def _asset(name: str) -> str:
    return (files("bot4.api") / "dashboard" / name).read_text(encoding="utf-8")


def add_dashboard(app: FastAPI, token: ApiToken, *, poll_interval_ms: int) -> None:
    """Add the dashboard's routes to `app` (read the files once, now)."""
    page = _asset("index.html").replace("{{POLL_MS}}", str(int(poll_interval_ms)))
    assets = {
        "app.js": (_asset("app.js"), "text/javascript; charset=utf-8"),
        "style.css": (_asset("style.css"), "text/css; charset=utf-8"),
    }

    @app.get(DASHBOARD_PATH, include_in_schema=False)
    async def dashboard(request: Request) -> Response:
        offered = request.query_params.get("token")
        if offered is not None:
            if not tokens_equal(offered, token.value):
                return HTMLResponse(_LOGIN_PAGE, 401, headers=_SECURITY_HEADERS)
            # 303: the browser follows with a GET to the clean URL, now carrying the cookie.
            redirect = RedirectResponse(DASHBOARD_PATH, 303, headers=_SECURITY_HEADERS)
            redirect.set_cookie(
                COOKIE_NAME, token.session_value, httponly=True, samesite="strict", path="/"
            )
            return redirect
        if not is_authorized(Headers(scope=request.scope), "GET", token):
            return HTMLResponse(_LOGIN_PAGE, 401, headers=_SECURITY_HEADERS)
        return HTMLResponse(page, headers=_SECURITY_HEADERS)

    @app.get(DASHBOARD_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        found = assets.get(name)
        if found is None:
            return Response("not found", 404, headers=_SECURITY_HEADERS)
        body, media_type = found
        return Response(body, media_type=media_type, headers=_SECURITY_HEADERS)
