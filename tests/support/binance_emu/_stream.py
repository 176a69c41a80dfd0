"""The user-data stream: one listenKey for the account, its WebSockets, and their faults.

As Binance's (legacy listenKey) user-data stream: POST creates the key or returns the active one
and extends it, PUT extends it, DELETE closes it; a key lives `ttl_s` (60 min) unless extended.
Events go as JSON text frames to every socket open on `/ws/<listenKey>`; events emitted while
no socket is open are lost, as on Binance.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from tests.support.binance_emu._events import Event


@dataclass(slots=True)
class _Socket:
    """One user-data WebSocket connection."""

    listen_key: str
    ws: web.WebSocketResponse
    transport: asyncio.Transport | None  # for an abrupt drop (abort, no close frame)
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)  # "" = close after this


class UserStream:
    """The listenKey, the open sockets, and the delivery faults (duplicate, reorder, drop)."""

    def __init__(self, ttl_s: float, now_ms: Callable[[], int]) -> None:
        self.ttl_s = ttl_s  # a listenKey's life after creation or its last keep-alive
        self.events: list[Event] = []  # every event emitted, in order (sent or not)
        self._now_ms = now_ms
        self._key: str | None = None  # the active listenKey
        self._expires = 0.0  # monotonic s when the key expires
        self._sockets: list[_Socket] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._duplicate = 0  # events still to send twice
        self._reorder_n = 0  # events to hold and send reversed (0: none)
        self._held: list[str] = []

    @property
    def count(self) -> int:
        return len(self._sockets)

    def key(self, *, create: bool) -> str | None:
        """The active listenKey (created, or extended, with `create`)."""
        now = time.monotonic()
        if self._key is not None and now >= self._expires:
            self.expire()
        if create:
            if self._key is None:
                self._key = secrets.token_urlsafe(45)[:60]
            self._expires = now + self.ttl_s
        return self._key

    def keep_alive(self, key: str) -> bool:
        if key != self.key(create=False):
            return False
        self._expires = time.monotonic() + self.ttl_s
        return True

    def close_key(self, key: str) -> bool:
        if key != self.key(create=False):
            return False
        self._key = None
        self._close_sockets(key)
        return True

    def expire(self) -> None:
        """The key expires now: `listenKeyExpired` is sent and its sockets close."""
        key, self._key = self._key, None
        if key is not None:
            self.publish({"e": "listenKeyExpired", "E": self._now_ms(), "listenKey": key})
            self._close_sockets(key)

    def _close_sockets(self, key: str) -> None:
        for s in self._sockets:
            if s.listen_key == key:
                s.queue.put_nowait("")

    def drop(self) -> None:
        """Abort every socket's TCP connection (no close frame)."""
        for s in self._sockets:
            if s.transport is not None:
                s.transport.abort()

    def duplicate_next(self) -> None:
        self._duplicate += 1

    def reorder_next(self, n: int) -> None:
        self._reorder_n = n

    def publish(self, event: Event) -> None:
        self.events.append(event)
        text = json.dumps(event, separators=(",", ":"))
        copies = 1
        if self._duplicate:
            self._duplicate -= 1
            copies = 2
        for _ in range(copies):
            if not self._reorder_n:
                self._send(text)
                continue
            self._held.append(text)
            if len(self._held) >= self._reorder_n:
                held, self._held, self._reorder_n = self._held, [], 0
                for t in reversed(held):
                    self._send(t)

    def _send(self, text: str) -> None:
        for s in self._sockets:
            s.queue.put_nowait(text)

    async def handler(self, request: web.Request) -> web.StreamResponse:
        """GET /ws/{listen_key}: the socket stays open until either side closes it."""
        key = request.match_info["listen_key"]
        if key != self.key(create=False):
            return web.json_response(
                {"code": -1125, "msg": "This listenKey does not exist."}, status=400
            )
        ws = web.WebSocketResponse(autoping=True)
        transport = request.transport
        await ws.prepare(request)
        sock = _Socket(key, ws, transport)
        self._sockets.append(sock)
        sender = asyncio.create_task(self._pump(sock))
        self._tasks.add(sender)
        sender.add_done_callback(self._tasks.discard)
        try:
            async for msg in ws:  # the client sends nothing we act on; wait for its close
                if msg.type == WSMsgType.ERROR:  # pragma: no cover - aiohttp's own failures
                    break
        finally:
            self._sockets.remove(sock)
            sender.cancel()
        return ws

    async def _pump(self, sock: _Socket) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:
                text = await sock.queue.get()
                if not text:
                    await sock.ws.close()
                    return
                await sock.ws.send_str(text)

    async def close(self) -> None:
        for s in list(self._sockets):
            await s.ws.close()
        for t in list(self._tasks):
            t.cancel()
