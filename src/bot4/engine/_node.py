"""TradingNode: the lifecycle of one node (start, run, stop, close) over parts it is given.

`build_node` (`_builder`) picks the parts that differ between modes — the data source, the
clock, the venue, the feed handler and its breakers, the strategies — and hands them over as
`NodeParts`. The node makes the parts that are the same in every mode (risk engine, portfolio,
OMS recovered from the journal) and the three small objects that route and expose them:
`EventRouter` (feed and order events -> venue, marks, strategies), `NodeContext` (what a
strategy sees) and `ApiView` (what the control API reads and writes; `control`).

Durability (`_durability`): the OMS appends to the journal in memory and `GroupCommit` makes it
durable once per event-loop turn that appended anything (never once per record); operator
commands await the commit before the API answers. The kill switch is restored from storage at
start (a tripped switch starts the node HALTED) and saved on every trip and reset, so it
survives a restart. Teardown is one `finally` path that works after a partial start.

Safety wiring: every external dependency has a circuit breaker — the feed's WebSocket and REST
(`<exchange>-ws`, `-rest`), the storage writer (`storage`), the journal's commits (`journal`) and
the execution venue's own (`venue.breakers`) — and all of them feed one `GlobalCircuitBreaker`
("global"; `[safety] global_open_ratio`) whose trip trips the kill switch (source
"global-breaker"). The control API lists every one of them, the global one included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from bot4.clock import Clock, LiveClock
from bot4.engine._api_view import ApiView, RiskParser
from bot4.engine._core import NodeCore
from bot4.engine._durability import GroupCommit, recover
from bot4.engine._report import PnlHistory, build_report
from bot4.engine._views import kill_view
from bot4.errors import ConfigError
from bot4.oms import OrderManager
from bot4.resilience import CircuitBreaker, CircuitConfig, GlobalCircuitBreaker
from bot4.risk import wire_breaker
from bot4.storage import KillSwitchSaver, Storage, persist_kill_switch

if TYPE_CHECKING:
    from bot4.api import ApiHandle
    from bot4.engine._sources import DataSource, Feed
    from bot4.engine._strategy import Strategy
    from bot4.engine.config import NodeConfig
    from bot4.model import Instrument, InstrumentId
    from bot4.venues import ExecutionVenue

__all__ = ["GLOBAL_BREAKER_SOURCE", "STORAGE_BREAKER", "NodeParts", "TradingNode"]

log = logging.getLogger(__name__)

# The timer task sleeps at most this long (s) between looks at the queue, so a clock that
# jumps (a simulated one stepped by someone else) is noticed.
_TIMER_CAP_S = 0.1
# The storage writer's and the journal's breakers: a database that is down fails every call,
# so three failures in a row open it; a trial after 5 s (the storage package's own default).
STORAGE_BREAKER = CircuitConfig(consecutive_failures=3, open_s=5.0)
# The kill switch's trigger source when the global breaker trips it.
GLOBAL_BREAKER_SOURCE = "global-breaker"


@dataclass(frozen=True, slots=True)
class NodeParts:
    """What `build_node` chose for this node (everything that differs between modes)."""

    clock: Clock
    instruments: Mapping[InstrumentId, Instrument]  # the traded instruments
    source: DataSource  # its `feed` keeps the books and counters
    venue: ExecutionVenue
    breakers: Mapping[str, CircuitBreaker]  # the feed's breakers by name (`binance-ws`, ...)
    strategies: Mapping[str, Strategy]  # by id (unique)


class TradingNode:
    """One paper-trading node; `control` implements `bot4.api.NodeControl`."""

    def __init__(
        self,
        config: NodeConfig,
        parts: NodeParts,
        *,
        run_dir: Path,
        api: bool,
        api_port: int | None,
        announce: Callable[[str], object],
        parse_risk: RiskParser,
    ) -> None:
        self.config = config
        self.run_dir = run_dir
        self.clock = clock = parts.clock
        # Stage timing (LiveClock's perf counter: the Clock protocol has no perf_ns).
        self._perf = perf = LiveClock().perf_ns
        self._announce = announce
        self._api_enabled = api and config.api.enabled
        self._api_port = api_port
        self.instruments = dict(parts.instruments)
        self.handler = parts.source.feed
        self.source = parts.source
        self.venue = parts.venue
        # Every dependency's breaker by name; all of them feed the global breaker.
        self.breakers = dict(parts.breakers)
        own = {n: CircuitBreaker(n, STORAGE_BREAKER, clock) for n in ("storage", "journal")}
        for name, breaker in [*parts.venue.breakers.items(), *own.items()]:
            if name in self.breakers:  # one name, one dependency: the API addresses it by name
                raise ConfigError(f"two circuit breakers named {name!r} (venue {parts.venue.name})")
            self.breakers[name] = breaker
        self.global_breaker = GlobalCircuitBreaker(
            list(self.breakers.values()), config.safety.global_open_ratio, clock, name="global"
        )
        core = self.core = NodeCore(
            config, clock=clock, instruments=self.instruments, books_of=self.handler,
            feed_name=self.handler.exchange,
            symbols=parts.source.symbols,
            venue=self.venue, strategies=parts.strategies, perf_ns=perf,
        )  # fmt: skip
        self.risk, self.portfolio, self.latencies = core.risk, core.portfolio, core.latencies
        self.pnl_history = PnlHistory()  # sampled once a second by _tick
        self.ops = ops = core.ops
        self.metrics = ops.metrics
        self.watchdog = ops.watchdog
        self._ids = core.ids
        self.books = core.books
        # The strategies' timers and the bars' closes, on the clock's monotonic time: fired by
        # `_fire_timers` here, by the backtest driver when it steps a TestClock.
        self.timers, self.bars = core.timers, core.bars
        self._timer_wake = asyncio.Event()
        self.timers.on_earlier = self._timer_wake.set
        self.context = core.context
        self.router = router = core.router
        self.strategies = router.strategies
        self.control = ApiView(
            clock=clock, instruments=self.instruments, risk=self.risk, risk_config=config.risk,
            portfolio=self.portfolio, breakers=self.breakers, context=self.context, ops=ops,
            pnl_history=self.pnl_history, persist=self._persist, parse_risk=parse_risk,
            global_breaker=self.global_breaker, execution=config.execution,
        )  # fmt: skip
        self.metrics.add_scrape_hook(lambda: ops.sync(self))
        self.risk.kill_switch.subscribe(ops.on_kill_event)
        self.global_breaker.subscribe(ops.on_breaker_event)
        self._unwire_global = wire_breaker(
            self.global_breaker, self.risk.kill_switch, source=GLOBAL_BREAKER_SOURCE
        )
        self.kill_restored = False  # the switch was tripped in storage when the node started
        self._journal: GroupCommit | None = None
        self._saver: KillSwitchSaver | None = None
        self._stop = asyncio.Event()
        self._closed = False  # storage closed: commands after the run are not journaled
        self.storage: Storage | None = None
        self.oms: OrderManager | None = None
        self.conn: Feed | None = None
        self.api: ApiHandle | None = None
        self.report: dict[str, Any] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask `run` to stop (end of data, --duration, Ctrl-C)."""
        self._stop.set()

    async def run(self, duration_s: float | None = None) -> dict[str, Any]:
        """Run until the source ends, `duration_s` passes or `stop()`; returns the report."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        started = self.clock.monotonic_ns()
        self.storage = storage = await Storage.open(
            self.config.storage_config(), self.clock, self.breakers["storage"]
        )
        loop = asyncio.get_running_loop()
        try:
            oms = await self._recover(storage, loop)
        except BaseException:
            await storage.close()
            raise
        self.risk.kill_switch.subscribe(oms.kill_switch_handler(loop.call_soon_threadsafe))
        try:
            async with contextlib.AsyncExitStack() as servers:
                notify = self.ops.notify(
                    self.config.notifications, self.instruments, self.control.pnl
                )
                await servers.enter_async_context(notify)  # its close sends the PnL at stop
                conn = self.conn = await self.source.connect(
                    servers, sink=self.router.on_events, clock=self.clock,
                    breakers=self.breakers,
                )  # fmt: skip
                for breaker in self.breakers.values():
                    breaker.subscribe(self.ops.on_breaker_event)
                if self._api_enabled:
                    from bot4.api import start_api

                    self.api = await start_api(
                        self.control, self.config.api, self.run_dir, port=self._api_port,
                        announce=self._announce,
                    )  # fmt: skip
                for s in list(self.strategies.values()):
                    s.bind(self.context)
                    self.router.guard(s, s.on_start)
                self.ops.watch(
                    self.config.watchdog.feed_quiet_s, self.config.watchdog.strategy_quiet_s
                )
                feed = asyncio.create_task(conn.run())
                ticker = asyncio.create_task(self._tick(conn))
                timers = asyncio.create_task(self._fire_timers())
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), duration_s)
                    ticker.cancel()
                    timers.cancel()
                    await self._shutdown(conn, feed)
                finally:  # also when run() itself is cancelled: leave no task behind
                    ticker.cancel()
                    timers.cancel()
                    await conn.close()  # idempotent; ends run() and the snapshot fetches
                    await asyncio.gather(ticker, timers, feed, return_exceptions=True)
        finally:
            if self.api is not None:
                await self.api.server.close()
            await self._persist()
            if self._journal is not None:
                self._journal.closed = True  # commands after the run are not journaled
            await storage.close()
            self._closed = True
        elapsed_s = (self.clock.monotonic_ns() - started) / 1e9
        self.report = build_report(self, elapsed_s, self.source.frames_total)
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
            breaker=self.breakers["journal"],
        )
        ks = self.risk.kill_switch
        oms, self.kill_restored = await recover(
            storage, journal, clock=self.clock, risk=self.risk, venue=self.venue,
            portfolio=self.portfolio, ids=self._ids,
            max_terminal_orders=self.config.max_terminal_orders,
        )  # fmt: skip
        self.core.attach(oms)
        self.oms = self.control.oms = oms
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

    async def _tick(self, conn: Feed) -> None:
        """Once per 100 ms: venue latency; once a second: correlation, PnL sample, watchdog;
        stop when the source has sent everything and all of it was read (live: never)."""
        n = 0
        while True:
            await asyncio.sleep(0.1)
            self.venue.process_due()
            if self.oms is not None:  # marks of flat positions, for the API's and risk's views
                self.oms.flush_marks()
            n += 1
            if n % 10 == 0:
                self.risk.update_correlation()
                self.pnl_history.sample(self.clock.time_ns(), self.control.pnl()[2])
                self.watchdog.check()
            if self.source.finished(conn.stats.frames):
                self.stop()

    async def _fire_timers(self) -> None:
        """Fire the strategies' timers and the bars' closes on time: sleep until the next due
        time (at most `_TIMER_CAP_S`), waking early when an earlier timer is set."""
        timers, clock, wake = self.timers, self.clock, self._timer_wake
        while True:
            due = timers.next_due_ns()
            delay = _TIMER_CAP_S
            if due is not None:
                delay = min(delay, max(0.0, (due - clock.monotonic_ns()) / 1e9))
            wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await wake.wait()
            timers.fire_due(clock.monotonic_ns())

    async def _shutdown(self, conn: Feed, feed: asyncio.Task[None]) -> None:
        for s in list(self.strategies.values()):
            self.router.guard(s, s.on_stop)
        if self.oms is not None:
            self.oms.cancel_all()
            self.oms.flush_marks()  # the report reads the marks
        self.venue.process_due()
        await conn.close()
        with contextlib.suppress(Exception):
            await feed

    async def _persist(self) -> None:
        """Before answering: the switch's saved state and the journal are durable."""
        storage, saver, journal = self.storage, self._saver, self._journal
        if storage is None or saver is None or journal is None or self._closed:
            return  # not running: nothing to persist to
        await saver.wait()
        await journal.drain()
        await storage.journal.commit()
