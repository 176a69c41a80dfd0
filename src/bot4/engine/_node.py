"""TradingNode: market data -> paper venue, risk and strategies -> OMS, on one asyncio loop.

The node serves the bundled Binance dataset on a local replay WebSocket (plus its REST
snapshots), connects a real `FeedConnection` to it, and routes every normalised event to the
paper venue (fills), the OMS/risk marks, then the strategies. Strategies only ever reach the
venue through `StrategyContext.submit` -> `OrderManager.submit` (risk check first). A strategy
hook that raises stops that strategy alone: its orders are cancelled, the others go on. It
journals to the embedded SQLite storage in its run directory and writes `report.json` there.

Durability: the OMS appends to the journal in memory; `_GroupCommit` schedules one commit per
event-loop turn that appended anything (never one per record), and operator commands await the
commit before the API answers. The kill switch is restored from storage at start (a tripped
switch starts the node HALTED) and saved on every trip and reset, so it survives a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import msgspec

from bot4.api._metrics import NodeMetrics
from bot4.api._watchdog import Watchdog
from bot4.clock import Clock, LiveClock
from bot4.engine._report import Latencies, PnlHistory, build_report
from bot4.engine._strategy import Strategy
from bot4.engine._views import (
    RecentRejections,
    account_str,
    kill_view,
    order_views,
    position_views,
)
from bot4.engine.config import NodeConfig
from bot4.engine.strategies import MarketMaker, MomentumTaker
from bot4.marketdata import OrderBook
from bot4.marketdata.feeds import BinanceSpotFeed
from bot4.marketdata.replay import ReplayServer, SnapshotServer, load_session
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.marketdata.ws import FeedConnection, default_breaker
from bot4.model import Instrument, InstrumentId, bundled_instruments
from bot4.model._marketdata import BookDeltas, TradeTick
from bot4.oms import (
    OPEN_STATUSES,
    ClientOrderIds,
    Order,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderManager,
    OrderRejected,
    OrderStatus,
    Portfolio,
    rebuild,
)
from bot4.risk import KillSwitchTripped, RiskEngine
from bot4.storage import (
    KillSwitchSaver,
    Storage,
    StorageConfig,
    persist_kill_switch,
    restore_kill_switch,
)
from bot4.venues import PaperVenue

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from bot4.api import ApiHandle
    from bot4.api._control import (
        BreakerView,
        KillSwitchView,
        OrderView,
        PnlPoint,
        PositionView,
        ReloadResult,
        StatusView,
    )
    from bot4.model._orders import ClientOrderId, OrderRequest
    from bot4.oms.journal import JournalRecord
    from bot4.storage import DurableJournal

__all__ = ["TradingNode"]

log = logging.getLogger(__name__)
_ACCOUNT_PRECISION = 8  # Portfolio's account units
_MAX_BREAKER_EVENTS = 1000  # kept for the report; older ones are dropped (and counted)
_TERMINAL_EVENTS = (OrderDenied, OrderRejected, OrderCanceled, OrderExpired, OrderFilled)


class _GroupCommit:
    """The OMS's journal: `append` in memory, one durable commit per event-loop turn.

    The first record of a turn schedules one `call_soon`; that callback starts a commit task
    unless one is in flight, and the task keeps committing until nothing is pending, so records
    appended while a commit runs go in the next one (group commit). A failed commit is logged
    and counted; its records stay pending for the next turn's commit (and the final one).
    """

    def __init__(
        self,
        journal: DurableJournal,
        loop: asyncio.AbstractEventLoop,
        observe_ns: Callable[[int], object],
        perf_ns: Callable[[], int],
    ) -> None:
        self.journal = journal
        self._append = journal.append
        self._loop = loop
        self._observe_ns = observe_ns  # commit latency (metrics)
        self._perf_ns = perf_ns
        self._scheduled = False  # a call_soon is pending for this turn
        self._task: asyncio.Task[None] | None = None
        self.commits = 0
        self.failures = 0

    def append(self, record: JournalRecord) -> int:
        seq = self._append(record)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._start)
        return seq

    def records(self) -> Iterator[JournalRecord]:
        return self.journal.records()

    def __len__(self) -> int:
        return len(self.journal)

    async def commit(self) -> None:
        await self.journal.commit()

    def _start(self) -> None:
        self._scheduled = False
        if self._task is None:  # else the running task picks these records up after its own
            self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        journal = self.journal
        try:
            while journal.committed_seq < len(journal):
                t0 = self._perf_ns()
                try:
                    await journal.commit()
                except Exception as exc:  # StorageError mostly; a dead task would hide any
                    self.failures += 1
                    log.error("journal commit failed (records kept for the next one): %s", exc)
                    return
                self.commits += 1
                self._observe_ns(self._perf_ns() - t0)
        finally:
            self._task = None

    async def drain(self) -> None:
        """Until the commit task in flight (if any) has finished."""
        await asyncio.sleep(0)  # a call_soon from this turn starts its task first
        while self._task is not None:
            await asyncio.wait({self._task})


class TradingNode:
    """One paper-trading node over the bundled replay; implements `bot4.api.NodeControl`."""

    def __init__(
        self,
        config: NodeConfig,
        *,
        run_dir: Path,
        clock: Clock | None = None,
        strategies: Sequence[Strategy] | None = None,
        api: bool = True,
        api_port: int | None = None,
        announce: Callable[[str], object] = print,
        dataset: Path = DEFAULT_DATASET,
    ) -> None:
        self.config = config
        self.run_dir = run_dir
        self.clock = clock or LiveClock()
        # Stage timing (LiveClock's perf counter: the Clock protocol has no perf_ns).
        self._perf = LiveClock().perf_ns
        self._announce = announce
        self._api_enabled = api and config.api.enabled
        self._api_port = api_port
        self._dataset = dataset
        by_symbol = {i.symbol: i for i in bundled_instruments().values() if i.exchange == "BINANCE"}
        unknown = [s for s in config.replay.symbols if s not in by_symbol]
        if unknown:
            raise ValueError(f"unknown symbols (not in the bundled instruments): {unknown}")
        self.instruments: dict[InstrumentId, Instrument] = {
            by_symbol[s].id: by_symbol[s] for s in config.replay.symbols
        }
        self.handler = BinanceSpotFeed(
            list(config.replay.symbols), {s: by_symbol[s] for s in config.replay.symbols}
        )
        # The feed handler creates its books lazily (and anew after a reconnect): the node
        # looks them up by symbol and hands every new one to the paper venue.
        self.books: dict[InstrumentId, OrderBook] = {}
        self._symbol = {iid: inst.symbol for iid, inst in self.instruments.items()}
        self.risk = RiskEngine(self.instruments, config.risk, self.clock)
        self.portfolio = Portfolio(
            self.instruments,
            clock=self.clock,
            starting_equity=config.starting_equity * 10**_ACCOUNT_PRECISION,
            account_precision=_ACCOUNT_PRECISION,
        )
        self.venue = PaperVenue(self.clock, config.paper)
        self.breakers = {n: default_breaker(n, self.clock) for n in ("binance-ws", "binance-rest")}
        self.strategies: dict[str, Strategy] = {}
        for s in strategies if strategies is not None else self._default_strategies():
            if s.strategy_id in self.strategies:
                raise ValueError(f"duplicate strategy id {s.strategy_id!r}")
            self.strategies[s.strategy_id] = s
        self.failed: dict[str, str] = {}  # strategy id -> why it was stopped
        self.fills = 0
        self.orders_submitted = 0
        self.denials: Counter[str] = Counter()
        self.rejections: Counter[str] = Counter()
        self._breaker_events: deque[dict[str, Any]] = deque(maxlen=_MAX_BREAKER_EVENTS)
        self.breaker_events_dropped = 0
        self.decisions: dict[InstrumentId, tuple[str, int]] = {}
        self.recent_rejections = RecentRejections()  # per instrument, for `status --why`
        self.latencies = Latencies()
        self.pnl_history = PnlHistory()  # sampled once a second by _tick
        self.metrics = NodeMetrics(self.clock)
        self.metrics.add_scrape_hook(self._sync_metrics)
        self.risk.kill_switch.subscribe(self._on_kill_event)
        self.watchdog = Watchdog(self.clock, self.metrics.on_watchdog_alert)
        self._feed = f"feed:{self.handler.exchange}"
        self._strategy_component = {sid: f"strategy:{sid}" for sid in self.strategies}
        self._feed_last_ns: int | None = None  # monotonic ns of the last market-data batch
        self._terminal_orders: Counter[str] = Counter()  # orders that ended, by final state
        self.kill_restored = False  # the switch was tripped in storage when the node started
        self._journal: _GroupCommit | None = None
        self._saver: KillSwitchSaver | None = None
        self._ids = ClientOrderIds("N-")
        self._stop = asyncio.Event()
        self._closed = False  # storage closed: commands after the run are not journaled
        self.storage: Storage | None = None
        self.oms: OrderManager | None = None
        self.conn: FeedConnection | None = None
        self.api: ApiHandle | None = None
        self.report: dict[str, Any] | None = None

    def _default_strategies(self) -> list[Strategy]:
        cfg = self.config.strategies
        iids = list(self.instruments)
        out: list[Strategy] = []
        if cfg.market_maker:
            out.append(MarketMaker("mm", iids, cfg.market_maker_config))
        if cfg.momentum:
            out.append(MomentumTaker("momentum", iids, cfg.momentum_config))
        return out

    # -- lifecycle ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask `run` to stop (end of data, --duration, Ctrl-C)."""
        self._stop.set()

    async def run(self, duration_s: float | None = None) -> dict[str, Any]:
        """Run until the replay ends, `duration_s` passes or `stop()`; returns the report."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        started = self.clock.monotonic_ns()
        storage_cfg = self.config.storage or StorageConfig(data_dir=str(self.run_dir / "storage"))
        self.storage = storage = await Storage.open(storage_cfg, self.clock)
        loop = asyncio.get_running_loop()
        try:
            oms = await self._recover(storage, loop)
        except BaseException:
            await storage.close()
            raise
        oms.subscribe(self._on_order)
        self.risk.kill_switch.subscribe(oms.kill_switch_handler(loop.call_soon_threadsafe))
        session = load_session(self._dataset / "BINANCE.ws.1.0", self._dataset / "BINANCE.http.0.0")
        try:
            async with (
                ReplayServer(session.frames, pace=self.config.replay.pace) as ws,
                SnapshotServer(session.snapshots) as http,
            ):
                for breaker in self.breakers.values():
                    breaker.subscribe(self._on_breaker_event)
                conn = self.conn = FeedConnection(
                    self.handler, ws.url, sink=self._on_events, clock=self.clock,
                    rest_base=http.base, breaker=self.breakers["binance-ws"],
                    rest_breaker=self.breakers["binance-rest"],
                )  # fmt: skip
                if self._api_enabled:
                    from bot4.api import start_api

                    self.api = await start_api(
                        self, self.config.api, self.run_dir, port=self._api_port,
                        announce=self._announce,
                    )  # fmt: skip
                for s in list(self.strategies.values()):
                    s.bind(self)
                    self._guard(s, s.on_start)
                wd = self.config.watchdog
                self.watchdog.watch(self._feed, wd.feed_quiet_s)
                self.metrics.register_feed(self.handler.exchange)
                for component in self._strategy_component.values():
                    self.watchdog.watch(component, wd.strategy_quiet_s)
                feed = asyncio.create_task(conn.run())
                ticker = asyncio.create_task(self._tick(ws, conn))
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), duration_s)
                    ticker.cancel()
                    await self._shutdown(conn, feed)
                finally:  # also when run() itself is cancelled: leave no task behind
                    ticker.cancel()
                    await conn.close()  # idempotent; ends run() and the snapshot fetches
                    await asyncio.gather(ticker, feed, return_exceptions=True)
        finally:
            if self.api is not None:
                await self.api.server.close()
            await self._persist()
            await storage.close()
            self._closed = True
        elapsed_s = (self.clock.monotonic_ns() - started) / 1e9
        self.report = build_report(self, elapsed_s, len(session.frames))
        (self.run_dir / "report.json").write_bytes(
            msgspec.json.format(msgspec.json.encode(self.report))
        )
        from bot4.engine._report_html import write_html_report  # only at the end of a run

        write_html_report(self.run_dir, self.report)
        return self.report

    async def _recover(self, storage: Storage, loop: asyncio.AbstractEventLoop) -> OrderManager:
        """Kill switch first (a tripped one halts before anything runs), then the orders and
        positions of earlier runs on the same storage, rebuilt from the journal."""
        journal = self._journal = _GroupCommit(
            storage.journal,
            loop,
            lambda ns: self.metrics.observe_latency_ns("journal_commit", ns),
            self._perf,
        )
        ks = self.risk.kill_switch
        if await restore_kill_switch(ks, storage.backend, storage.journal.records()):
            self.kill_restored = True
            v = kill_view(ks)
            msg = (
                f"kill switch is TRIPPED (restored from storage: {v['reason']!r} by {v['who']}, "
                f"source {v['source']}); trading HALTED until reset (bot4 reset-kill)"
            )
            log.critical(msg)
            self._announce(msg)
        self._saver = persist_kill_switch(ks, storage.backend, self.clock)
        if not len(storage.journal):
            self.oms = OrderManager(
                clock=self.clock,
                risk=self.risk,
                venue=self.venue,
                journal=journal,
                portfolio=self.portfolio,
            )
            return self.oms
        oms = self.oms = rebuild(
            journal,
            clock=self.clock,
            risk=self.risk,
            venue=self.venue,
            portfolio=self.portfolio,
        )
        for coid in oms.orders:
            self._ids.observe(coid)
        # Reconcile with the venue: a paper venue's orders live in this process, so orders a
        # crash left open in the journal are gone; journal that, as the venue would report it.
        for order in oms.open_orders():
            log.warning("recovery: %s was open at the paper venue before the restart: canceled",
                        order.client_order_id)  # fmt: skip
            oms.on_venue_event(
                OrderCanceled(client_order_id=order.client_order_id, ts_event=self.clock.time_ns())
            )
        return oms

    async def _tick(self, ws: ReplayServer, conn: FeedConnection) -> None:
        """Once per 100 ms: venue latency; once a second: correlation, PnL sample, watchdog;
        stop when the whole replay was read."""
        n = 0
        while True:
            await asyncio.sleep(0.1)
            self.venue.process_due()
            n += 1
            if n % 10 == 0:
                self.risk.update_correlation()
                self.pnl_history.sample(self.clock.time_ns(), self._pnl()[2])
                self.watchdog.check()
            if ws.done.is_set() and conn.stats.frames >= ws.stats.frames_sent:
                self.stop()

    async def _shutdown(self, conn: FeedConnection, feed: asyncio.Task[None]) -> None:
        for s in list(self.strategies.values()):
            self._guard(s, s.on_stop)
        if self.oms is not None:
            self.oms.cancel_all()
        self.venue.process_due()
        await conn.close()
        with contextlib.suppress(Exception):
            await feed

    # -- market data -------------------------------------------------------------------------
    def _on_events(self, events: list[Any]) -> None:
        perf = self._perf
        t0 = perf()
        oms = self.oms
        if oms is None:  # events before run() wired the OMS cannot happen; never trade blind
            return
        self._feed_last_ns = now = self.clock.monotonic_ns()
        self.watchdog.beat(self._feed, now)
        for ev in events:
            if isinstance(ev, BookDeltas):
                self._book(ev.instrument_id)
            self.venue.on_market_event(ev)
        t1 = perf()
        for ev in events:
            if isinstance(ev, TradeTick):
                oms.on_mark(ev.instrument_id, ev.price)
                for s in self._strategies_for(ev.instrument_id):
                    self._guard(s, s.on_trade, ev)
            elif isinstance(ev, BookDeltas):
                book = self._book(ev.instrument_id)
                if book is None or not book.synced:
                    continue
                mid = book.mid()
                if mid is not None:
                    oms.on_mark(ev.instrument_id, mid)
                for s in self._strategies_for(ev.instrument_id):
                    self._guard(s, s.on_book, book)
        t2 = perf()
        self.latencies.add("venue", t1 - t0)
        self.latencies.add("strategies", t2 - t1)
        observe = self.metrics.observe_latency_ns
        observe("venue", t1 - t0)
        observe("strategies", t2 - t1)

    def _book(self, iid: InstrumentId) -> OrderBook | None:
        symbol = self._symbol.get(iid)
        book = None if symbol is None else self.handler.books.get(symbol)
        if book is not None and self.books.get(iid) is not book:
            self.books[iid] = book
            self.venue.add_book(iid, book)
        return book

    def _strategies_for(self, iid: InstrumentId) -> list[Strategy]:
        return [
            s
            for sid, s in self.strategies.items()
            if sid not in self.failed and iid in s.instruments
        ]

    def _guard(self, strategy: Strategy, hook: Callable[..., None], *args: Any) -> None:
        """Run one hook; if it raises, stop that strategy and cancel its orders."""
        if strategy.strategy_id in self.failed:
            return
        try:
            hook(*args)
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            self.failed[strategy.strategy_id] = why
            log.error("strategy %s stopped: %s", strategy.strategy_id, why)
            for coid in self.open_order_ids(strategy):
                self.cancel(strategy, coid)

    def _on_order(self, order: Order, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills += 1
        elif isinstance(event, OrderDenied):
            self.denials[event.reason] += 1
            self.metrics.on_risk_denial(event.reason)
            self.recent_rejections.add(order, "risk", event.reason, event.detail, event.ts_event)
        elif isinstance(event, OrderRejected):
            self.rejections[event.reason] += 1
            self.metrics.on_venue_rejection("paper", event.reason)
            self.recent_rejections.add(order, "venue", event.reason, "", event.ts_event)
        # Each order gets one terminal event (a late fill after a cancel keeps CANCELED).
        if (
            isinstance(event, _TERMINAL_EVENTS)
            and order.status not in OPEN_STATUSES
            and not (isinstance(event, OrderFilled) and order.status is not OrderStatus.FILLED)
        ):
            self._terminal_orders[order.status.name] += 1
        s = self.strategies.get(order.strategy_id)
        if s is not None:
            self._guard(s, s.on_order_event, event)

    def _on_breaker_event(self, event: object) -> None:
        if len(self._breaker_events) == _MAX_BREAKER_EVENTS:
            self.breaker_events_dropped += 1
        self._breaker_events.append({"event": str(event), "ts_ns": self.clock.time_ns()})

    @property
    def breaker_events(self) -> list[dict[str, Any]]:
        """The latest breaker transitions (at most `_MAX_BREAKER_EVENTS`; see `_dropped`)."""
        return list(self._breaker_events)

    def _on_kill_event(self, event: object) -> None:
        if isinstance(event, KillSwitchTripped):
            self.metrics.on_kill_switch_trip()

    def _sync_metrics(self) -> None:
        """Scrape hook: copy the running totals and states into the metrics."""
        m = self.metrics
        conn = self.conn
        m.sync_feed(
            self.handler.exchange,
            messages=0 if conn is None else conn.stats.frames,
            reconnects=0 if conn is None else max(0, conn.stats.connects - 1),
            resyncs=self.handler.stats.resyncs,
            last_message_mono_ns=self._feed_last_ns,
        )
        states = Counter(self._terminal_orders)
        if self.oms is not None:
            states.update(o.status.name for o in self.oms.open_orders())
        m.set_orders_by_state(states)
        for name, breaker in self.breakers.items():
            m.set_breaker_state(name, breaker.state.name)
        m.set_trading_state(self.risk.trading_state.name)
        if self.storage is not None:
            ws = self.storage.writer.stats
            m.sync_storage(
                queue_depth=ws.queued_rows,
                spill_episodes=ws.backpressure_episodes,
                rows_spilled=ws.rows_spilled,
                spill_pending=ws.spilled_pending_rows,
            )
            journal = self.storage.journal
            m.set_storage_queue_depth(len(journal) - journal.committed_seq, "journal")

    # -- StrategyContext ---------------------------------------------------------------------
    def instrument(self, instrument_id: InstrumentId) -> Instrument:
        return self.instruments[instrument_id]

    def book(self, instrument_id: InstrumentId) -> OrderBook | None:
        return self.books.get(instrument_id)

    def position_qty(self, instrument_id: InstrumentId) -> int:
        return self.portfolio.position_qty(instrument_id)

    def next_client_order_id(self) -> ClientOrderId:
        return self._ids.next()

    def submit(self, strategy: Strategy, request: OrderRequest) -> bool:
        if self.oms is None or strategy.strategy_id in self.failed:
            return False
        t0 = self._perf()
        order = self.oms.submit(request)
        ns = self._perf() - t0
        self.latencies.add("submit", ns)
        self.metrics.observe_latency_ns("submit", ns)
        self.orders_submitted += 1
        return order.status is not OrderStatus.DENIED

    def cancel(self, strategy: Strategy, client_order_id: ClientOrderId) -> None:
        if self.oms is not None:
            self.oms.cancel(client_order_id)

    def open_order_ids(self, strategy: Strategy) -> list[ClientOrderId]:
        if self.oms is None:
            return []
        sid = strategy.strategy_id
        return [o.client_order_id for o in self.oms.open_orders() if o.strategy_id == sid]

    def record_decision(self, strategy: Strategy, instrument_id: InstrumentId, text: str) -> None:
        self.decisions[instrument_id] = (f"{strategy.strategy_id}: {text}", self.clock.time_ns())
        self.watchdog.beat(self._strategy_component.get(strategy.strategy_id, ""))

    # -- NodeControl -------------------------------------------------------------------------
    @property
    def registry(self) -> CollectorRegistry:
        return self.metrics.registry

    def _pnl(self) -> tuple[str, str, str]:
        """Realized (net of fees), unrealized and total PnL as decimal strings."""
        p = self.portfolio
        realized = p.realized_pnl() - p.fees()
        unrealized = p.unrealized_pnl()
        return (
            account_str(realized, _ACCOUNT_PRECISION),
            account_str(unrealized, _ACCOUNT_PRECISION),
            account_str(realized + unrealized, _ACCOUNT_PRECISION),
        )

    def status(self) -> StatusView:
        realized, unrealized, total = self._pnl()
        return {
            "trading_state": self.risk.trading_state.name,  # type: ignore[typeddict-item]
            "positions": self.positions(),
            "open_orders": 0 if self.oms is None else self.oms.open_order_count(),
            "breakers": {n: b.state.name for n, b in self.breakers.items()},
            "kill_switch": kill_view(self.risk.kill_switch),
            "pnl": {
                "realized": realized,
                "unrealized": unrealized,
                "total": total,
                "history": cast("list[PnlPoint]", self.pnl_history.points()),
            },
            "why": [
                {
                    "instrument_id": str(iid),
                    "last_decision": self.decisions.get(iid, (None, None))[0],
                    "last_decision_ts_ns": self.decisions.get(iid, (None, None))[1],
                    "rejections": self.recent_rejections.get(iid),
                }
                for iid in self.instruments
            ],
            "quiet": self.watchdog.quiet(),
            "ts_ns": self.clock.time_ns(),
        }

    def positions(self) -> list[PositionView]:
        return position_views(self.portfolio, self.instruments)

    def open_orders(self) -> list[OrderView]:
        return [] if self.oms is None else order_views(self.oms, self.instruments)

    async def kill(self, reason: str, who: str) -> KillSwitchView:
        self.risk.kill_switch.trip(reason, source="operator", by=who)
        await self._persist()
        return kill_view(self.risk.kill_switch)

    async def reset_kill(self, who: str) -> KillSwitchView:
        self.risk.kill_switch.reset(who)
        await self._persist()
        return kill_view(self.risk.kill_switch)

    async def _persist(self) -> None:
        """Before answering: the switch's saved state and the journal are durable."""
        storage, saver, journal = self.storage, self._saver, self._journal
        if storage is None or saver is None or journal is None or self._closed:
            return  # not running: nothing to persist to
        await saver.wait()
        await journal.drain()
        await storage.journal.commit()

    async def force_open_breaker(self, name: str) -> BreakerView | None:
        breaker = self.breakers.get(name)
        if breaker is None:
            return None
        breaker.force_open()
        return {"name": name, "state": breaker.state.name}

    async def reset_breaker(self, name: str) -> BreakerView | None:
        breaker = self.breakers.get(name)
        if breaker is None:
            return None
        breaker.reset()
        return {"name": name, "state": breaker.state.name}

    async def reload_risk_limits(self, payload: dict[str, object] | None) -> ReloadResult:
        from bot4.config import parse_config
        from bot4.errors import ConfigError
        from bot4.risk import RiskConfig

        current = self.config.risk
        if payload is None:
            errors = ["no config file to re-read: send the risk table as JSON"]
        else:
            try:
                new = parse_config(payload, RiskConfig, source="reload")
            except ConfigError as exc:
                errors = [str(exc)]
            else:
                errors = self.risk.reload(new)
                if not errors:
                    current = new
                    self.config = msgspec.structs.replace(self.config, risk=new)
        limits = msgspec.to_builtins(current)
        return {"ok": not errors, "errors": errors, "limits": limits}
