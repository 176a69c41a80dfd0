"""run_backtest: recorded market data through the node's own parts, on a simulated clock.

The same objects as `bot4 run` — books kept by the feed handlers, the strategies, the risk
engine, the OMS, the paper venue, the router between them (`NodeCore`) — driven by a loop
instead of an event loop: for each event in timestamp order, the `TestClock` steps to every
venue action and timer due before it (so a 500 µs ack lands 500 µs after its order, not at the
next trade), then to the event itself, and the router hands it on. No sockets, no sleeping,
no wall clock inside: the same inputs give the same report, byte for byte, apart from `timing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot4.backtest._capture import Recorder, SentOrder
from bot4.backtest._html import write_backtest_html
from bot4.backtest._inputs import BacktestInputs
from bot4.backtest._stats import compute_stats, dump_report
from bot4.clock import LiveClock, TestClock
from bot4.engine import NodeCore, build_strategies
from bot4.errors import DataError, LifecycleError
from bot4.marketdata.readers import OnError, open_data
from bot4.oms import InMemoryJournal, OrderManager
from bot4.venues import PaperVenue

if TYPE_CHECKING:
    from bot4.engine import BookIndex, NodeConfig, Strategy, TimerQueue

__all__ = ["BacktestResult", "run_backtest", "write_report"]

_perf = LiveClock().perf_ns  # wall time, for the report's `timing` only
SAMPLE_NS = 1_000_000_000  # equity, exposure and prices are sampled once per simulated second


@dataclass(slots=True)
class BacktestResult:
    """What a backtest produced: the report (also written to `out_dir`) and its counts."""

    report: dict[str, Any]
    events: int
    orders: int
    fills: int
    timing: dict[str, float]
    sent: list[SentOrder] = field(default_factory=list)  # every order sent, in order


def run_backtest(
    config: NodeConfig,
    data: Sequence[Path | str],
    *,
    strategies: Sequence[Strategy] | None = None,
    start_ns: int | None = None,
    end_ns: int | None = None,
    on_error: OnError = "skip",
    out_dir: Path | None = None,
    base_dir: Path | None = None,
    progress: Callable[[int], object] | None = None,
) -> BacktestResult:
    """Run the strategies (`strategies`, else the config's `[[strategies]]`) over `data`.

    Raises DataError for data that cannot be used (missing, unknown format, no events; a bad
    line too with `on_error="stop"`) and ConfigError for strategies the config cannot build.
    `progress(events)` is called every 65,536 events.
    """
    wall0 = _perf()
    md = open_data(data, start_ns=start_ns, end_ns=end_ns, on_error=on_error)
    events = iter(md)
    first = next(events, None)
    if first is None:
        raise DataError(f"{', '.join(map(str, data))}: no market data in the chosen period")
    clock = TestClock(start_ns=first.ts_init, wall_offset_ns=0)
    instruments = md.instruments
    specs: dict[str, str] = {}
    if strategies is not None:
        chosen = list(strategies)
    else:  # the config's entries, named in the report as the config names them
        chosen = build_strategies(config.strategies, instruments, base_dir or Path.cwd())
        specs = {e.id: e.class_ for e in config.strategies}
    venue = PaperVenue(clock, config.paper)
    core = NodeCore(
        config, clock=clock, instruments=instruments,
        books_of=cast("BookIndex", md), feed_name="data",
        symbols={iid: str(iid) for iid in instruments},
        venue=venue, strategies={s.strategy_id: s for s in chosen},
        perf_ns=_perf,
    )  # fmt: skip
    oms = OrderManager(
        clock=clock, risk=core.risk, venue=venue, journal=InMemoryJournal(),
        portfolio=core.portfolio, max_terminal_orders=config.max_terminal_orders,
    )  # fmt: skip
    core.attach(oms)
    recorder = Recorder(instruments, core.portfolio, core.books)
    oms.subscribe(recorder.on_order)
    wall1 = _perf()
    count, last_ns = _drive(core, clock, venue, recorder, first, events, progress)
    wall2 = _perf()
    inputs = BacktestInputs(
        fills=recorder.fills,
        equity=recorder.equity,
        prices=recorder.prices,
        starting_equity=float(config.starting_equity),
        denials=dict(sorted(core.router.denials.items())),
        orders=core.context.orders_submitted,
        start_ns=first.ts_init,
        end_ns=last_ns,
        fill_model=venue.fill_model_name(),
        strategies={s.strategy_id: specs.get(s.strategy_id, _spec(s)) for s in chosen},
        instruments=sorted(str(i) for i in instruments),
        data=[f"{Path(d.path).name} ({d.format})" for d in md.sources],
    )
    report = compute_stats(inputs)
    report["data_errors"] = {"count": md.errors.count, "first": list(md.errors.messages)}
    report["strategies_failed"] = dict(sorted(core.router.failed.items()))
    report["venue_rejections"] = dict(sorted(core.router.rejections.items()))
    load_s, run_s = (wall1 - wall0) / 1e9, (wall2 - wall1) / 1e9
    timing = {
        "setup_s": round(load_s, 6),
        "run_s": round(run_s, 6),
        "events_per_s": round(count / run_s, 1) if run_s > 0 else 0.0,
        "wall_s": round((_perf() - wall0) / 1e9, 6),
    }
    report["timing"] = timing
    if out_dir is not None:
        write_report(out_dir, report)
    return BacktestResult(
        report=report, events=count, orders=core.context.orders_submitted,
        fills=core.router.fills, timing=timing, sent=recorder.sent,
    )  # fmt: skip


def _drive(
    core: NodeCore,
    clock: TestClock,
    venue: PaperVenue,
    recorder: Recorder,
    first: Any,
    events: Iterator[Any],
    progress: Callable[[int], object] | None,
) -> tuple[int, int]:
    """The loop: start the strategies at the first event, run every event, stop them at the
    end (their open orders cancelled, the venue's pending work done); (events, last ts)."""
    router, timers, risk, oms = core.router, core.timers, core.risk, core.oms
    if oms is None:
        raise LifecycleError("the backtest's OMS is not attached")
    on_event = router.on_event
    advance = clock.advance_to_ns
    venue_due = venue.next_due_ns
    timer_due = timers.next_due_ns
    for s in router.strategies.values():
        s.bind(core.context)
        router.guard(s, s.on_start)
    recorder.sample(first.ts_init)
    next_sample = first.ts_init - first.ts_init % SAMPLE_NS + SAMPLE_NS
    now = first.ts_init
    on_event(first)
    count = 1
    for ev in events:
        ts = ev.ts_init
        if ts > now:
            vd, td = venue_due(), timer_due()
            if (vd is not None and vd <= ts) or (td is not None and td <= ts):
                _run_due(clock, venue, timers, ts)
            advance(ts)
            now = ts
            if ts >= next_sample:
                oms.flush_marks()
                recorder.sample(ts)
                risk.update_correlation()  # as the node does once a second
                next_sample = ts - ts % SAMPLE_NS + SAMPLE_NS
        on_event(ev)
        count += 1
        if progress is not None and not count & 0xFFFF:
            progress(count)
    for s in router.strategies.values():
        router.guard(s, s.on_stop)
    oms.cancel_all()
    while (due := venue_due()) is not None:  # the cancels' (and last acks') latency
        advance(due)
        venue.process_due()
    oms.flush_marks()
    recorder.sample(clock.monotonic_ns())
    if progress is not None:
        progress(count)
    return count, now


def _run_due(clock: TestClock, venue: PaperVenue, timers: TimerQueue, until_ns: int) -> None:
    """Step the clock to each venue action and timer due at or before `until_ns`, in time order
    (what one runs may schedule another: an ack's fill, a timer's order)."""
    while True:
        due = _earliest(venue.next_due_ns(), timers.next_due_ns())
        if due is None or due > until_ns:
            return
        clock.advance_to_ns(due)
        venue.process_due()
        timers.fire_due(due)


def _earliest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _spec(strategy: Strategy) -> str:
    cls = type(strategy)
    return f"{cls.__module__}:{cls.__qualname__}"


def write_report(out_dir: Path, report: dict[str, Any]) -> None:
    """report.json (sorted keys, so equal reports are equal bytes) and report.html."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_bytes(dump_report(report))
    write_backtest_html(out_dir, report)


def summary_line(result: BacktestResult) -> str:
    """Two lines for the terminal: what ran, and how it did."""
    s = result.report["summary"]

    def num(key: str, fmt: str = ".4g") -> str:
        value = s.get(key)
        return "n/a" if value is None else format(value, fmt)

    t = result.timing
    return (
        f"{result.events:,} events in {t['run_s']:.2f} s ({t['events_per_s']:,.0f}/s); "
        f"orders {result.orders:,}, fills {result.fills:,}, denied {s.get('denials', 0):,}\n"
        f"net pnl {num('net_pnl', ',.2f')} (fees {num('fees', ',.2f')}), return "
        f"{num('total_return', '.3%')}, sharpe {num('sharpe')}, sortino {num('sortino')}, "
        f"max drawdown {num('max_drawdown_pct', '.3%')}, trades {s.get('trades', 0)}, "
        f"win rate {num('win_rate', '.1%')}"
    )
