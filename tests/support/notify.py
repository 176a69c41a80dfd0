"""A real loopback aiohttp server playing a webhook receiver and Telegram's Bot API (the
notify tests' receiver; `receiver()` starts it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:SECRET-bot-token-do-not-log"


@dataclass
class Receiver:
    """What the server received, and how it answers (changed by the tests)."""

    base: str = ""  # http://127.0.0.1:<port>
    webhook: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    telegram: list[dict[str, Any]] = field(default_factory=list)
    webhook_status: int = 200
    # (HTTP status, JSON answer) for the next Telegram requests; then {"ok": true}.
    telegram_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, what: str, n: int, timeout_s: float = 5.0) -> None:
        """Until `n` requests reached `what` ("webhook" / "telegram"); bounded."""
        async with asyncio.timeout(timeout_s):
            while len(getattr(self, what)) < n:
                self.arrived.clear()
                await self.arrived.wait()


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    """The server on a free loopback port, stopped on exit."""
    rec = Receiver()

    async def hook(request: web.Request) -> web.Response:
        rec.webhook.append((await request.read(), dict(request.headers)))
        rec.arrived.set()
        return web.Response(status=rec.webhook_status)

    async def send_message(request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "description": "Unauthorized"}, status=401)
        rec.telegram.append(await request.json())
        rec.arrived.set()
        if rec.telegram_answers:
            status, answer = rec.telegram_answers.pop(0)
            return web.json_response(answer, status=status)
        return web.json_response({"ok": True, "result": {"message_id": len(rec.telegram)}})

    app = web.Application()
    app.router.add_post("/hook/{secret_path}", hook)
    app.router.add_post("/bot{token}/sendMessage", send_message)
    runner = web.AppRunner(app, access_log=None)  # its log would show the test's secrets
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    rec.base = f"http://127.0.0.1:{port}"
    try:
        yield rec
    finally:
        await runner.cleanup()
