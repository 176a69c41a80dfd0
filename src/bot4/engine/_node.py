"""TradingNode: market data -> paper venue, risk and strategies -> OMS, on one asyncio loop.

The node serves the bundled Binance dataset on a local replay WebSocket (plus its REST
snapshots), connects a real `FeedConnection` to it, and routes every normalised event to the
paper venue (fills), the OMS/risk marks, then the strategies. Strategies only ever reach the
venue through `StrategyContext.submit` -> `OrderManager.submit` (risk check first). A strategy
hook that raises stops that strategy alone: its orders are cancelled, the others go on. It
journals to the embedded SQLite storage in its run directory and writes `report.json` there.

Durability (`_durability`): the OMS appends to the journal in memory and `GroupCommit` makes it
durable once per event-loop turn that appended anything (never once per record); operator
commands await the commit before the API answers. The kill switch is restored from storage at
start (a tripped switch starts the node HALTED) and saved on every trip and reset, so it
survives a restart. Metrics, watchdog and `why` live in `_node_ops.NodeOps`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import msgspec

from bot4.clock import Clock, LiveClock
from bot4.engine._durability import GroupCommit, recover
from bot4.engine._node_ops import NodeOps
from bot4.engine._report import Latencies, PnlHistory, build_report
from bot4.engine._strategy import Strategy
from bot4.engine._views import account_str, kill_view, order_views, position_views
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
    ClientOrderIds,
    Order,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderManager,
    OrderRejected,
    OrderStatus,
    Portfolio,
)
from bot4.risk import RiskEngine
from bot4.storage import KillSwitchSaver, Storage, StorageConfig, persist_kill_switch
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

__all__ = ["TradingNode"]

log = logging.getLogger(__name__)
_ACCOUNT_PRECISION = 16  # Portfolio's account units: holds 8+8-decimal notionals exactly


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
        self.decisions: dict[InstrumentId, tuple[str, int]] = {}
        self.latencies = Latencies()
        self.pnl_history = PnlHistory()  # sampled once a second by _tick
        self.ops = NodeOps(self.clock, self.handler.exchange, self.strategies)
        self.metrics = self.ops.metrics
        self.watchdog = self.ops.watchdog
        self.recent_rejections = self.ops.recent_rejections  # per instrument, for --why
        self.metrics.add_scrape_hook(lambda: self.ops.sync(self))
        self.risk.kill_switch.subscribe(self.ops.on_kill_event)
        self.kill_restored = False  # the switch was tripped in storage when the node started
        self._journal: GroupCommit | None = None
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
        cfg = self.config.replay
        live = cfg.source == "live"
        session = None
        if not live:  # frames re-read from the file as they are sent: constant memory
            session = load_session(
                self._dataset / "BINANCE.ws.1.0", self._dataset / "BINANCE.http.0.0", stream=True
            )
        try:
            async with contextlib.AsyncExitStack() as servers:
                ws: ReplayServer | None = None
                if session is None:  # the exchange itself (or the stand-in the config names)
                    url, rest_base = cfg.ws_url or self.handler.ws_url, cfg.rest_base
                else:
                    ws = await servers.enter_async_context(
                        ReplayServer(session.frames, pace=cfg.pace)
                    )
                    http = await servers.enter_async_context(SnapshotServer(session.snapshots))
                    url, rest_base = ws.url, http.base
                for breaker in self.breakers.values():
                    breaker.subscribe(self.ops.on_breaker_event)
                conn = self.conn = FeedConnection(
                    self.handler, url, sink=self._on_events, clock=self.clock,
                    rest_base=rest_base, breaker=self.breakers["binance-ws"],
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
                self.ops.watch(
                    self.config.watchdog.feed_quiet_s, self.config.watchdog.strategy_quiet_s
                )
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
            if self._journal is not None:
                self._journal.closed = True  # commands after the run are not journaled
            await storage.close()
            self._closed = True
        elapsed_s = (self.clock.monotonic_ns() - started) / 1e9
        self.report = build_report(self, elapsed_s, 0 if session is None else len(session.frames))
        (self.run_dir / "report.json").write_bytes(
            msgspec.json.format(msgspec.json.encode(self.report))
        )
        from bot4.engine._report_html import write_html_report  # only at the end of a run

        write_html_report(self.run_dir, self.report)
        return self.report

    async def _recover(self, storage: Storage, loop: asyncio.AbstractEventLoop) -> OrderManager:
        """Kill switch, then the orders and positions of earlier runs (see `recover`)."""
        journal = self._journal = GroupCommit(
            storage.journal,
            loop,
            lambda ns: self.metrics.observe_latency_ns("journal_commit", ns),
            self._perf,
        )
        ks = self.risk.kill_switch
        oms, self.kill_restored = await recover(
            storage, journal, clock=self.clock, risk=self.risk, venue=self.venue,
            portfolio=self.portfolio, ids=self._ids,
            max_terminal_orders=self.config.max_terminal_orders,
        )  # fmt: skip
        self.oms = oms
        if self.kill_restored:
            v = kill_view(ks)
            msg = (
                f"kill switch is TRIPPED (restored from storage: {v['reason']!r} by {v['who']}, "
                f"source {v['source']}); trading HALTED until reset (bot4 reset-kill)"
            )
            log.critical(msg)
            self._announce(msg)
        self._saver = persist_kill_switch(ks, storage.backend, self.clock)
        return oms

    async def _tick(self, ws: ReplayServer | None, conn: FeedConnection) -> None:
        """Once per 100 ms: venue latency; once a second: correlation, PnL sample, watchdog;
        stop when the whole replay was read (a live feed runs until stopped)."""
        n = 0
        while True:
            await asyncio.sleep(0.1)
            self.venue.process_due()
            n += 1
            if n % 10 == 0:
                self.risk.update_correlation()
                self.pnl_history.sample(self.clock.time_ns(), self._pnl()[2])
                self.watchdog.check()
            if ws is not None and ws.done.is_set() and conn.stats.frames >= ws.stats.frames_sent:
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
        self.ops.on_feed_batch(self.clock.monotonic_ns())
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
        elif isinstance(event, OrderRejected):
            self.rejections[event.reason] += 1
        self.ops.on_order(order, event)
        s = self.strategies.get(order.strategy_id)
        if s is not None:
            self._guard(s, s.on_order_event, event)

    @property
    def breaker_events(self) -> list[dict[str, Any]]:
        """The latest breaker transitions (bounded; `ops.breaker_events_dropped` counts)."""
        return self.ops.breaker_events

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
        self.ops.on_decision(strategy.strategy_id)

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
