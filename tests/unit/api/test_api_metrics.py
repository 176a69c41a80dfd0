"""NodeMetrics: every family the issue lists appears in the exposition with the right values."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.utils import floatToGoString

from bot4.api import NodeMetrics
from bot4.api._metrics import LATENCY_BUCKETS_S
from bot4.clock import TestClock


def samples(metrics: NodeMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_feeds_messages_age_reconnects_resyncs() -> None:
    clock = TestClock()
    m = NodeMetrics(clock)
    m.register_feed("kraken")
    clock.advance(2)
    m.on_feed_message("binance")
    m.on_feed_message("binance", 4)
    clock.advance(1.5)
    m.on_reconnect("binance")
    m.on_book_resync("binance")
    s = samples(m)
    assert s[("bot4_feed_messages_total", (("feed", "binance"),))] == 5
    assert s[("bot4_feed_messages_total", (("feed", "kraken"),))] == 0
    assert s[("bot4_feed_reconnects_total", (("feed", "kraken"),))] == 0  # from registration on
    assert s[("bot4_book_resyncs_total", (("feed", "kraken"),))] == 0
    age = "bot4_feed_seconds_since_last_message"
    assert s[(age, (("feed", "binance"),))] == 1.5
    assert s[(age, (("feed", "kraken"),))] == 3.5  # silent since it was registered
    assert s[("bot4_feed_reconnects_total", (("feed", "binance"),))] == 1
    assert s[("bot4_book_resyncs_total", (("feed", "binance"),))] == 1


def test_orders_by_state_drop_to_zero_when_gone() -> None:
    m = NodeMetrics(TestClock())
    m.set_orders_by_state({"ACCEPTED": 3, "PARTIALLY_FILLED": 1})
    m.set_orders_by_state({"ACCEPTED": 2})
    s = samples(m)
    assert s[("bot4_orders", (("state", "ACCEPTED"),))] == 2
    assert s[("bot4_orders", (("state", "PARTIALLY_FILLED"),))] == 0


def test_risk_venue_trading_state_kill_and_breakers() -> None:
    m = NodeMetrics(TestClock())
    m.on_risk_denial("PRICE_COLLAR")
    m.on_risk_denial("PRICE_COLLAR")
    m.on_venue_rejection("paper", "POST_ONLY_WOULD_TAKE")
    m.set_trading_state("HALTED")
    m.on_kill_switch_trip()
    m.set_breaker_state("binance-ws", "OPEN")
    m.set_breaker_state("storage", "SOMETHING_NEW")
    s = samples(m)
    assert s[("bot4_risk_denials_total", (("reason", "PRICE_COLLAR"),))] == 2
    venue = (("reason", "POST_ONLY_WOULD_TAKE"), ("venue", "paper"))
    assert s[("bot4_venue_rejections_total", venue)] == 1
    assert s[("bot4_trading_state", (("state", "HALTED"),))] == 1
    assert s[("bot4_trading_state", (("state", "ACTIVE"),))] == 0
    assert s[("bot4_kill_switch_trips_total", ())] == 1
    assert s[("bot4_breaker_state", (("breaker", "binance-ws"), ("state", "OPEN")))] == 1
    assert s[("bot4_breaker_state", (("breaker", "binance-ws"), ("state", "CLOSED")))] == 0
    assert s[("bot4_breaker_state", (("breaker", "storage"), ("state", "SOMETHING_NEW")))] == 1


def test_latency_histogram_storage_and_watchdog() -> None:
    m = NodeMetrics(TestClock())
    m.observe_latency_ns("risk", 3_000)  # 3 µs
    m.observe_latency_ns("risk", 40_000)  # 40 µs
    m.set_storage_queue_depth(17)
    m.on_storage_spill(250)
    m.on_watchdog_alert("feed:binance")
    s = samples(m)
    bucket = "bot4_pipeline_latency_seconds_bucket"
    assert s[(bucket, (("le", "5e-06"), ("stage", "risk")))] == 1
    assert s[(bucket, (("le", "5e-05"), ("stage", "risk")))] == 2
    assert s[("bot4_pipeline_latency_seconds_count", (("stage", "risk"),))] == 2
    assert s[("bot4_pipeline_latency_seconds_sum", (("stage", "risk"),))] == 43e-6
    assert s[(bucket, (("le", "+Inf"), ("stage", "risk")))] == 2
    m.observe_latency_ns("risk", 5_000)  # on a bound: counted in that bucket (le is <=)
    m.observe_latency_ns("risk", 2 * 10**9)  # beyond the last bound: +Inf only
    s = samples(m)
    assert s[(bucket, (("le", "5e-06"), ("stage", "risk")))] == 2
    assert s[(bucket, (("le", "1.0"), ("stage", "risk")))] == 3
    assert s[(bucket, (("le", "+Inf"), ("stage", "risk")))] == 4
    assert all(floatToGoString(b) == repr(b) for b in LATENCY_BUCKETS_S)  # the le labels
    assert s[("bot4_storage_queue_depth", (("queue", "writer"),))] == 17
    assert s[("bot4_storage_spills_total", ())] == 1
    assert s[("bot4_storage_spilled_records_total", ())] == 250
    assert s[("bot4_watchdog_alerts_total", (("component", "feed:binance"),))] == 1


def test_each_node_has_its_own_registry() -> None:
    a, b = NodeMetrics(TestClock()), NodeMetrics(TestClock())
    a.on_feed_message("binance")
    assert a.registry is not b.registry
    assert ("bot4_feed_messages_total", (("feed", "binance"),)) not in samples(b)
    assert REGISTRY.get_sample_value("bot4_feed_messages_total", {"feed": "binance"}) is None


def test_scrape_hooks_sync_running_totals() -> None:
    """The node can report totals it already keeps (FeedStats, WriterStats) at scrape time."""
    clock = TestClock()
    m = NodeMetrics(clock)
    totals = {"messages": 10, "reconnects": 1, "resyncs": 2, "rows_spilled": 0}

    def hook() -> None:
        m.sync_feed(
            "coinbase",
            messages=totals["messages"],
            reconnects=totals["reconnects"],
            resyncs=totals["resyncs"],
        )
        m.sync_feed("kraken", messages=0, reconnects=0, resyncs=0, last_message_mono_ns=0)
        m.sync_storage(
            queue_depth=5,
            spill_episodes=1 if totals["rows_spilled"] else 0,
            rows_spilled=totals["rows_spilled"],
            spill_pending=totals["rows_spilled"],
        )

    def broken() -> None:
        raise RuntimeError("a hook bug must not break the scrape")

    m.add_scrape_hook(broken)
    m.add_scrape_hook(hook)
    clock.advance(4)
    s = samples(m)
    assert s[("bot4_feed_messages_total", (("feed", "coinbase"),))] == 10
    assert s[("bot4_feed_seconds_since_last_message", (("feed", "kraken"),))] == 4
    assert s[("bot4_feed_seconds_since_last_message", (("feed", "coinbase"),))] == 0
    assert s[("bot4_storage_queue_depth", (("queue", "writer"),))] == 5
    assert s[("bot4_storage_spills_total", ())] == 0
    totals.update(messages=25, reconnects=1, resyncs=3, rows_spilled=700)
    s = samples(m)
    assert s[("bot4_feed_messages_total", (("feed", "coinbase"),))] == 25
    assert s[("bot4_feed_reconnects_total", (("feed", "coinbase"),))] == 1
    assert s[("bot4_book_resyncs_total", (("feed", "coinbase"),))] == 3
    assert s[("bot4_storage_spills_total", ())] == 1
    assert s[("bot4_storage_spilled_records_total", ())] == 700
    assert s[("bot4_storage_spill_pending_records", ())] == 700
    totals.update(rows_spilled=700)
    assert samples(m)[("bot4_storage_spills_total", ())] == 1  # totals never double count
