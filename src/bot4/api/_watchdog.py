"""The watchdog: "running but not trading" made visible.

Components (a feed, a strategy) `beat` when they show life; `check`, called about once a second
by the node, finds those silent for longer than their limit. Each quiet episode is logged once
(a warning when it starts, an info line when it ends) and counted once in the metrics; while it
lasts, `quiet()` lists it for `GET /status`. Time comes from the injected clock, so a test moves
a `TestClock` instead of sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot4.api._control import QuietView
from bot4.clock import Clock

__all__ = ["Watchdog"]

log = logging.getLogger(__name__)

_NS_PER_S = 1_000_000_000


@dataclass(slots=True)
class _Watched:
    limit_ns: int
    last_ns: int  # monotonic ns of the last beat (or of `watch`, before the first)
    alerted: bool = False  # inside a quiet episode (already logged and counted)


class Watchdog:
    """Per component: the last sign of life and whether a quiet episode is under way."""

    def __init__(
        self,
        clock: Clock,
        on_alert: Callable[[str], object] | None = None,
        on_watch: Callable[[str], object] | None = None,
    ) -> None:
        self._clock = clock
        self._on_alert = on_alert  # called once per episode with the component name
        self._on_watch = on_watch  # called when a component starts being watched
        self._watched: dict[str, _Watched] = {}
        self.alerts = 0  # episodes so far

    def watch(self, component: str, limit_s: float) -> None:
        """Start watching `component` now (a component that never beats goes quiet too)."""
        self._watched[component] = _Watched(round(limit_s * _NS_PER_S), self._clock.monotonic_ns())
        if self._on_watch is not None:
            self._on_watch(component)

    def beat(self, component: str, now_ns: int | None = None) -> None:
        """`component` showed life (cheap: callers on the hot path pass `now_ns`)."""
        w = self._watched.get(component)
        if w is not None:
            w.last_ns = self._clock.monotonic_ns() if now_ns is None else now_ns

    def check(self) -> list[str]:
        """Start and end episodes; the components that went quiet in this call."""
        now = self._clock.monotonic_ns()
        started: list[str] = []
        for name, w in self._watched.items():
            silent = now - w.last_ns
            if silent > w.limit_ns and not w.alerted:
                w.alerted = True
                self.alerts += 1
                started.append(name)
                log.warning(
                    "watchdog: %s quiet for %.1f s (limit %.1f s)",
                    name,
                    silent / _NS_PER_S,
                    w.limit_ns / _NS_PER_S,
                )
                if self._on_alert is not None:
                    self._on_alert(name)
            elif silent <= w.limit_ns and w.alerted:
                w.alerted = False
                log.info("watchdog: %s is alive again", name)
        return started

    def quiet(self) -> list[QuietView]:
        """The components inside a quiet episode (as of the last `check`)."""
        now = self._clock.monotonic_ns()
        return [
            {
                "component": name,
                "quiet_s": round((now - w.last_ns) / _NS_PER_S, 3),
                "limit_s": w.limit_ns / _NS_PER_S,
            }
            for name, w in sorted(self._watched.items())
            if w.alerted
        ]
