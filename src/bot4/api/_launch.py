"""`start_api`: everything a node does to bring its control API up, in one call.

Resolve the token (config, else `BOT4_API_TOKEN`, else generated and written 0600 to the run
directory), build the app, bind, serve on the running loop, and announce the dashboard URL —
carrying the token only when it was generated, as Jupyter does (a configured token is the
operator's own and is never printed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import typer

from bot4.api._app import create_app
from bot4.api._control import NodeControl
from bot4.api._server import ApiServer
from bot4.api._token import ApiToken, dashboard_url, resolve_token
from bot4.api.config import ApiConfig

__all__ = ["ApiHandle", "start_api"]


@dataclass(frozen=True, slots=True)
class ApiHandle:
    """A running API: `await handle.server.close()` stops it."""

    server: ApiServer
    token: ApiToken
    dashboard_url: str  # with ?token=... only for a generated token


async def start_api(
    control: NodeControl,
    config: ApiConfig,
    run_dir: Path,
    *,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    announce: Callable[[str], object] = typer.echo,
) -> ApiHandle:
    """Serve `control`'s API as `config` says; `port` overrides the config (`bot4 run
    --api-port`). The node calls it only when `config.enabled`. Raises OSError when the port
    is taken."""
    token = resolve_token(config.token, run_dir, env)
    app = create_app(control, token, poll_interval_ms=config.dashboard_poll_ms)
    server = ApiServer(app, config.host, config.port if port is None else port)
    await server.start()
    shown = token.value if token.source == "generated" else None
    url = dashboard_url(server.host, server.port, shown)
    announce(f"dashboard: {url}")
    if token.file is not None:
        announce(f"API token written to {token.file}")
    return ApiHandle(server, token, url)
