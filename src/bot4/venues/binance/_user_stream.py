"""`UserDataStream`: Binance's user-data stream (order and balance updates) kept alive.

A loop, as Bot4's market-data connection reads: get a listenKey (POST /api/v3/userDataStream),
connect to `<ws_url>/ws/<listenKey>`, call `on_connected` (the venue queries what happened while
it was away: the stream is up first, so nothing falls between the query and the stream), feed
every frame to `on_frame`, keep the key alive (PUT every `keepalive_s`); when the link drops or
the key expires, back off (jittered, doubling to `reconnect_max_s`, reset after a connection
that delivered data) and start again. Every REST call goes through the REST client's breaker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

import aiohttp

from bot4.errors import Bot4Error
from bot4.venues.binance._rest import BinanceRest

__all__ = ["UserDataStream"]

log = logging.getLogger(__name__)

_PATH = "/api/v3/userDataStream"


class UserDataStream:
    """Owns the stream task; `start()` runs it, `close()` stops it (idempotent)."""

    def __init__(
        self,
        rest: BinanceRest,
        on_frame: Callable[[bytes | str], bool],
        on_connected: Callable[[], Awaitable[None]],
        rng: random.Random | None = None,
    ) -> None:
        self._rest = rest
        self._config = rest.config
        self._on_frame = on_frame  # False: the listenKey expired, reconnect
        self._on_connected = on_connected
        self._rng = rng or random.Random(0)  # nosec B311 - reconnect jitter only
        self._task: asyncio.Task[None] | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self.connected = asyncio.Event()  # set while a connection is up
        self.connects = 0  # successful connections (the first included)
        self.listen_key: str | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="binance-user")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.connected.clear()

    async def drop(self) -> None:
        """Close the current socket (the loop reconnects): for operators and tests."""
        if self._ws is not None:
            await self._ws.close()

    async def _run(self) -> None:
        attempts = 0
        while True:
            delivered = False
            try:
                key = await self._listen_key()
                url = f"{self._config.ws_url.rstrip('/')}/ws/{key}"
                async with self._rest.session.ws_connect(url, heartbeat=30.0) as ws:
                    self._ws = ws
                    self.connects += 1
                    self.connected.set()
                    keepalive = asyncio.get_running_loop().create_task(self._keepalive(key))
                    try:
                        await self._on_connected()
                        delivered = await self._read(ws)
                    finally:
                        keepalive.cancel()
                        with contextlib.suppress(asyncio.CancelledError, Bot4Error):
                            await keepalive
            except (Bot4Error, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.warning("binance user stream: %s: %s", type(exc).__name__, exc)
            finally:
                self._ws = None
                self.connected.clear()
            if delivered:
                attempts = 0
            cap = min(
                self._config.reconnect_max_s,
                self._config.reconnect_initial_s * 2 ** min(attempts, 30),
            )
            attempts += 1
            delay = cap / 2 + self._rng.random() * cap / 2
            log.info("binance user stream down; reconnecting in %.2f s", delay)
            await asyncio.sleep(delay)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> bool:
        """Frames until the socket ends or the key expires; True if any frame came."""
        delivered = False
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT or msg.type is aiohttp.WSMsgType.BINARY:
                delivered = True
                if not self._on_frame(msg.data):
                    log.warning("binance listenKey expired: reconnecting")
                    break
            elif msg.type is aiohttp.WSMsgType.ERROR:
                break
        return delivered

    async def _listen_key(self) -> str:
        # Asked for on every connect: Binance hands back the account's live key (extending it)
        # or a new one after expiry, so a reconnect never reuses a dead key.
        body = await self._rest.request("POST", _PATH, weight=2)
        self.listen_key = str(body["listenKey"])
        return self.listen_key

    async def _keepalive(self, key: str) -> None:
        while True:
            await asyncio.sleep(self._config.keepalive_s)
            try:
                await self._rest.request("PUT", _PATH, [("listenKey", key)], weight=2)
            except Bot4Error as exc:
                # A key Binance no longer knows (-1125): get a new one on the next connect.
                log.warning("binance listenKey keep-alive failed: %s", exc)
                if self._ws is not None:
                    await self._ws.close()
                return
