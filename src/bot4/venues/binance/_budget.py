"""`RequestBudget`: Binance's request-weight and order-count limits, kept with a margin.

Binance reports the count after every request in `X-MBX-USED-WEIGHT-1M` and
`X-MBX-ORDER-COUNT-10S`. Whether its windows are fixed (reset on the minute) or rolling, this
count never passes the cap: every request we send is counted for a full window length after it
was sent (rolling: right for a rolling window, early-safe for a fixed one), and a header's count
holds for a full window after it was read, plus what we sent since. The budget says how long to
wait before the next request so the count stays at most `limit * (1 - margin)`. A 429's
`Retry-After` blocks every request until then; a 418 is a ban (the venue halts until it ends).

Pure: times are server-time milliseconds passed in, so it is tested without a clock or a socket.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["RequestBudget", "Window"]


@dataclass(slots=True)
class Window:
    """One limit: our sends within the last `length_ms`, and the latest header's count."""

    length_ms: int  # 60_000 (weight) or 10_000 (orders)
    cap: int  # the most we let the count reach: limit * (1 - margin), at least 1
    sends: deque[tuple[int, int]] = field(default_factory=deque)  # (sent ms, cost), oldest first
    sent: int = 0  # sum of the costs in `sends`
    header: int = 0  # the latest header's count (0: none, or expired)
    header_ms: int = 0  # when it was read; it holds until header_ms + length_ms

    def used(self, now_ms: int) -> int:
        """The count as far as we can know it: the header's plus our sends since, or our sends
        of the last window, whichever is more."""
        sends = self.sends
        horizon = now_ms - self.length_ms
        while sends and sends[0][0] <= horizon:
            self.sent -= sends.popleft()[1]
        if self.header and self.header_ms <= horizon:
            self.header = 0
        if not self.header:
            return self.sent
        since = sum(c for t, c in sends if t > self.header_ms)
        return max(self.sent, self.header + since)

    def wait_ms(self, now_ms: int, cost: int) -> int:
        """0 when `cost` fits now; else the time until the next count leaves the window."""
        if cost == 0 or self.used(now_ms) + cost <= self.cap:
            return 0
        expiries = [self.sends[0][0] + self.length_ms] if self.sends else []
        if self.header:
            expiries.append(self.header_ms + self.length_ms)
        return max(1, min(expiries) - now_ms) if expiries else 1

    def reserve(self, now_ms: int, cost: int) -> None:
        if cost:
            self.sends.append((now_ms, cost))
            self.sent += cost

    def observe(self, now_ms: int, count: int) -> None:
        """A header's count, read at `now_ms`."""
        self.header = count
        self.header_ms = now_ms


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
        self.weight.reserve(now_ms, weight)
        self.orders.reserve(now_ms, orders)

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
