# bot4.api: the operator's side of a running node. Depends on clock and errors only; the
# engine depends on it (its ApiView implements NodeControl), never the other way round.
#   _control      NodeControl protocol and the JSON views it returns
#   _metrics      NodeMetrics: the node's Prometheus metrics in a registry of its own
#   _token        the bearer token: resolve, generate, 0600 file, constant-time compare
#   _auth         401 for every route but /health (ASGI middleware), dashboard session cookie
#   _app          create_app: the FastAPI routes
#   _dashboard    the dashboard page (dashboard/*.html|js|css, no build step)
#   _server       ApiServer / serve: uvicorn inside the node's event loop
#   _launch       start_api: token, app, server and the printed dashboard URL in one call
#   _watchdog     Watchdog: feeds and strategies quiet for too long (log once, metric, status)
#   _memory_node  MemoryNode: an in-memory NodeControl for tests and demos
#   cli           `bot4 status`, `bot4 kill`, `bot4 reset-kill`, `bot4 dashboard-demo`
#   _demo         the dashboard demo's random-walk market
#   config        ApiConfig: the `[api]` table of the node's config
"""Control API, Prometheus metrics and dashboard of a running Bot4 node.

The names below load lazily (PEP 562 `__getattr__`): `bot4 status` imports only the small
client module, not FastAPI and uvicorn, which cost about a second at every start. Type
checkers see the explicit re-exports under TYPE_CHECKING.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot4.api._app import create_app as create_app
    from bot4.api._control import BreakerView as BreakerView
    from bot4.api._control import ExecutionView as ExecutionView
    from bot4.api._control import KillSwitchView as KillSwitchView
    from bot4.api._control import NodeControl as NodeControl
    from bot4.api._control import OrderView as OrderView
    from bot4.api._control import PnlPoint as PnlPoint
    from bot4.api._control import PnlView as PnlView
    from bot4.api._control import PositionView as PositionView
    from bot4.api._control import QuietView as QuietView
    from bot4.api._control import RejectionView as RejectionView
    from bot4.api._control import ReloadResult as ReloadResult
    from bot4.api._control import StatusView as StatusView
    from bot4.api._control import TradingStateName as TradingStateName
    from bot4.api._control import WhyView as WhyView
    from bot4.api._launch import ApiHandle as ApiHandle
    from bot4.api._launch import start_api as start_api
    from bot4.api._memory_node import MemoryNode as MemoryNode
    from bot4.api._metrics import NodeMetrics as NodeMetrics
    from bot4.api._server import ApiServer as ApiServer
    from bot4.api._server import serve as serve
    from bot4.api._token import DEFAULT_HOST as DEFAULT_HOST
    from bot4.api._token import DEFAULT_PORT as DEFAULT_PORT
    from bot4.api._token import ENV_TOKEN as ENV_TOKEN
    from bot4.api._token import TOKEN_FILE_NAME as TOKEN_FILE_NAME
    from bot4.api._token import ApiToken as ApiToken
    from bot4.api._token import dashboard_url as dashboard_url
    from bot4.api._token import find_token_file as find_token_file
    from bot4.api._token import generate_token as generate_token
    from bot4.api._token import read_token_file as read_token_file
    from bot4.api._token import resolve_token as resolve_token
    from bot4.api._token import write_token_file as write_token_file
    from bot4.api._watchdog import Watchdog as Watchdog
    from bot4.api.config import ApiConfig as ApiConfig

# module -> the public names it defines
_MODULES: dict[str, tuple[str, ...]] = {
    "bot4.api._launch": ("ApiHandle", "start_api"),
    "bot4.api.config": ("ApiConfig",),
    "bot4.api._app": ("create_app",),
    "bot4.api._control": (
        "BreakerView",
        "ExecutionView",
        "KillSwitchView",
        "NodeControl",
        "OrderView",
        "PnlPoint",
        "PnlView",
        "PositionView",
        "QuietView",
        "RejectionView",
        "ReloadResult",
        "StatusView",
        "TradingStateName",
        "WhyView",
    ),
    "bot4.api._memory_node": ("MemoryNode",),
    "bot4.api._metrics": ("NodeMetrics",),
    "bot4.api._watchdog": ("Watchdog",),
    "bot4.api._server": (
        "ApiServer",
        "serve",
    ),
    "bot4.api._token": (
        "ApiToken",
        "DEFAULT_HOST",
        "DEFAULT_PORT",
        "ENV_TOKEN",
        "TOKEN_FILE_NAME",
        "dashboard_url",
        "find_token_file",
        "generate_token",
        "read_token_file",
        "resolve_token",
        "write_token_file",
    ),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ENV_TOKEN",
    "TOKEN_FILE_NAME",
    "ApiConfig",
    "ApiHandle",
    "ApiServer",
    "ApiToken",
    "BreakerView",
    "ExecutionView",
    "KillSwitchView",
    "MemoryNode",
    "NodeControl",
    "NodeMetrics",
    "OrderView",
    "PnlPoint",
    "PnlView",
    "PositionView",
    "QuietView",
    "RejectionView",
    "ReloadResult",
    "StatusView",
    "TradingStateName",
    "Watchdog",
    "WhyView",
    "create_app",
    "dashboard_url",
    "find_token_file",
    "generate_token",
    "read_token_file",
    "resolve_token",
    "serve",
    "start_api",
    "write_token_file",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bot4.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # load once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
