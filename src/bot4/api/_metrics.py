"""The node's Prometheus metrics, in a registry of its own.

`NodeMetrics` owns a `CollectorRegistry` (never prometheus-client's global one, so two nodes in
one process — or one test after another — never collide) and offers one method per thing the
node observes. `on_feed_message` caches the labelled child per feed, so each call is a dict
lookup and a locked add, not a `labels()` call that validates and hashes its arguments every
time. `observe_latency_ns` runs several times per market-data batch, so its histogram is a
collector of its own: a bisect into plain int bucket counts (~0.3 µs; prometheus-client's
`Histogram.observe` measured ~2.5 µs here), turned into a histogram family at scrape. It is
not thread-safe: the node observes and is scraped on its one event loop.

"Seconds since the feed's last message" is computed at scrape time from the injected clock, so
a silent feed shows a growing age even though nothing calls the node.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, HistogramMetricFamily, Metric

from bot4.clock import Clock

__all__ = ["BREAKER_STATES", "LATENCY_BUCKETS_S", "TRADING_STATES", "NodeMetrics"]

log = logging.getLogger(__name__)

_NS_PER_S = 1_000_000_000

# Every breaker state a breaker can report; a gauge per state keeps "which state is it in" a
# plain PromQL selector (`bot4_breaker_state{state="OPEN"} == 1`).
BREAKER_STATES = ("CLOSED", "OPEN", "HALF_OPEN", "FORCED_OPEN", "DISABLED", "METRICS_ONLY")
TRADING_STATES = ("ACTIVE", "REDUCING", "HALTED")

# The pipeline budget is < 100 µs end to end and < 10 µs for risk (DESIGN.md), so the buckets
# are dense in microseconds and still reach a second for storage commits.
LATENCY_BUCKETS_S = (
    1e-6,
    2.5e-6,
    5e-6,
    10e-6,
    25e-6,
    50e-6,
    100e-6,
    250e-6,
    500e-6,
    1e-3,
    2.5e-3,
    5e-3,
    10e-3,
    25e-3,
    50e-3,
    100e-3,
    250e-3,
    1.0,
)


class _FeedAge:
    """A collector: seconds since each feed's last message, read from the clock at scrape."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        # feed -> monotonic ns of its last message (or of its registration, before the first).
        self.last_ns: dict[str, int] = {}

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "bot4_feed_seconds_since_last_message",
            "Seconds since the feed's last message (since its start before the first one).",
            labels=["feed"],
        )
        now = self._clock.monotonic_ns()
        for feed, last in sorted(self.last_ns.items()):
            family.add_metric([feed], max(0, now - last) / _NS_PER_S)
        return [family]


class _LatencyHistogram:
    """A collector: `bot4_pipeline_latency_seconds{stage}` from int bucket counts per stage."""

    def __init__(self) -> None:
        self._bounds_ns = [round(b * _NS_PER_S) for b in LATENCY_BUCKETS_S]
        # repr() is prometheus-client's floatToGoString for every bound here (checked in tests)
        self._labels = [repr(b) for b in LATENCY_BUCKETS_S] + ["+Inf"]
        # stage -> [count per bucket (the last one is +Inf)..., sum in ns]
        self.stages: dict[str, list[int]] = {}

    def observe(self, stage: str, ns: int) -> None:
        counts = self.stages.get(stage)
        if counts is None:
            counts = self.stages[stage] = [0] * (len(self._bounds_ns) + 2)
        counts[bisect_left(self._bounds_ns, ns)] += 1
        counts[-1] += ns

    def collect(self) -> Iterable[Metric]:
        family = HistogramMetricFamily(
            "bot4_pipeline_latency_seconds",
            "Latency of each pipeline stage (venue, strategies, submit, journal_commit, ...).",
            labels=["stage"],
        )
        for stage, counts in sorted(self.stages.items()):
            cumulative, buckets = 0, []
            for label, n in zip(self._labels, counts[:-1], strict=True):
                cumulative += n
                buckets.append((label, float(cumulative)))
            family.add_metric([stage], buckets, counts[-1] / _NS_PER_S)
        return [family]


class _ScrapeHooks:
    """A collector that yields nothing: it runs the node's scrape hooks."""

    def __init__(self) -> None:
        self.hooks: list[Callable[[], object]] = []

    def collect(self) -> Iterable[Metric]:
        for hook in self.hooks:
            try:
                hook()
            except Exception:
                log.exception("a metrics scrape hook failed")
        return []


class NodeMetrics:
    """Everything a node reports to Prometheus; the node calls one method per observation."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.registry = CollectorRegistry()
        r = self.registry
        # Registered first: a registry collects in registration order, so hooks run before
        # every other metric is read.
        self._hooks = _ScrapeHooks()
        r.register(self._hooks)
        self._messages = Counter(
            "bot4_feed_messages", "Messages received per feed.", ["feed"], registry=r
        )
        self._reconnects = Counter(
            "bot4_feed_reconnects", "Reconnections per feed.", ["feed"], registry=r
        )
        self._resyncs = Counter(
            "bot4_book_resyncs",
            "Order book resyncs (gap, checksum failure, reconnect).",
            ["feed"],
            registry=r,
        )
        self._orders = Gauge("bot4_orders", "Orders in the OMS by state.", ["state"], registry=r)
        self._denials = Counter(
            "bot4_risk_denials",
            "Orders denied by the risk engine, by reason.",
            ["reason"],
            registry=r,
        )
        self._rejections = Counter(
            "bot4_venue_rejections",
            "Orders rejected by a venue, by reason.",
            ["venue", "reason"],
            registry=r,
        )
        self._breakers = Gauge(
            "bot4_breaker_state",
            "1 for the state each circuit breaker is in, 0 for the others.",
            ["breaker", "state"],
            registry=r,
        )
        self._execution = Gauge(
            "bot4_execution_real_account",
            "1 when the execution venue trades a real-money account, 0 for paper or a testnet.",
            ["venue"],
            registry=r,
        )
        self._trading = Gauge(
            "bot4_trading_state", "1 for the current trading state.", ["state"], registry=r
        )
        self._kills = Counter("bot4_kill_switch_trips", "Kill switch trips.", registry=r)
        self._latency = _LatencyHistogram()
        r.register(self._latency)
        self._queue_depth = Gauge(
            "bot4_storage_queue_depth", "Records waiting in a storage queue.", ["queue"], registry=r
        )
        self._spills = Counter(
            "bot4_storage_spills", "Batches spilled to disk during a database outage.", registry=r
        )
        self._spilled = Counter(
            "bot4_storage_spilled_records", "Records spilled to disk.", registry=r
        )
        self._spill_pending = Gauge(
            "bot4_storage_spill_pending_records",
            "Records in the spill file not yet written to the database.",
            registry=r,
        )
        self._watchdog = Counter(
            "bot4_watchdog_alerts",
            "A feed or strategy went quiet for longer than configured.",
            ["component"],
            registry=r,
        )
        self._feed_age = _FeedAge(clock)
        r.register(self._feed_age)
        # Cached labelled children for the hot-path methods (see the module docstring).
        self._message_child: dict[str, Counter] = {}
        # Order states ever reported, so a state that empties drops to 0 instead of going stale.
        self._order_states: set[str] = set()
        # Totals already reported through sync_feed / sync_storage, to turn totals into deltas.
        self._feed_totals: dict[str, list[int]] = {}  # feed -> [messages, reconnects, resyncs]
        self._storage_totals = [0, 0]  # [spill episodes, rows spilled]
        self.set_trading_state("ACTIVE")

    # -- market data -------------------------------------------------------------------------

    def register_feed(self, feed: str) -> None:
        """Start the feed's silence clock now, so a feed that never speaks shows a growing age."""
        self._feed_age.last_ns.setdefault(feed, self._clock.monotonic_ns())
        for counter in (self._messages, self._reconnects, self._resyncs):
            counter.labels(feed)  # exported as 0 from the start, not only after the first

    def on_feed_message(self, feed: str, count: int = 1) -> None:
        """`count` messages arrived from `feed` (hot path)."""
        child = self._message_child.get(feed)
        if child is None:
            child = self._message_child[feed] = self._messages.labels(feed)
        child.inc(count)
        self._feed_age.last_ns[feed] = self._clock.monotonic_ns()

    def on_reconnect(self, feed: str) -> None:
        self._reconnects.labels(feed).inc()

    def on_book_resync(self, feed: str) -> None:
        self._resyncs.labels(feed).inc()

    def sync_feed(
        self,
        feed: str,
        *,
        messages: int,
        reconnects: int,
        resyncs: int,
        last_message_mono_ns: int | None = None,
    ) -> None:
        """Report a feed's running totals (e.g. from FeedStats / ConnectionStats in a scrape
        hook) instead of calling the `on_*` methods per event; totals never go backwards."""
        seen = self._feed_totals.setdefault(feed, [0, 0, 0])
        for i, (counter, total) in enumerate(
            ((self._messages, messages), (self._reconnects, reconnects), (self._resyncs, resyncs))
        ):
            if total > seen[i]:
                counter.labels(feed).inc(total - seen[i])
                seen[i] = total
        if last_message_mono_ns is not None:
            self._feed_age.last_ns[feed] = last_message_mono_ns
        else:
            self._feed_age.last_ns.setdefault(feed, self._clock.monotonic_ns())

    # -- orders and risk ---------------------------------------------------------------------

    def set_orders_by_state(self, counts: Mapping[str, int]) -> None:
        """Replace the order-state gauge: states seen before and absent now drop to 0."""
        for state in self._order_states - counts.keys():
            self._orders.labels(state).set(0)
        for state, n in counts.items():
            self._orders.labels(state).set(n)
        self._order_states.update(counts)

    def on_risk_denial(self, reason: str) -> None:
        self._denials.labels(reason).inc()

    def on_venue_rejection(self, venue: str, reason: str) -> None:
        self._rejections.labels(venue, reason).inc()

    def set_trading_state(self, state: str) -> None:
        for s in {*TRADING_STATES, state}:
            self._trading.labels(s).set(1 if s == state else 0)

    def on_kill_switch_trip(self) -> None:
        self._kills.inc()

    def set_breaker_state(self, breaker: str, state: str) -> None:
        """Mark `state` as the breaker's current one (an unknown state gets its own series)."""
        for s in {*BREAKER_STATES, state}:
            self._breakers.labels(breaker, s).set(1 if s == state else 0)

    def set_execution(self, venue: str, real_account: bool) -> None:
        """The execution venue (its description) and whether it is a real-money account."""
        self._execution.labels(venue).set(1 if real_account else 0)

    # -- latency, storage, watchdog ----------------------------------------------------------

    def observe_latency_ns(self, stage: str, ns: int) -> None:
        """One measurement of `stage`, in nanoseconds (hot path; the event loop's thread)."""
        self._latency.observe(stage, ns)

    def set_storage_queue_depth(self, depth: int, queue: str = "writer") -> None:
        self._queue_depth.labels(queue).set(depth)

    def on_storage_spill(self, records: int) -> None:
        """A spill episode began (the queue filled up) and `records` went to the disk spill."""
        self._spills.inc()
        self._spilled.inc(records)

    def sync_storage(
        self, *, queue_depth: int, spill_episodes: int, rows_spilled: int, spill_pending: int
    ) -> None:
        """Report the storage writer's totals and gauges (e.g. from WriterStats in a scrape
        hook); totals never go backwards."""
        self.set_storage_queue_depth(queue_depth)
        self._spill_pending.set(spill_pending)
        if spill_episodes > self._storage_totals[0]:
            self._spills.inc(spill_episodes - self._storage_totals[0])
            self._storage_totals[0] = spill_episodes
        if rows_spilled > self._storage_totals[1]:
            self._spilled.inc(rows_spilled - self._storage_totals[1])
            self._storage_totals[1] = rows_spilled

    def add_scrape_hook(self, hook: Callable[[], object]) -> None:
        """Run `hook` at the start of every scrape, before any metric is read: the place to
        copy running totals in with `sync_feed` / `sync_storage` / `set_*`. A hook that raises
        is logged and skipped; the scrape goes on."""
        self._hooks.hooks.append(hook)

    def register_watched(self, component: str) -> None:
        """Export the component's alert count as 0 from the start (rules can use increase())."""
        self._watchdog.labels(component)

    def on_watchdog_alert(self, component: str) -> None:
        self._watchdog.labels(component).inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus text format (what GET /metrics serves)."""
        return generate_latest(self.registry)
