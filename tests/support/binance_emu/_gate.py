"""What Binance checks before it looks at a request: API key, signature, timestamp, rate limits.

Signature (spot "SIGNED (TRADE and USER_DATA) Endpoint security", HMAC keys): the hex
HMAC-SHA256, keyed by the secret, of the query string followed directly by the request body
(no separator), each without its `signature` parameter; compared case-insensitively. Timing:
accepted when `timestamp < serverTime + 1000` and `serverTime - timestamp <= recvWindow`
(default 5000, at most 60000), else -1021.

Limits: request weight in a rolling minute (`X-MBX-USED-WEIGHT-1M`), orders in a rolling 10 s
and day (`X-MBX-ORDER-COUNT-10S`, `-1D`). Over a limit: 429 with `Retry-After`. A request that
arrives while a 429's `Retry-After` is still running bans the IP: 418 with `Retry-After` for the
ban (Binance bans clients that do not back off; this emulator does it on the first such request).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import deque
from decimal import Decimal, InvalidOperation

from aiohttp import web

from tests.support.binance_emu._errors import Reject

# What the middleware parsed once, for the handlers: query and body parameters (the query's win,
# as on Binance) and the raw body (signed as sent).
PARAMS = web.RequestKey("params", dict[str, str])
RAW_BODY = web.RequestKey("raw_body", str)

MAX_RECV_WINDOW_MS = 60_000
DEFAULT_RECV_WINDOW_MS = 5_000


def sign(secret: str, payload: str) -> str:
    """Binance's HMAC-SHA256 signature of a payload (hex)."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _without_signature(raw: str) -> tuple[str, str | None]:
    """`raw` without its signature parameter, and that signature (None if absent)."""
    keep, sig = [], None
    for part in raw.split("&") if raw else []:
        if part.startswith("signature="):
            sig = part[len("signature=") :]
        else:
            keep.append(part)
    return "&".join(keep), sig


def check_key(api_key_header: str | None, api_key: str) -> None:
    if not api_key_header:
        raise Reject(401, -2014, "API-key format invalid.")
    if not hmac.compare_digest(api_key_header, api_key):
        raise Reject(401, -2015, "Invalid API-key, IP, or permissions for action.")


def check_signed(
    raw_query: str, raw_body: str, params: dict[str, str], secret: str, now_ms: int
) -> None:
    """Raise the Reject Binance answers a badly signed or badly timed request with."""
    q, q_sig = _without_signature(raw_query)
    b, b_sig = _without_signature(raw_body)
    sig = q_sig or b_sig
    if not sig:
        raise Reject(
            400,
            -1102,
            "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
        )
    ts_text = params.get("timestamp", "")
    if not ts_text:
        raise Reject(
            400,
            -1102,
            "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
        )
    try:
        ts = int(ts_text)
        window = Decimal(params.get("recvWindow", DEFAULT_RECV_WINDOW_MS))
    except (ValueError, InvalidOperation):
        raise Reject(400, -1100, "Illegal characters found in a parameter.") from None
    if window > MAX_RECV_WINDOW_MS or window <= 0:
        raise Reject(400, -1131, "recvWindow must be less than 60000")
    if not hmac.compare_digest(sign(secret, q + b), sig.lower()):
        raise Reject(400, -1022, "Signature for this request is not valid.")
    if ts >= now_ms + 1000:
        raise Reject(
            400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."
        )
    if now_ms - ts > window:
        raise Reject(400, -1021, "Timestamp for this request is outside of the recvWindow.")


class Limits:
    """Rolling request-weight and order counters, and the 429 -> 418 escalation."""

    def __init__(
        self, *, weight_1m: int, orders_10s: int, orders_1d: int, ban_s: float, escalate: bool
    ) -> None:
        self.weight_1m = weight_1m  # limit of request weight per rolling minute
        self.orders_10s = orders_10s  # limit of new orders per rolling 10 s
        self.orders_1d = orders_1d  # limit of new orders per rolling day
        self.ban_s = ban_s  # length of a ban (418) earned by not backing off
        self.escalate = escalate  # a request during a 429's Retry-After gets banned
        self._weights: deque[tuple[float, int]] = deque()  # (monotonic s, weight)
        self._orders: deque[float] = deque()  # monotonic s of each counted order (a day)
        self.backoff_until = 0.0  # monotonic s: Retry-After of the last 429 runs until then
        self.banned_until = 0.0  # monotonic s: 418 until then

    def reset(self) -> None:
        self._weights.clear()
        self._orders.clear()
        self.backoff_until = self.banned_until = 0.0

    def used_weight(self, now: float) -> int:
        while self._weights and self._weights[0][0] <= now - 60:
            self._weights.popleft()
        return sum(w for _, w in self._weights)

    def order_counts(self, now: float) -> tuple[int, int]:
        while self._orders and self._orders[0] <= now - 86_400:
            self._orders.popleft()
        return sum(1 for t in self._orders if t > now - 10), len(self._orders)

    def ban(self, now: float, seconds: float) -> Reject:
        self.banned_until = max(self.banned_until, now + seconds)
        return self._banned(now)

    def _banned(self, now: float) -> Reject:
        secs = max(1, math.ceil(self.banned_until - now))
        until_ms = int((self.banned_until - now) * 1000)
        return Reject(
            418,
            -1003,
            f"Way too much request weight used; IP banned until +{until_ms} ms. "
            "Please use WebSocket Streams for live updates to avoid bans.",
            {"Retry-After": str(secs)},
        )

    def too_many(
        self, now: float, retry_after: float, code: int, msg: str, *, backoff: bool = True
    ) -> Reject:
        """A 429; with `backoff` (IP limits, not the order limits) early retries get banned."""
        if backoff:
            self.backoff_until = max(self.backoff_until, now + retry_after)
        return Reject(429, code, msg, {"Retry-After": str(max(1, math.ceil(retry_after)))})

    def admit(self, now: float, weight: int) -> None:
        """Count a request's weight; raise the 418/429 Binance would answer instead."""
        if now < self.banned_until:
            raise self._banned(now)
        if self.escalate and now < self.backoff_until:
            raise self.ban(now, self.ban_s)
        self._weights.append((now, weight))
        if self.used_weight(now) > self.weight_1m:
            retry = self._weights[0][0] + 60 - now
            raise self.too_many(
                now,
                retry,
                -1003,
                f"Too much request weight used; current limit is {self.weight_1m} request weight "
                "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling "
                "the API.",
            )

    def count_order(self, now: float) -> None:
        """Count a new order; 429 -1015 past the order-rate limits (not counted then)."""
        n10, n1d = self.order_counts(now)
        if n10 >= self.orders_10s:
            retry = next(t for t in self._orders if t > now - 10) + 10 - now
            raise self.too_many(
                now,
                retry,
                -1015,
                f"Too many new orders; current limit is {self.orders_10s} orders per 10 SECOND.",
                backoff=False,
            )
        if n1d >= self.orders_1d:
            raise self.too_many(
                now,
                self._orders[0] + 86_400 - now,
                -1015,
                f"Too many new orders; current limit is {self.orders_1d} orders per DAY.",
                backoff=False,
            )
        self._orders.append(now)
