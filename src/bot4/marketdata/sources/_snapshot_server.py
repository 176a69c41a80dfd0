"""A local HTTP server that answers REST snapshot URLs from a recording, in recorded order.

The exchange's URL (`https://api.binance.com/api/v3/depth?symbol=X&limit=1000`) is matched on
its path and query only, so a client pointed at `http://127.0.0.1:<port>` (the connection's
`rest_base`) gets the recorded bodies: the first request for a URL gets the first recorded
response, the next the second, and the last one is repeated once they run out. `fail_next`
answers the next N requests with 503 and `delay_s` holds every answer back, for tests of
retries, timeouts and breakers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import web

__all__ = ["SnapshotServer", "url_key"]


def url_key(url: str) -> str:
    """The part of a URL the server matches on: path plus query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


class SnapshotServer:
    """Serves recorded REST bodies on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self, snapshots: Sequence[tuple[str, int, str]], *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._bodies: dict[str, list[str]] = {}  # url key -> recorded bodies, in order
        for url, _, body in sorted(snapshots, key=lambda s: s[1]):
            self._bodies.setdefault(url_key(url), []).append(body)
        self._next: dict[str, int] = {}  # url key -> index of the next body to serve
        self.host = host
        self.port = port  # 0 = any free port; the bound one after start()
        self.requests: list[str] = []  # url keys asked for, in order
        self.fail_next = 0  # answer this many coming requests with 503
        self.delay_s = 0.0  # wait this long before answering (a slow or hung exchange)
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        """What a client uses as `rest_base` to reach this server."""
        return f"http://{self.host}:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        key = request.path_qs
        self.requests.append(key)
        if self.delay_s > 0:
            await asyncio.sleep(self.delay_s)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=503, text="replay: failing on purpose")
        bodies = self._bodies.get(key)
        if not bodies:
            return web.Response(status=404, text=f"replay: no recorded response for {key}")
        i = self._next.get(key, 0)
        self._next[key] = i + 1
        return web.Response(
            body=bodies[min(i, len(bodies) - 1)].encode(), content_type="application/json"
        )

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        # Short shutdown: a test server must not wait long for a deliberately hung handler.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        server = site._server
        assert server is not None, "a started TCPSite has a server"  # nosec B101
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop serving; safe to call twice or before start()."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> SnapshotServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
