"""What an operator sees of a running node besides its state: metrics, watchdog, `why`.

`NodeOps` owns the node's Prometheus metrics (fed on the hot path for latencies and counts,
and by a scrape hook for totals and states), the watchdog over the feed and each strategy,
the recent rejections per instrument (`bot4 status --why`), the breaker events kept for the
report, and the count of orders that ended, by final state. Everything it keeps is bounded.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bot4.api import NodeMetrics, Watchdog
from bot4.engine._views import RecentRejections
from bot4.notify import NotificationsConfig, Notifier, PnlSource
from bot4.oms import (
    OPEN_STATUSES,
    Order,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderStatus,
)
from bot4.risk import KillSwitchTripped

if TYPE_CHECKING:
    from bot4.clock import Clock
    from bot4.engine._node import TradingNode
    from bot4.model import Instrument, InstrumentId

__all__ = ["MAX_BREAKER_EVENTS", "NodeOps"]

MAX_BREAKER_EVENTS = 1000  # kept for the report; older ones are dropped (and counted)
_TERMINAL_EVENTS = (OrderDenied, OrderRejected, OrderCanceled, OrderExpired, OrderFilled)


class NodeOps:
    """Metrics, watchdog and recent history of one node (see the module docstring)."""

    def __init__(self, clock: Clock, feed: str, strategy_ids: Iterable[str]) -> None:
        self._clock = clock
        self.feed = feed  # the feed's name in the metrics ("binance")
        self.metrics = NodeMetrics(clock)
        self.watchdog = Watchdog(
            clock, self.metrics.on_watchdog_alert, self.metrics.register_watched
        )
        self.recent_rejections = RecentRejections()
        self._feed_component = f"feed:{feed}"
        self._strategy_component = {sid: f"strategy:{sid}" for sid in strategy_ids}
        self.feed_last_ns: int | None = None  # monotonic ns of the last market-data batch
        self._breaker_events: deque[dict[str, Any]] = deque(maxlen=MAX_BREAKER_EVENTS)
        self.breaker_events_dropped = 0
        self.terminal_orders: Counter[str] = Counter()  # orders that ended, by final state
        self.notifier: Notifier | None = None  # set by notify() when a sink is configured

    def notify(
        self,
        config: NotificationsConfig,
        instruments: Mapping[InstrumentId, Instrument],
        pnl: PnlSource,
    ) -> Notifier:
        """The node's notifier (an async context manager: enter at start, exit at stop); events
        reach it only when a sink is configured, so without one the hot path pays nothing."""
        notifier = Notifier(
            config, clock=self._clock, instruments=instruments, pnl=pnl,
            registry=self.metrics.registry,
        )  # fmt: skip
        self.notifier = notifier if notifier.senders else None
        return notifier

    def watch(self, feed_quiet_s: float, strategy_quiet_s: float) -> None:
        """Start the watchdog's and the feed age's clocks (at the start of a run)."""
        self.watchdog.watch(self._feed_component, feed_quiet_s)
        self.metrics.register_feed(self.feed)
        for component in self._strategy_component.values():
            self.watchdog.watch(component, strategy_quiet_s)

    # -- events --------------------------------------------------------------------------------
    def on_feed_batch(self, now_ns: int) -> None:
        self.feed_last_ns = now_ns
        self.watchdog.beat(self._feed_component, now_ns)

    def on_decision(self, strategy_id: str) -> None:
        self.watchdog.beat(self._strategy_component.get(strategy_id, ""))

    def on_order(self, order: Order, event: OrderEvent) -> None:
        if isinstance(event, OrderDenied):
            self.metrics.on_risk_denial(event.reason)
            self.recent_rejections.add(order, "risk", event.reason, event.detail, event.ts_event)
        elif isinstance(event, OrderRejected):
            self.metrics.on_venue_rejection("paper", event.reason)
            self.recent_rejections.add(order, "venue", event.reason, "", event.ts_event)
        # Each order gets one terminal event (a late fill after a cancel keeps CANCELED).
        if (
            isinstance(event, _TERMINAL_EVENTS)
            and order.status not in OPEN_STATUSES
            and not (isinstance(event, OrderFilled) and order.status is not OrderStatus.FILLED)
        ):
            self.terminal_orders[order.status.name] += 1
        if self.notifier is not None and isinstance(event, OrderFilled):
            self.notifier.on_fill(event)

    def on_breaker_event(self, event: object) -> None:
        if len(self._breaker_events) == MAX_BREAKER_EVENTS:
            self.breaker_events_dropped += 1
        self._breaker_events.append({"event": str(event), "ts_ns": self._clock.time_ns()})
        if self.notifier is not None:
            self.notifier.on_breaker_event(event)

    @property
    def breaker_events(self) -> list[dict[str, Any]]:
        """The latest breaker transitions, oldest first (at most MAX_BREAKER_EVENTS)."""
        return list(self._breaker_events)

    def on_kill_event(self, event: object) -> None:
        if isinstance(event, KillSwitchTripped):
            self.metrics.on_kill_switch_trip()
        if self.notifier is not None:
            self.notifier.on_kill_event(event)

    # -- scrape --------------------------------------------------------------------------------
    def sync(self, node: TradingNode) -> None:
        """Scrape hook: copy the node's running totals and states into the metrics."""
        m = self.metrics
        conn = node.conn
        m.sync_feed(
            self.feed,
            messages=0 if conn is None else conn.stats.frames,
            reconnects=0 if conn is None else max(0, conn.stats.connects - 1),
            resyncs=node.handler.stats.resyncs,
            last_message_mono_ns=self.feed_last_ns,
        )
        states = Counter(self.terminal_orders)
        if node.oms is not None:
            states.update(o.status.name for o in node.oms.open_orders())
        m.set_orders_by_state(states)
        for name, state in node.control.breaker_states().items():  # the global one too
            m.set_breaker_state(name, state)
        execution = node.control.execution()
        m.set_execution(execution["description"], execution["real_account"])
        m.set_trading_state(node.risk.trading_state.name)
        if node.storage is not None:
            ws = node.storage.writer.stats
            m.sync_storage(
                queue_depth=ws.queued_rows,
                spill_episodes=ws.backpressure_episodes,
                rows_spilled=ws.rows_spilled,
                spill_pending=ws.spilled_pending_rows,
            )
            journal = node.storage.journal
            m.set_storage_queue_depth(len(journal) - journal.committed_seq, "journal")
