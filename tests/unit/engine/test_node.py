"""TradingNode end to end: bundled replay over loopback -> strategies -> risk -> OMS -> paper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot4.api.config import ApiConfig
from bot4.clock import LiveClock
from bot4.engine import MarketMaker, NodeConfig, Strategy, TradingNode, build_node
from bot4.engine._builder import VENUES
from bot4.engine._durability import GroupCommit
from bot4.engine._report import summary
from bot4.engine._views import RecentRejections
from bot4.engine.config import ReplayConfig, StrategyEntry, WatchdogConfig
from bot4.engine.strategies import MarketMakerConfig, MomentumConfig
from bot4.marketdata import OrderBook
from bot4.model import InstrumentId, OrderType, Side, TimeInForce
from bot4.oms import OrderDenied, TradingHalted
from bot4.oms._order import Order
from bot4.storage import SqliteJournal, StorageConfig, fills
from bot4.venues import ExecutionConfig, PaperVenue

TOKEN = "engine-test-token-0123456789"
BTC = InstrumentId("BINANCE:BTCUSDT")


def _config(pace: float, api: bool = True) -> NodeConfig:
    return NodeConfig(
        replay=ReplayConfig(pace=pace),
        api=ApiConfig(enabled=api, port=0, token=TOKEN),
        strategies=[
            StrategyEntry(
                id="mm",
                class_="bot4.engine.strategies:MarketMaker",
                config={"half_spread_ticks": 1, "min_requote_interval_s": 0.02},
            ),
            StrategyEntry(
                id="momentum",
                class_="bot4.engine.strategies:MomentumTaker",
                config={"cooldown_s": 0.05},
            ),
        ],
    )


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def _journal_fills(data_dir: Path) -> int:
    journal = await SqliteJournal.open(StorageConfig(data_dir=str(data_dir)), LiveClock())
    try:
        return len(fills(journal.records()))
    finally:
        await journal.close()


async def test_node_trades_the_replay_and_kill_via_api_halts_with_no_open_orders(
    tmp_path: Path,
) -> None:
    node = build_node(_config(pace=15), run_dir=tmp_path / "run", announce=lambda _: None)
    async with _running(node, duration_s=20) as task:
        fills_at_kill = await _trade_then_kill(node)
        report = await asyncio.wait_for(task, 30)
    assert report["fills"] == fills_at_kill, "no fill after the kill"
    await _check_the_report(report, fills_at_kill, tmp_path)


@contextlib.asynccontextmanager
async def _running(node: TradingNode, duration_s: float) -> AsyncIterator[asyncio.Task[Any]]:
    """`node.run` as a task that is stopped and awaited even when the test fails."""
    task = asyncio.create_task(node.run(duration_s=duration_s))
    try:
        yield task
    finally:
        node.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)


async def _trade_then_kill(node: TradingNode) -> int:
    """Trade, scrape /metrics, kill via the API; the fills at the kill."""
    for _ in range(600):  # bounded: 30 s at most
        committed = node._journal is not None and node._journal.commits >= 1
        if (
            node.router.fills >= 3 and node.api is not None and committed
        ):  # a loaded box commits late
            break
        await asyncio.sleep(0.05)
    assert node.router.fills >= 3, "the strategies' orders were filled"
    assert node.api is not None
    base = f"http://127.0.0.1:{node.api.server.port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    working = node.control.open_orders()
    assert all(o["state"] in ("SUBMITTED", "ACCEPTED", "PARTIALLY_FILLED") for o in working)
    assert len(working) == node.control.status()["open_orders"]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/metrics") as resp:
            assert resp.status == 401
        async with http.get(f"{base}/metrics", headers=auth) as resp:
            assert resp.status == 200
            metrics = _samples(await resp.text())
        assert metrics[("bot4_feed_messages_total", (("feed", "binance"),))] > 0
        assert metrics[("bot4_feed_seconds_since_last_message", (("feed", "binance"),))] < 5
        assert metrics[("bot4_feed_reconnects_total", (("feed", "binance"),))] == 0
        assert ("bot4_book_resyncs_total", (("feed", "binance"),)) in metrics
        assert metrics[("bot4_orders", (("state", "FILLED"),))] >= 1
        assert (
            metrics[("bot4_breaker_state", (("breaker", "binance-ws"), ("state", "CLOSED")))] == 1
        )
        assert metrics[("bot4_trading_state", (("state", "ACTIVE"),))] == 1
        for stage in ("venue", "strategies", "submit", "journal_commit"):
            count = ("bot4_pipeline_latency_seconds_count", (("stage", stage),))
            assert metrics[count] > 0, stage
        assert ("bot4_storage_queue_depth", (("queue", "journal"),)) in metrics
        assert ("bot4_storage_queue_depth", (("queue", "writer"),)) in metrics
        assert ("bot4_storage_spills_total", ()) in metrics
        denied = sum(v for (n, _), v in metrics.items() if n == "bot4_risk_denials_total")
        assert denied == sum(node.router.denials.values())
        async with http.get(f"{base}/status", headers=auth) as resp:
            assert resp.status == 200
            status = await resp.json()
        assert status["trading_state"] == "ACTIVE"
        async with http.post(
            f"{base}/kill", json={"reason": "test", "who": "pytest"}, headers=auth
        ) as resp:
            assert resp.status == 200
            view = await resp.json()
        assert view["active"] is True and view["who"] == "pytest"
        async with http.get(f"{base}/orders", headers=auth) as resp:
            assert await resp.json() == []
        async with http.get(f"{base}/status", headers=auth) as resp:
            status = await resp.json()
    assert status["trading_state"] == "HALTED" and status["open_orders"] == 0
    assert node.metrics.exposition().count(b'bot4_trading_state{state="HALTED"} 1.0') == 1
    assert b"bot4_kill_switch_trips_total 1.0" in node.metrics.exposition()
    return node.router.fills


async def _check_the_report(report: dict[str, Any], fills_at_kill: int, tmp_path: Path) -> None:
    assert report["orders_submitted"] > 0
    assert report["fills"] == fills_at_kill, "no fill after the kill"
    assert report["open_orders_at_stop"] == 0
    assert report["kill_switch"]["active"] is True
    assert report["frames"]["received"] == report["frames"]["total"] == 2000
    assert report["journal_records"] > report["fills"]
    # The report agrees with the durable journal read back from the data directory.
    journaled = await _journal_fills(tmp_path / NodeConfig().data_dir)
    assert journaled == report["fills"] == report["journal_fills"]
    assert (tmp_path / "run" / "report.json").is_file()
    assert (tmp_path / "run" / "report.html").is_file()
    assert report["orders_submitted"] > 0
    assert "submit" in report["latency"] and report["latency"]["submit"]["count"] > 0
    assert "fills" in summary(report)


class _Exploding(Strategy):
    """Quotes once, then raises on the next book update."""

    def __init__(self) -> None:
        super().__init__("boom", [BTC])
        self.placed: str | None = None

    def on_book(self, book: OrderBook) -> None:
        if self.placed is None:
            best = book.best_bid()
            assert best is not None
            lot = self.lot_size(book.instrument, best[0], 20)
            self.placed = self.submit_limit(
                BTC, Side.BUY, lot, best[0] - 500 * book.instrument.tick
            )
            return
        raise ValueError("strategy bug")


async def test_a_raising_strategy_is_stopped_and_its_orders_cancelled(tmp_path: Path) -> None:
    boom = _Exploding()
    mm = MarketMaker("mm", [BTC], MarketMakerConfig(min_requote_interval_s=0.02))
    node = build_node(_config(pace=40, api=False), run_dir=tmp_path / "run", strategies=[boom, mm])
    report = await node.run(duration_s=20)
    assert boom.placed is not None
    assert report["strategies_failed"] == {"boom": "ValueError: strategy bug"}
    assert node.oms is not None
    assert node.oms.orders[boom.placed].status.name == "CANCELED"
    # The other strategy went on trading after the failure.
    mm_orders = [o for o in node.oms.orders.values() if o.strategy_id == "mm"]
    assert len(mm_orders) > 2
    assert "strategies stopped" in summary(report)


async def test_control_commands_without_api(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    node = build_node(_config(pace=200, api=False), run_dir=tmp_path / "run", strategies=[])
    assert node.control.open_orders() == [] and node.control.positions() == []
    await node.run(duration_s=10)
    assert node.api is None
    assert node.control.registry is node.control.registry
    assert await node.control.force_open_breaker("nope") is None
    assert await node.control.reset_breaker("nope") is None
    assert await node.control.force_open_breaker("binance-ws") == {
        "name": "binance-ws",
        "state": "FORCED_OPEN",
    }
    assert (await node.control.reset_breaker("binance-ws"))["state"] == "CLOSED"
    assert node.ops.breaker_events, "breaker transitions are recorded for the report"
    ok = await node.control.reload_risk_limits({"duplicate_window_ms": 0})
    assert ok["ok"] and ok["limits"]["duplicate_window_ms"] == 0
    assert node.control.risk_config.duplicate_window_ms == 0
    bad = await node.control.reload_risk_limits({"bogus": 1})
    assert not bad["ok"] and "bogus" in bad["errors"][0]
    assert not (await node.control.reload_risk_limits(None))["ok"]
    tripped = await node.control.kill("why", "me")
    assert tripped["active"] and tripped["reason"] == "why"
    assert (await node.control.reset_kill("me"))["active"] is False
    assert node.control.status()["kill_switch"]["active"] is False
    await asyncio.sleep(0.05)
    assert "journal commit failed" not in caplog.text  # after the run: no commit attempted


class _PlaceThenCancelAll(Strategy):
    def __init__(self) -> None:
        super().__init__("pc", [BTC])
        self.books = 0
        self.placed: list[str | None] = []

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        best = book.best_bid()
        if self.books == 1 and best is not None:
            lot = self.lot_size(book.instrument, best[0], 20)
            tick = book.instrument.tick
            self.placed.append(self.submit_limit(BTC, Side.BUY, lot, best[0] - 700 * tick))
            self.placed.append(self.submit_limit(BTC, Side.BUY, lot, best[0] - 900 * tick))
        elif self.books == 2:
            self.cancel_all()


async def test_limits_and_cancel_all_in_a_short_run(tmp_path: Path) -> None:
    from bot4.engine import MomentumTaker

    pc = _PlaceThenCancelAll()
    iids = [BTC, InstrumentId("BINANCE:ETHUSDT"), InstrumentId("BINANCE:SOLUSDT")]
    mm = MarketMaker("mm", iids, MarketMakerConfig(max_inventory_lots=1, half_spread_ticks=1))
    mom = MomentumTaker(
        "mom", iids, MomentumConfig(order_lots=5, max_position_lots=5, cooldown_s=0)
    )
    node = build_node(
        _config(pace=40, api=False), run_dir=tmp_path / "run", strategies=[pc, mm, mom]
    )
    report = await node.run(duration_s=20)
    assert node.oms is not None
    assert len(pc.placed) == 2 and all(c is not None for c in pc.placed)
    assert all(node.oms.orders[c].status.name == "CANCELED" for c in pc.placed if c)
    assert report["fills"] > 0 and report["open_orders_at_stop"] == 0
    whys = [w["last_decision"] or "" for w in node.control.status()["why"]]
    assert any("position limit" in w or "inv" in w for w in whys)
    assert report["positions"] == node.control.positions()


class _Refused(Strategy):
    """Sends orders the venue rejects (post-only at the ask) and risk denies (duplicates);
    decides once, then goes quiet."""

    def __init__(self) -> None:
        super().__init__("refused", [BTC])
        self.sent = 0

    def on_book(self, book: OrderBook) -> None:
        ask = book.best_ask()
        if ask is None or self.sent >= 30:
            return
        if self.sent == 0:
            self.decide(BTC, "probing")
        self.sent += 1
        lot = self.lot_size(book.instrument, ask[0], 20)
        price = ask[0] + self.sent * book.instrument.tick  # a new price each time
        self.submit_limit(BTC, Side.BUY, lot, price, TimeInForce.POST_ONLY)
        self.submit_limit(BTC, Side.BUY, lot, price, TimeInForce.POST_ONLY)  # duplicate


async def test_why_rejections_watchdog_and_group_commit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refused = _Refused()
    cfg = msgspec_replace(
        _config(pace=15, api=False),
        watchdog=WatchdogConfig(feed_quiet_s=30, strategy_quiet_s=0.5),
    )
    node = build_node(cfg, run_dir=tmp_path / "run", strategies=[refused])
    with caplog.at_level(logging.WARNING, logger="bot4.api._watchdog"):
        async with _running(node, duration_s=20):
            for _ in range(200):  # bounded: 10 s
                if node.control.status()["quiet"] and refused.sent >= 30:
                    break
                await asyncio.sleep(0.05)
            status = node.control.status()
    assert [q["component"] for q in status["quiet"]] == ["strategy:refused"]
    assert caplog.text.count("watchdog: strategy:refused quiet") == 1
    assert b'bot4_watchdog_alerts_total{component="strategy:refused"} 1.0' in (
        node.metrics.exposition()
    )
    why = {w["instrument_id"]: w for w in status["why"]}
    rejections = why[str(BTC)]["rejections"]
    assert len(rejections) == 20, "bounded per instrument (the newest kept)"
    assert node.ops.recent_rejections.dropped == 60 - 20
    assert {(r["source"], r["reason"]) for r in rejections} == {
        ("venue", "POST_ONLY_WOULD_TAKE"),
        ("risk", "DUPLICATE_ORDER"),
    }
    assert all(
        r["detail"].startswith("identical order") for r in rejections if r["source"] == "risk"
    )
    assert why[str(BTC)]["last_decision"] == "refused: probing"
    assert why["BINANCE:ETHUSDT"]["rejections"] == []
    # Every record was committed by the per-turn group commit, in fewer commits than records.
    journal = node._journal
    assert journal is not None and node.storage is not None
    assert 0 < journal.commits < len(journal)
    assert node.storage.journal.committed_seq == len(journal)


def msgspec_replace(cfg: NodeConfig, **changes: object) -> NodeConfig:
    return msgspec.structs.replace(cfg, **changes)


def _halt(n: int) -> TradingHalted:
    return TradingHalted(source="test", reason=f"r{n}", ts_event=n)


async def test_group_commit_one_commit_per_turn_and_failures(tmp_path: Path) -> None:
    journal = await SqliteJournal.open(StorageConfig(data_dir=str(tmp_path)), LiveClock())
    observed: list[int] = []
    group = GroupCommit(journal, asyncio.get_running_loop(), observed.append, LiveClock().perf_ns)
    for i in range(3):
        assert group.append(_halt(i)) == i + 1  # one turn, three records
    assert journal.committed_seq == 0  # nothing durable yet inside the turn
    await group.drain()
    assert group.commits == 1 and journal.committed_seq == 3 and len(observed) == 1
    group.append(_halt(3))
    await asyncio.sleep(0)
    group.append(_halt(4))  # next turn, while the first commit may still run
    await group.drain()
    assert journal.committed_seq == 5 and 2 <= group.commits <= 3
    assert len(group) == 5 and [r.reason for r in group.records()][-1] == "r4"  # type: ignore[attr-defined]
    await group.commit()
    await journal.backend.close()  # a commit now fails: logged, counted, records kept
    group.append(_halt(5))
    await group.drain()
    assert group.failures == 1 and journal.committed_seq == 5 and len(journal) == 6


def _denied(coid: str) -> Order:
    return Order(
        OrderDenied(
            client_order_id=coid,  # type: ignore[arg-type]
            instrument_id=BTC,
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            qty=1,
            price=1,
            trigger_price=None,
            reduce_only=False,
            strategy_id="s",
            reason="X",
            ts_event=0,
        )
    )


def test_recent_rejections_and_breaker_events_are_bounded(tmp_path: Path) -> None:
    recent = RecentRejections(per_instrument=3)
    for i in range(5):
        recent.add(_denied(f"c{i}"), "risk", "X", "d", i)
    assert [r["client_order_id"] for r in recent.get(BTC)] == ["c2", "c3", "c4"]
    assert recent.dropped == 2 and recent.get(InstrumentId("BINANCE:ETHUSDT")) == []
    node = build_node(NodeConfig(), run_dir=tmp_path, strategies=[])
    for i in range(1005):
        node.ops.on_breaker_event(f"e{i}")
    assert len(node.ops.breaker_events) == 1000 and node.ops.breaker_events_dropped == 5
    assert node.ops.breaker_events[-1]["event"] == "e1004"


async def test_market_maker_does_not_resend_identical_quotes(tmp_path: Path) -> None:
    """With the gap off, the MM re-sends quotes risk denies as duplicates; with it, it does not."""
    iids = [BTC, InstrumentId("BINANCE:ETHUSDT"), InstrumentId("BINANCE:SOLUSDT")]
    dups = {}
    for gap in (0.0, 1.0):
        mm = MarketMaker(
            "mm",
            iids,
            MarketMakerConfig(
                half_spread_ticks=1, min_requote_interval_s=0.02, same_quote_gap_s=gap
            ),
        )
        node = build_node(
            _config(pace=30, api=False), run_dir=tmp_path / f"run{gap}", strategies=[mm]
        )
        report = await node.run(duration_s=20)
        dups[gap] = report["risk_denials"].get("DUPLICATE_ORDER", 0)
        assert report["fills"] > 0
        if gap:
            assert mm.skipped_same_quote > 0
    assert dups[0.0] > 20, dups
    assert dups[1.0] * 20 <= dups[0.0], dups


class _Resting(Strategy):
    """Rests one bid far from the market."""

    def __init__(self) -> None:
        super().__init__("rest", [BTC])
        self.placed: str | None = None

    def on_book(self, book: OrderBook) -> None:
        best = book.best_bid()
        if self.placed is None and best is not None:
            lot = self.lot_size(book.instrument, best[0], 20)
            self.placed = self.submit_limit(BTC, Side.BUY, lot, best[0] - 50 * book.instrument.tick)


async def test_orders_a_crash_left_open_are_canceled_on_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    storage = StorageConfig(data_dir=str(tmp_path / "storage"))
    cfg = msgspec_replace(_config(pace=15, api=False), storage=storage, max_terminal_orders=7)
    node = build_node(cfg, run_dir=tmp_path / "run1", strategies=[rest := _Resting()])
    assert b"bot4_orders" in node.metrics.exposition()  # scrapes before run: nothing to read yet
    task = asyncio.create_task(node.run(duration_s=20))
    for _ in range(200):  # bounded: 10 s
        if rest.placed is not None:
            break
        await asyncio.sleep(0.05)
    task.cancel()  # dies without its shutdown (no cancel-all): the order stays open
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert rest.placed is not None and node.control.status()["open_orders"] == 1
    node2 = build_node(cfg, run_dir=tmp_path / "run2", strategies=[])
    with caplog.at_level(logging.WARNING, logger="bot4.engine._node"):
        await node2.run(duration_s=0.5)
    assert node2.oms is not None and node.oms is not None
    assert node.oms.max_terminal_orders == node2.oms.max_terminal_orders == 7  # from the config
    assert node2.oms.orders[rest.placed].status.name == "CANCELED"  # type: ignore[index]
    assert f"recovery: {rest.placed} was open" in caplog.text
    assert not node2.kill_restored and node2.control.status()["trading_state"] == "ACTIVE"


class _Exchange:
    """An execution venue that is not the paper venue (its orders outlive our process): the
    paper venue's matching behind another class, as a live adapter would stand in VENUES."""

    def __init__(self, inner: PaperVenue) -> None:
        self._inner = inner
        self.name = "exchange"
        self.breakers: dict[str, object] = {}

    def __getattr__(self, attr: str) -> object:
        return getattr(self._inner, attr)


async def test_orders_open_on_another_venue_stay_open_on_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = StorageConfig(data_dir=str(tmp_path / "storage"))
    cfg = msgspec_replace(_config(pace=15, api=False), storage=storage)
    node = build_node(cfg, run_dir=tmp_path / "run1", strategies=[rest := _Resting()])
    task = asyncio.create_task(node.run(duration_s=20))
    for _ in range(200):  # bounded: 10 s
        if rest.placed is not None:
            break
        await asyncio.sleep(0.05)
    task.cancel()  # a crash: the order stays open
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert rest.placed is not None
    monkeypatch.setitem(VENUES, "exchange", lambda clock, c: _Exchange(PaperVenue(clock, c.paper)))
    confirmed = msgspec_replace(cfg, execution=ExecutionConfig(confirm_live=True))
    node2 = build_node(confirmed, run_dir=tmp_path / "run2", strategies=[], venue="exchange")
    with caplog.at_level(logging.WARNING, logger="bot4.engine._durability"):
        await node2.run(duration_s=0.5)
    assert node2.oms is not None
    assert node2.oms.orders[rest.placed].status.name != "CANCELED"  # type: ignore[index]
    assert f"recovery: {rest.placed} was open at exchange before the restart: kept open" in (
        caplog.text
    )


async def test_an_unreadable_saved_kill_switch_stops_the_start(tmp_path: Path) -> None:
    from bot4.storage import Storage

    storage = StorageConfig(data_dir=str(tmp_path / "storage"))
    opened = await Storage.open(storage, LiveClock())
    await opened.backend.save_kill_switch(b"not a kill switch", 1)
    await opened.close()
    node = build_node(
        msgspec_replace(_config(pace=15, api=False), storage=storage),
        run_dir=tmp_path / "run",
        strategies=[],
    )
    with pytest.raises(msgspec.DecodeError):  # fail closed: never trade on an unknown state
        await node.run(duration_s=1)
    assert node.storage is not None
    await node.storage.close()  # already closed by run: idempotent


async def test_before_run_the_node_trades_nothing_and_refuses_bad_limits(tmp_path: Path) -> None:
    cfg = NodeConfig(strategies=[])
    node = build_node(cfg, run_dir=tmp_path)
    assert node.strategies == {}
    probe = Strategy("probe", [BTC])
    probe.bind(node.context)
    node.router.on_events([])  # no OMS yet: market data is ignored, never traded on
    assert node.context.book(BTC) is None and node.context.open_order_ids(probe) == []
    assert probe.submit_limit(BTC, Side.BUY, 1, 1) is None  # nothing to submit to before run
    bad = await node.control.reload_risk_limits({"duplicate_window_ms": -1})
    assert not bad["ok"] and "duplicate_window_ms" in bad["errors"][0]
    assert node.control.risk_config.duplicate_window_ms == 1000  # unchanged
