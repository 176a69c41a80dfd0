"""Jittered exponential backoff for reconnects, seeded so tests see the same delays every run."""

from __future__ import annotations

import random

from bot4.errors import FeedConfigError

__all__ = ["Backoff"]


class Backoff:
    """Delays `initial_s * factor**n` capped at `max_s`, drawn in [cap/2, cap] ("equal jitter").

    The jitter spreads the reconnects of many clients after an exchange outage (so they do not
    all hit it in the same millisecond); the lower half-bound keeps a delay from collapsing to
    zero. `reset()` after a connection proved healthy starts again from `initial_s`.
    """

    __slots__ = ("attempts", "factor", "initial_s", "max_s", "rng")

    def __init__(
        self, initial_s: float, max_s: float, factor: float, rng: random.Random | None = None
    ) -> None:
        if not 0 < initial_s <= max_s or factor < 1:
            raise FeedConfigError(
                f"bad backoff: initial {initial_s}s, max {max_s}s, factor {factor}"
            )
        self.initial_s = initial_s
        self.max_s = max_s
        self.factor = factor
        # Jitter only, never a security use of random.
        self.rng = rng or random.Random(0)  # nosec B311
        self.attempts = 0  # delays handed out since the last reset

    def cap_s(self) -> float:
        """The upper bound of the next delay."""
        return min(self.max_s, self.initial_s * self.factor ** min(self.attempts, 64))

    def next_delay_s(self) -> float:
        cap = self.cap_s()
        self.attempts += 1
        return cap / 2 + self.rng.random() * cap / 2

    def reset(self) -> None:
        self.attempts = 0
