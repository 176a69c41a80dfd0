"""`Notifier`: the node's events in, one `SinkSender` per configured sink out.

The `on_*` methods are called synchronously by the node (OMS order events, kill-switch and
breaker subscribers) and only format and queue: they never wait and never raise into the
node. A kill switch may trip on another thread (the control API, a storage worker), so a
notice published off the event loop's thread is handed over with `call_soon_threadsafe`.

Daily PnL: a task looks at the node's clock once a second and, when the UTC day changes, sends
the PnL of the day that ended; `close()` sends the PnL at stop, flushes for at most
`flush_timeout_s`, then stops the tasks and counts what was left as failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType

import aiohttp
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, Metric

from bot4.clock import Clock
from bot4.errors import ConfigError
from bot4.model import Instrument, InstrumentId, OrderFilled
from bot4.notify._notice import (
    Notice,
    breaker_notice,
    fill_notice,
    kill_notice,
    pnl_notice,
    reconciliation_notice,
)
from bot4.notify._sender import SinkSender
from bot4.notify._sinks import Sink, TelegramSink, WebhookSink
from bot4.notify.config import NotificationsConfig
from bot4.resilience import CircuitBreaker, CircuitEvent, CircuitEventKind, CircuitState
from bot4.risk import KillSwitchReset, KillSwitchTripped

__all__ = ["Notifier", "PnlSource"]

log = logging.getLogger("bot4.notify")

_NS_PER_DAY = 86_400 * 1_000_000_000
_DAY_CHECK_S = 1.0  # how often the daily-PnL task reads the clock
_FLUSH_POLL_S = 0.02

PnlSource = Callable[[], tuple[str, str, str]]  # realized, unrealized, total (decimal strings)


def _utc_date(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()


class Notifier:
    """Notifications of one node (see the module docstring); an async context manager."""

    def __init__(
        self,
        config: NotificationsConfig,
        *,
        clock: Clock,
        instruments: Mapping[InstrumentId, Instrument] | None = None,
        pnl: PnlSource | None = None,
        environ: Mapping[str, str] | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        """Raises ConfigError when a sink's secret is missing from the environment."""
        self.config = config
        self._clock = clock
        self._instruments = dict(instruments or {})
        self._pnl = pnl
        self._events = frozenset(config.events)
        env = os.environ if environ is None else environ
        self.senders: dict[str, SinkSender] = {
            sink.name: self._sender(sink) for sink in _sinks(config, env)
        }
        self._day: int | None = None  # the UTC day of the last daily-PnL look
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0  # the event loop's thread, once started
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        if registry is not None:
            registry.register(_Collector(self))

    def _sender(self, sink: Sink) -> SinkSender:
        cfg = self.config
        rate = cfg.telegram_per_s if sink.name == "telegram" else cfg.webhook_per_s
        return SinkSender(
            sink, rate_per_s=rate, burst=cfg.burst, queue_size=cfg.queue_size,
            max_per_message=cfg.max_per_message, breaker_open_s=cfg.breaker_open_s,
            now_ns=_loop_ns,
        )  # fmt: skip

    @property
    def breakers(self) -> dict[str, CircuitBreaker]:
        """Each sink's breaker, by its name (`notify-webhook`, `notify-telegram`)."""
        return {s.breaker.name: s.breaker for s in self.senders.values()}

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Open the HTTP session and start one drain task per sink (and the daily-PnL task)."""
        if self._session is not None or not self.senders:
            return
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        self._session = session = aiohttp.ClientSession(timeout=timeout)
        self._tasks = [asyncio.create_task(s.run(session)) for s in self.senders.values()]
        if self._pnl is not None and "daily_pnl" in self._events:
            self._day = self._clock.time_ns() // _NS_PER_DAY
            self._tasks.append(asyncio.create_task(self._daily()))

    async def close(self) -> None:
        """PnL at stop, a bounded flush, then tasks and session closed (idempotent)."""
        if self._closed:
            return
        self._closed = True
        session = self._session
        if session is None:
            return
        if self._pnl is not None and "daily_pnl" in self._events:
            day = self._clock.time_ns() // _NS_PER_DAY
            self._put(pnl_notice(f"PnL at stop ({_utc_date(day)} UTC)", self._pnl(), self._now()))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.config.flush_timeout_s):
                # Polled: "idle" also turns true by time alone (a breaker's open state).
                while not all(s.idle for s in self.senders.values()):  # noqa: ASYNC110
                    await asyncio.sleep(_FLUSH_POLL_S)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await session.close()
        for sender in self.senders.values():
            left = sender.abandon()
            if left:
                log.warning("notify %s: %d notifications not delivered at stop", sender.name, left)

    async def __aenter__(self) -> Notifier:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- events in (never wait, never raise into the caller) ------------------------------------
    def on_fill(self, event: OrderFilled) -> None:
        if "fill" in self._events:
            inst = self._instruments.get(event.instrument_id)
            self.publish(fill_notice(event, inst, self._now()))

    def on_kill_event(self, event: object) -> None:
        if "kill_switch" in self._events and isinstance(event, KillSwitchTripped | KillSwitchReset):
            self.publish(kill_notice(event))

    def on_breaker_event(self, event: object) -> None:
        """Only trips: a breaker's move to OPEN (rejections and recoveries are metrics)."""
        if (
            "breaker" in self._events
            and isinstance(event, CircuitEvent)
            and event.kind is CircuitEventKind.STATE_CHANGED
            and event.to_state is CircuitState.OPEN
        ):
            self.publish(breaker_notice(event, self._now()))

    def reconciliation(self, text: str) -> None:
        """A difference the reconciler found (venue vs journal/OMS), in its words."""
        if "reconciliation" in self._events:
            self.publish(reconciliation_notice(text, self._now()))

    def publish(self, notice: Notice) -> None:
        """Queue `notice` for every sink, from any thread."""
        if not self.senders or self._closed:
            return
        loop = self._loop
        if loop is not None and threading.get_ident() != self._thread:
            loop.call_soon_threadsafe(self._put, notice)
        else:
            self._put(notice)

    def _put(self, notice: Notice) -> None:
        for sender in self.senders.values():
            sender.put(notice)

    def _now(self) -> int:
        return self._clock.time_ns()

    async def _daily(self) -> None:
        pnl = self._pnl
        assert pnl is not None, "the daily task runs only with a PnL source"  # nosec B101
        while True:
            await asyncio.sleep(_DAY_CHECK_S)
            self.check_day(pnl)

    def check_day(self, pnl: PnlSource) -> None:
        """Send the day's PnL if the node's clock has entered a new UTC day since last look."""
        day = self._clock.time_ns() // _NS_PER_DAY
        if self._day is not None and day > self._day:
            label = f"DAILY PnL {_utc_date(self._day)} UTC"
            self._put(pnl_notice(label, pnl(), self._now()))
        self._day = day


def _loop_ns() -> int:
    return round(asyncio.get_running_loop().time() * 1e9)


def _sinks(config: NotificationsConfig, env: Mapping[str, str]) -> Iterable[Sink]:
    if config.webhook_url is not None:
        secret = None
        if config.webhook_secret_env is not None:
            secret = env.get(config.webhook_secret_env) or None
            if secret is None:
                raise ConfigError(
                    f"notifications.webhook_secret_env names {config.webhook_secret_env}, "
                    "which is not set in the environment"
                )
        yield WebhookSink(config.webhook_url, secret)
    if config.telegram_chat_id is not None:
        token = env.get(config.telegram_token_env)
        if not token:
            raise ConfigError(
                "notifications.telegram_chat_id is set but the environment variable "
                f"{config.telegram_token_env} (notifications.telegram_token_env) is not"
            )
        yield TelegramSink(token, config.telegram_chat_id, config.telegram_base_url)


class _Collector:
    """`bot4_notifications_{sent,dropped,failed}_total{sink}` read from the senders at scrape."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def collect(self) -> Iterable[Metric]:
        helps = {
            "sent": "Notifications a sink took.",
            "dropped": "Notifications dropped because a sink's queue was full.",
            "failed": "Notifications a sink did not take (or still queued at stop).",
        }
        for what, text in helps.items():
            family = CounterMetricFamily(f"bot4_notifications_{what}", text, labels=["sink"])
            for name, sender in sorted(self._notifier.senders.items()):
                family.add_metric([name], getattr(sender, what))
            yield family
