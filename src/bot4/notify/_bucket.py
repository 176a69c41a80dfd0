"""`TokenBucket`: how a sink keeps under its rate (Telegram allows about 1 message/s per chat).

Pure arithmetic on the times it is given, so it is tested with numbers. The sender feeds it the
event loop's monotonic time, not the node's clock: the limit is the receiver's, in real
seconds, also when the node runs on a simulated clock.
"""

from __future__ import annotations

__all__ = ["TokenBucket"]

_NS_PER_S = 1_000_000_000


class TokenBucket:
    """`burst` tokens refilled at `rate_per_s`; one message spends one token."""

    __slots__ = ("_capacity", "_last_ns", "_per_token_ns", "_tokens_ns")

    def __init__(self, rate_per_s: float, burst: int, now_ns: int) -> None:
        assert rate_per_s > 0 and burst >= 1, "a bucket needs a rate > 0 and a burst >= 1"  # nosec B101
        self._per_token_ns = max(1, round(_NS_PER_S / rate_per_s))  # ns to earn one token
        # Tokens are kept as ns of credit (integers: no float drift over a long run).
        self._capacity = burst * self._per_token_ns
        self._tokens_ns = self._capacity  # starts full
        self._last_ns = now_ns

    def _refill(self, now_ns: int) -> None:
        if now_ns > self._last_ns:
            self._tokens_ns = min(self._capacity, self._tokens_ns + now_ns - self._last_ns)
            self._last_ns = now_ns

    def delay_s(self, now_ns: int) -> float:
        """Seconds until a token is available (0.0: now)."""
        self._refill(now_ns)
        return max(0, self._per_token_ns - self._tokens_ns) / _NS_PER_S

    def take(self, now_ns: int) -> bool:
        """Spend a token if one is available; False (nothing spent) otherwise."""
        self._refill(now_ns)
        if self._tokens_ns < self._per_token_ns:
            return False
        self._tokens_ns -= self._per_token_ns
        return True
