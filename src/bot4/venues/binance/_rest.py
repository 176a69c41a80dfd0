"""`BinanceRest`: Binance's REST API over one aiohttp session, signed, paced and guarded.

Every request: waits until the weight/order budget has room (`RequestBudget`), refuses while an
IP ban (418) lasts, goes through the caller's `CircuitBreaker`, and reads the used-weight and
order-count headers of the answer. SIGNED requests carry `timestamp` (server time: the local
clock plus the offset measured from GET /api/v3/time) and `recvWindow`; a -1021 (timestamp
outside the window) re-measures the offset and retries the request once. A 429 blocks every
request for its `Retry-After` and retries (up to `max_rate_limit_retries`). A 418 bans: the
breaker is forced open for the ban, an alert is logged, and the request fails as a 418.

What counts against the breaker: transport errors, timeouts and 5XX (the exchange is unwell);
an answered 4XX (an order refused, a rate limit) is the exchange working. Outcomes the venue
must not guess at (a timeout, a 5XX) raise; `unknown_outcome(exc)` names them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import msgspec

from bot4.clock import Clock
from bot4.errors import VenueApiError, VenueError
from bot4.resilience import CircuitBreaker
from bot4.venues.binance._budget import RequestBudget
from bot4.venues.binance._config import BinanceConfig
from bot4.venues.binance._secret import Secret
from bot4.venues.binance._signing import Signer, encode_params

__all__ = ["BinanceRest", "RestStats", "unknown_outcome"]

log = logging.getLogger(__name__)

_NS_PER_MS = 1_000_000
_TIMESTAMP_OUTSIDE_WINDOW = -1021
_error = msgspec.json.Decoder(dict[str, Any])


def unknown_outcome(exc: BaseException) -> bool:
    """True when a request may or may not have been executed (timeout, transport, 5XX)."""
    if isinstance(exc, VenueApiError):
        return exc.status >= 500
    return isinstance(exc, VenueError | TimeoutError | aiohttp.ClientError)


class RestStats(msgspec.Struct, kw_only=True):
    """Counters of the REST client (for /metrics)."""

    requests: int = 0  # sent
    waits: int = 0  # requests that waited for the budget
    rate_limited: int = 0  # 429s
    bans: int = 0  # 418s
    time_syncs: int = 0  # server-time measurements
    skew_retries: int = 0  # -1021s retried
    server_errors: int = 0  # 5XX
    transport_errors: int = 0  # timeouts and connection errors


class BinanceRest:
    """Signed, paced REST calls; `start()` opens the session and measures the server time."""

    def __init__(
        self,
        config: BinanceConfig,
        *,
        api_key: Secret,
        api_secret: Secret,
        breaker: CircuitBreaker,
        clock: Clock,
    ) -> None:
        self.config = config
        self.breaker = breaker
        self._clock = clock
        self._api_key = api_key
        self._signer = Signer(api_secret)
        self._base = config.base_url.rstrip("/")
        self.budget = RequestBudget(
            config.weight_limit_1m, config.order_limit_10s, config.limit_margin
        )
        self.offset_ms = 0  # server time - local time, measured by sync_time()
        self.stats = RestStats()
        self._session: aiohttp.ClientSession | None = None
        self._unban: asyncio.TimerHandle | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise VenueError("the Binance REST client is not started")
        return self._session

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.request_timeout_s),
                headers={"X-MBX-APIKEY": self._api_key.reveal()},
            )
        await self.sync_time()

    async def close(self) -> None:
        if self._unban is not None:
            self._unban.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def now_ms(self) -> int:
        """Binance server time now, by the local clock and the measured offset."""
        return self._clock.time_ns() // _NS_PER_MS + self.offset_ms

    def halted(self) -> bool:
        """True while an IP ban lasts: nothing is sent."""
        return self.budget.banned(self.now_ms())

    async def sync_time(self) -> None:
        """Measure the server-time offset (midpoint of the round trip)."""
        before = self._clock.time_ns() // _NS_PER_MS
        body = await self.request("GET", "/api/v3/time", weight=1)
        after = self._clock.time_ns() // _NS_PER_MS
        self.offset_ms = int(body["serverTime"]) - (before + after) // 2
        self.stats.time_syncs += 1
        log.info("binance server time offset %d ms", self.offset_ms)

    # -- requests ------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]] | None = None,
        *,
        signed: bool = False,
        weight: int = 1,
        orders: int = 0,
    ) -> Any:
        """One request; returns the decoded JSON body. Raises VenueApiError for an error answer,
        VenueError for transport failures and timeouts, CircuitOpenError when the breaker
        refuses."""
        raw = await self.request_raw(
            method, path, params, signed=signed, weight=weight, orders=orders
        )
        return msgspec.json.decode(raw) if raw else None

    async def request_raw(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]] | None = None,
        *,
        signed: bool = False,
        weight: int = 1,
        orders: int = 0,
    ) -> bytes:
        """As `request`, but the body undecoded (for typed decoders)."""
        params = params or []
        resynced = False
        limited = 0
        while True:
            await self._pace(weight, orders)
            status, headers, body = await self._send(method, path, params, signed)
            if status == 429:
                limited += 1
                self._rate_limited(headers)
                if limited > self.config.max_rate_limit_retries:
                    raise self._api_error(status, body)
                continue
            if status == 418:
                self._banned(headers)
                raise self._api_error(status, body)
            if status >= 400:
                error = self._api_error(status, body)
                if error.code == _TIMESTAMP_OUTSIDE_WINDOW and signed and not resynced:
                    resynced = True
                    self.stats.skew_retries += 1
                    log.warning("binance -1021 (clock skew): re-measuring server time")
                    await self.sync_time()
                    continue
                raise error
            return body

    async def _pace(self, weight: int, orders: int) -> None:
        budget = self.budget
        while True:
            now = self.now_ms()
            if budget.banned(now):
                raise VenueApiError(
                    418, 0, f"halted: IP banned by Binance for {budget.banned_until_ms - now} ms"
                )
            wait = budget.wait_ms(now, weight, orders)
            if wait <= 0:
                budget.reserve(now, weight, orders)
                return
            self.stats.waits += 1
            await asyncio.sleep(wait / 1000)

    async def _send(
        self, method: str, path: str, params: list[tuple[str, str]], signed: bool
    ) -> tuple[int, Any, bytes]:
        if signed:
            params = [
                *params,
                ("recvWindow", str(self.config.recv_window_ms)),
                ("timestamp", str(self.now_ms())),
            ]
        payload = encode_params(params)
        if signed:
            payload = f"{payload}&signature={self._signer.signature(payload)}"
        url = self._base + path
        data: str | None = None
        if method in ("POST", "PUT") and payload:
            data = payload
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        else:
            url = f"{url}?{payload}" if payload else url
            headers = {}
        session = self.session
        self.stats.requests += 1
        async with self.breaker.acquire():
            try:
                async with session.request(method, url, data=data, headers=headers) as resp:
                    body = await resp.read()
                    status = resp.status
                    resp_headers = resp.headers
            except (TimeoutError, aiohttp.ClientError) as exc:
                self.stats.transport_errors += 1
                # The URL is safe to show (no key in it); the exception text may not be needed.
                raise VenueError(f"{method} {path}: {type(exc).__name__}") from exc
            self._observe(resp_headers)
            if status >= 500:
                self.stats.server_errors += 1
                raise self._api_error(status, body)
        return status, resp_headers, body

    # -- answers -------------------------------------------------------------------------------

    def _observe(self, headers: Any) -> None:
        def num(name: str) -> int | None:
            value = headers.get(name)
            return int(value) if value is not None and str(value).isdigit() else None

        self.budget.observe(
            self.now_ms(), num("X-MBX-USED-WEIGHT-1M"), num("X-MBX-ORDER-COUNT-10S")
        )

    def _retry_after_ms(self, headers: Any, default_s: int) -> int:
        value = headers.get("Retry-After")
        seconds = int(value) if value is not None and str(value).isdigit() else default_s
        return seconds * 1000

    def _rate_limited(self, headers: Any) -> None:
        self.stats.rate_limited += 1
        wait = self._retry_after_ms(headers, 1)
        self.budget.block(self.now_ms() + wait)
        log.warning("binance 429: backing off %d ms as Retry-After says", wait)

    def _banned(self, headers: Any) -> None:
        self.stats.bans += 1
        wait = self._retry_after_ms(headers, 120)
        self.budget.ban(self.now_ms() + wait)
        self.breaker.force_open(f"binance 418: IP banned for {wait / 1000:.0f} s")
        log.error("ALERT binance 418: IP banned for %.0f s; the venue is halted", wait / 1000)
        if self._unban is not None:
            self._unban.cancel()
        self._unban = asyncio.get_running_loop().call_later(wait / 1000, self._ban_over)

    def _ban_over(self) -> None:
        self._unban = None
        self.breaker.reset("binance ban over")
        log.warning("binance ban over: the venue may send again")

    @staticmethod
    def _api_error(status: int, body: bytes) -> VenueApiError:
        try:
            doc = _error.decode(body)
            return VenueApiError(status, int(doc.get("code", 0)), str(doc.get("msg", "")))
        except (msgspec.DecodeError, ValueError, TypeError):
            return VenueApiError(status, 0, body[:200].decode("utf-8", "replace"))
