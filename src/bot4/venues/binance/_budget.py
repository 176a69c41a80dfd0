"""`RequestBudget`: Binance's request-weight and order-count limits, kept with a margin.

Binance counts in fixed windows of server time (the minute for REQUEST_WEIGHT, ten seconds for
ORDERS) and reports the count after every request in `X-MBX-USED-WEIGHT-1M` and
`X-MBX-ORDER-COUNT-10S`. The budget takes those headers as the truth for the current window,
adds what it has sent since (requests in flight are not in any header yet), and says how long to
wait before the next request so that the count never passes `limit * (1 - margin)`. A 429's
`Retry-After` blocks every request until then; a 418 is a ban (the venue halts until it ends).

Pure: times are server-time milliseconds passed in, so it is tested without a clock or a socket.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RequestBudget", "Window"]


@dataclass(slots=True)
class Window:
    """One fixed counting window of Binance's."""

    length_ms: int  # 60_000 (weight) or 10_000 (orders)
    cap: int  # the most we let the count reach: limit * (1 - margin), at least 1
    start_ms: int = 0  # server time the current window began (a multiple of length_ms)
    used: int = 0  # the count in the current window: header value plus our sends since

    def roll(self, now_ms: int) -> None:
        start = now_ms - now_ms % self.length_ms
        if start != self.start_ms:
            self.start_ms = start
            self.used = 0

    def wait_ms(self, now_ms: int, cost: int) -> int:
        """0 when `cost` fits now; else the time until the next window begins."""
        self.roll(now_ms)
        if cost == 0 or self.used + cost <= self.cap:
            return 0
        return self.start_ms + self.length_ms - now_ms

    def observe(self, now_ms: int, count: int) -> None:
        """A header's count for the window that contains `now_ms` (never lowers our count:
        requests sent after the one that carried it are counted on top)."""
        self.roll(now_ms)
        self.used = max(self.used, count)


class RequestBudget:
    """Weight and order counts against their caps, and the 429 / 418 blocks."""

    __slots__ = ("banned_until_ms", "blocked_until_ms", "orders", "weight")

    def __init__(self, weight_limit_1m: int, order_limit_10s: int, margin: float) -> None:
        self.weight = Window(60_000, max(1, int(weight_limit_1m * (1 - margin))))
        self.orders = Window(10_000, max(1, int(order_limit_10s * (1 - margin))))
        self.blocked_until_ms = 0  # a 429's Retry-After: nothing is sent before
        self.banned_until_ms = 0  # a 418's ban: the venue is halted before

    def wait_ms(self, now_ms: int, weight: int, orders: int = 0) -> int:
        """How long to wait before sending a request of this cost (0: send now).

        A ban is not waited out here: the caller refuses the request (`banned`).
        """
        blocked = max(0, self.blocked_until_ms - now_ms)
        return max(
            blocked, self.weight.wait_ms(now_ms, weight), self.orders.wait_ms(now_ms, orders)
        )

    def reserve(self, now_ms: int, weight: int, orders: int = 0) -> None:
        """Count a request about to be sent (call only when `wait_ms` said 0)."""
        self.weight.roll(now_ms)
        self.orders.roll(now_ms)
        self.weight.used += weight
        self.orders.used += orders

    def observe(self, now_ms: int, used_weight: int | None, order_count: int | None) -> None:
        """The counts a response's headers reported (None: the header was absent)."""
        if used_weight is not None:
            self.weight.observe(now_ms, used_weight)
        if order_count is not None:
            self.orders.observe(now_ms, order_count)

    def block(self, until_ms: int) -> None:
        """A 429: send nothing before `until_ms`."""
        self.blocked_until_ms = max(self.blocked_until_ms, until_ms)

    def ban(self, until_ms: int) -> None:
        """A 418: the IP is banned until `until_ms`."""
        self.banned_until_ms = max(self.banned_until_ms, until_ms)
        self.block(until_ms)

    def banned(self, now_ms: int) -> bool:
        return now_ms < self.banned_until_ms
