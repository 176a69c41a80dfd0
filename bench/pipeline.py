"""The order pipeline: strategy intent -> risk check -> OMS -> paper venue ack -> fill -> position.

What each case times (one sample = one order, `time.perf_counter_ns` around the call, GC
on as in the node, collected before each case):

- `pipeline` (ours): build an `OrderRequest` (the strategy's intent, with a fresh client order
  id) and `OrderManager.submit` it: `RiskEngine.check` (every check, real Binance filters for
  BTCUSDT), journal `OrderSubmitted` (in-memory), `Order` + state machine, `PaperVenue.submit`
  with zero latency -> the venue walks the real `OrderBook`, emits `OrderAccepted` and an
  `OrderFilled` -> the OMS journals and applies each, nets the fill into the `Portfolio`, feeds
  the risk engine's `on_fill`/`on_order_closed`/`on_equity` hooks, and the order is FILLED
  before `submit` returns. Orders are marketable IOC limits alternating buy/sell, each with a
  distinct quantity (so the engine's identical-order check passes without being switched off).
- `stage_risk`: `RiskEngine.check(request)` alone (accepted path).
- `stage_oms`: `OrderManager.submit` with a pass-through risk gate and a venue that does nothing,
  then `on_venue_event(OrderAccepted)` and `on_venue_event(OrderFilled)`: duplicate check,
  journal appends, state machine, open-order books (this includes its `Portfolio.apply_fill`
  call, so OMS-only ~= stage_oms - stage_position).
- `stage_venue`: `PaperVenue.submit(OrderSubmitted)` alone: the book walk, ack + fill events.
- `stage_position`: `Portfolio.apply_fill` alone (netting, realized PnL, equity, peak).
- `pipeline_concurrent`: 50 instruments on one asyncio loop (uvloop when installed), one task
  per instrument submitting marketable IOC orders; the paper venue has 20 µs of (live) latency,
  so acks and fills arrive later from a driver task and orders are in flight together.
  Throughput in orders/s from first submit to last fill; `counters` holds the peak number of
  orders in flight.
- peer `pipeline`: NautilusTrader 1.221 (same process, bench dependency group): a registered
  `Strategy` creates a limit order with its `order_factory` and `submit_order`s it; it goes
  through nautilus' `RiskEngine` (pre-trade checks, throttler limit raised so it never queues)
  and `ExecutionEngine` to an execution client whose `submit_order` does nothing. No venue
  events, no fills, no position update: less work than ours.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bench.harness import SEED, Case, gc_on, latency_case, new_histogram, throughput_case
from bot4.clock import LiveClock
from bot4.marketdata import OrderBook
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
    bundled_instruments,
)
from bot4.oms import (
    ClientOrderIds,
    InMemoryJournal,
    LiquiditySide,
    OrderAccepted,
    OrderFilled,
    OrderManager,
    OrderStatus,
    OrderSubmitted,
    Portfolio,
    VenueEvent,
)
from bot4.risk import RiskConfig, RiskEngine
from bot4.venues import PaperVenue, PaperVenueConfig

_perf = time.perf_counter_ns
BTC = InstrumentId("BINANCE:BTCUSDT")
MID_QUOTE = 100  # every book is centred on 100.00 quote units


def _hundredth(step: int, precision: int) -> int:
    """0.01 of a unit on the instrument's grid: the smallest multiple of `step` (its tick or
    lot, in units of 10**-precision) that is at least 0.01, so the risk engine's tick and lot
    checks pass whatever the instrument's scale."""
    want = max(1, 10**precision // 100)
    return -(-want // step) * step


def _book(inst: Instrument) -> OrderBook:
    """20 levels a side, 0.01 apart (or a tick, if coarser), 10**6 base units each (orders fill
    at the touch)."""
    book = OrderBook(inst)
    mid = MID_QUOTE * 10**inst.price_precision
    tick = _hundredth(inst.tick, inst.price_precision)
    one = 10**inst.size_precision * 10**6
    for k in range(1, 21):
        book.apply(Side.BUY, mid - k * tick, one)
        book.apply(Side.SELL, mid + k * tick, one)
    book.synced = True
    return book


class _Stack:
    """One wired pipeline over `instruments` (risk engine, paper venue, journal, portfolio)."""

    def __init__(self, instruments: dict[InstrumentId, Instrument], latency_us: int = 0) -> None:
        self.clock = LiveClock()
        self.instruments = instruments
        self.books = {iid: _book(inst) for iid, inst in instruments.items()}
        self.venue = PaperVenue(
            self.clock, PaperVenueConfig(latency_us=latency_us), dict(self.books)
        )
        self.journal = InMemoryJournal()
        self.risk = RiskEngine(instruments, RiskConfig(), self.clock)
        self.portfolio = Portfolio(instruments, clock=self.clock, starting_equity=10**16)
        self.oms = OrderManager(
            clock=self.clock,
            risk=self.risk,
            venue=self.venue,
            journal=self.journal,
            portfolio=self.portfolio,
        )
        self.ids = ClientOrderIds("B-")
        self.mark()

    def mark(self) -> None:
        """Fresh reference prices (market data; the engine denies stale ones after 5 s)."""
        for iid, book in self.books.items():
            mid = book.mid()
            assert mid is not None
            self.oms.on_mark(iid, mid)

    def intent(self, iid: InstrumentId, i: int) -> OrderRequest:
        """Order i: a marketable IOC limit at the touch, alternating sides, distinct qty."""
        inst = self.instruments[iid]
        book = self.books[iid]
        buy = i % 2 == 0
        top = book.best_ask() if buy else book.best_bid()
        assert top is not None
        lot = _hundredth(inst.lot, inst.size_precision)  # 0.01 base unit (~1 quote unit)
        return OrderRequest(
            client_order_id=self.ids.next(),
            instrument_id=iid,
            side=Side.BUY if buy else Side.SELL,
            order_type=OrderType.LIMIT,
            qty=lot * (10 + i // 2),  # a pair (buy, sell) has one size: positions net to zero
            price=top[0],
            time_in_force=TimeInForce.IOC,
            ts_init=self.clock.time_ns(),
        )


def _timed(
    n: int,
    warmup: int,
    fn: Callable[[int], object],
    every: int = 0,
    between: Callable[[], object] | None = None,
    timer: Callable[[], int] = _perf,
) -> tuple[Any, int]:
    """Time fn(i) for i in warmup..warmup+n, one by one; `between` runs untimed every `every`.

    `timer` is wall time (perf_counter_ns) by default; `time.thread_time_ns` gives the CPU time
    of this thread, which leaves out the time the OS scheduler ran someone else.
    """
    for i in range(warmup):
        fn(i)
    hist = new_histogram()
    record = hist.record_value
    with gc_on():
        start = _perf()
        for i in range(warmup, warmup + n):
            if every and between is not None and i % every == 0:
                between()
            t0 = timer()
            fn(i)
            record(max(1, timer() - t0))
        elapsed = _perf() - start
    return hist, elapsed


def bench_pipeline(n: int, timer: Callable[[], int] = _perf) -> tuple[Case, dict[str, Any]]:
    stack = _Stack({BTC: bundled_instruments()[BTC]})
    oms, intent = stack.oms, stack.intent

    def one(i: int) -> object:
        return oms.submit(intent(BTC, i))

    hist, _ = _timed(n, 5_000, one, every=1_000, between=stack.mark, timer=timer)
    filled = sum(o.status is OrderStatus.FILLED for o in oms.orders.values())
    assert filled == len(oms.orders), "every order must fill inside submit"
    check = {
        "orders": len(oms.orders),
        "filled": filled,
        "journal_records": len(stack.journal),
        "position_qty": stack.portfolio.position_qty(BTC),
        "risk_open_orders": stack.risk.open_orders(),
    }
    return latency_case("pipeline", hist), check


def bench_stage_risk(n: int) -> Case:
    stack = _Stack({BTC: bundled_instruments()[BTC]})
    risk, intent = stack.risk, stack.intent
    requests = [intent(BTC, i) for i in range(n + 5_000)]
    denied = 0

    hist = new_histogram()
    record = hist.record_value
    for i in range(5_000):
        if not risk.check(requests[i]):
            denied += 1
        risk.on_order_closed(requests[i].client_order_id)
    with gc_on():
        for i in range(5_000, 5_000 + n):
            if i % 1_000 == 0:
                stack.mark()
            r = requests[i]
            t0 = _perf()
            verdict = risk.check(r)
            record(max(1, _perf() - t0))
            if not verdict:
                denied += 1
            risk.on_order_closed(r.client_order_id)
    assert denied == 0, f"{denied} denied"
    return latency_case("stage_risk", hist)


class _PassGate:
    """A risk gate that accepts everything (to time the OMS alone)."""

    def check(self, req: OrderRequest) -> object:
        return True

    def check_cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> object:
        return True

    def check_replace(self, client_order_id: ClientOrderId, req: OrderRequest) -> object:
        return True

    def on_order_opened(self, req: OrderRequest) -> None:
        return None

    def on_order_closed(self, client_order_id: ClientOrderId) -> None:
        return None

    def on_fill(self, client_order_id: ClientOrderId, qty: int, price: int) -> None:
        return None

    def set_position(self, instrument_id: InstrumentId, qty: int, price: int) -> None:
        return None

    def on_price(self, instrument_id: InstrumentId, price: int, ts_ns: int | None = None) -> None:
        return None

    def on_equity(self, equity: int) -> None:
        return None


class _SilentVenue:
    """A venue that accepts requests and answers nothing (the test drives the events)."""

    name = "silent"

    def set_event_handler(self, handler: Callable[[VenueEvent], None]) -> None:
        self.handler = handler

    def submit(self, order: OrderSubmitted) -> None:
        return None

    def cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> None:
        return None

    def replace(
        self,
        client_order_id: ClientOrderId,
        instrument_id: InstrumentId,
        qty: int,
        price: int | None,
    ) -> None:
        return None


def bench_stage_oms(n: int) -> Case:
    stack = _Stack({BTC: bundled_instruments()[BTC]})
    clock = stack.clock
    oms = OrderManager(
        clock=clock,
        risk=_PassGate(),
        venue=_SilentVenue(),
        journal=InMemoryJournal(),
        portfolio=Portfolio(stack.instruments, clock=clock, starting_equity=10**16),
    )
    requests = [stack.intent(BTC, i) for i in range(n + 5_000)]
    acks = [
        OrderAccepted(client_order_id=r.client_order_id, venue_order_id=f"V{i}", ts_event=0)
        for i, r in enumerate(requests)
    ]
    fills = [
        OrderFilled(
            client_order_id=r.client_order_id,
            instrument_id=BTC,
            venue_order_id=f"V{i}",
            fill_id=f"F{i}",
            side=r.side,
            last_qty=r.qty,
            last_price=r.price or 0,
            fee=1,
            liquidity=LiquiditySide.TAKER,
            ts_event=0,
        )
        for i, r in enumerate(requests)
    ]
    submit, on_event = oms.submit, oms.on_venue_event

    def one(i: int) -> object:
        submit(requests[i])
        on_event(acks[i])
        on_event(fills[i])
        return None

    hist, _ = _timed(n, 5_000, one)
    assert all(o.status is OrderStatus.FILLED for o in oms.orders.values())
    return latency_case("stage_oms", hist)


def bench_stage_venue(n: int) -> Case:
    stack = _Stack({BTC: bundled_instruments()[BTC]})
    sink: list[VenueEvent] = []
    venue = PaperVenue(stack.clock, PaperVenueConfig(), {BTC: stack.books[BTC]})
    venue.set_event_handler(sink.append)
    orders = []
    for i in range(n + 5_000):
        r = stack.intent(BTC, i)
        orders.append(
            OrderSubmitted(
                client_order_id=r.client_order_id,
                instrument_id=BTC,
                side=r.side,
                order_type=r.order_type,
                time_in_force=r.time_in_force,
                qty=r.qty,
                price=r.price,
                ts_event=0,
            )
        )

    def one(i: int) -> object:
        venue.submit(orders[i])
        return None

    hist, _ = _timed(n, 5_000, one, every=1_000, between=sink.clear)
    return latency_case("stage_venue", hist)


def bench_stage_position(n: int) -> Case:
    inst = bundled_instruments()[BTC]
    pf = Portfolio({BTC: inst}, clock=LiveClock(), starting_equity=10**16)
    apply = pf.apply_fill
    mid = MID_QUOTE * 10**inst.price_precision
    lot = _hundredth(inst.lot, inst.size_precision)

    def one(i: int) -> object:
        qty = lot + (i // 2) * inst.lot  # 0.01 BTC and up, a pair (buy, sell) of one size
        apply(BTC, Side.BUY if i % 2 == 0 else Side.SELL, qty, mid + (i % 7) * inst.tick, 5)
        return None

    hist, _ = _timed(n, 5_000, one)
    return latency_case("stage_position", hist)


def bench_concurrent(n_per_instrument: int, repeats: int) -> tuple[Case, dict[str, Any]]:
    instruments = dict(list(bundled_instruments().items())[:50])
    elapsed: list[float] = []
    peaks: list[int] = []
    denied = 0
    for _ in range(repeats):
        stack = _Stack(instruments, latency_us=20)
        total = n_per_instrument * len(instruments)
        peak = 0

        async def strategy(iid: InstrumentId, stack: _Stack = stack) -> None:
            submit, intent = stack.oms.submit, stack.intent
            for i in range(n_per_instrument):
                submit(intent(iid, i))
                if i % 20 == 19:
                    await asyncio.sleep(0)

        async def driver(stack: _Stack = stack, total: int = total) -> None:
            nonlocal peak
            venue, oms = stack.venue, stack.oms
            now = stack.clock.monotonic_ns
            marked = now()
            while oms.counters.fills + oms.counters.denied < total or venue.next_due_ns():
                peak = max(peak, oms.open_order_count())
                venue.process_due()
                if now() - marked > 500_000_000:  # market data: fresh reference prices
                    stack.mark()
                    marked = now()
                await asyncio.sleep(0)

        async def main(stack: _Stack = stack) -> float:
            t0 = _perf()
            async with asyncio.TaskGroup() as tg:
                tg.create_task(driver())
                for iid in instruments:
                    tg.create_task(strategy(iid))
            return (_perf() - t0) / 1e9

        with gc_on():
            elapsed.append(_run_loop(main()))
        peaks.append(peak)
        denied += stack.oms.counters.denied
        assert stack.oms.open_order_count() == 0
        assert denied == 0, f"{denied} orders denied: the throughput would count them"
    case = throughput_case(
        "pipeline_concurrent", "orders", n_per_instrument * len(instruments), elapsed
    )
    case["counters"] = {"peak_in_flight": max(peaks), "denied": denied}
    return case, {"instruments": len(instruments), "latency_us": 20}


def _run_loop(coro: Any) -> float:
    try:
        import uvloop

        return float(uvloop.run(coro))
    except ImportError:  # pragma: no cover - uvloop is a runtime dependency
        return float(asyncio.run(coro))


def bench_nautilus(n: int, timer: Callable[[], int] = _perf) -> tuple[Case | None, dict[str, Any]]:
    """NautilusTrader 1.221: strategy -> RiskEngine -> ExecutionEngine -> no-op client."""
    try:
        from bench._pipeline_nautilus import build

        one, reached, version = build()
    except ImportError as exc:  # the bench group is not installed
        return None, {"nautilus_error": str(exc)}
    hist, _ = _timed(n, 5_000, one, timer=timer)
    assert reached() == n + 5_000, f"only {reached()} orders reached the execution client"
    return latency_case("pipeline", hist), {
        "nautilus_version": version,
        "nautilus_orders_reaching_client": reached(),
    }


def _case_pcts(case: Case) -> dict[str, int]:
    return {k: case[k] for k in ("p50", "p99", "p999")}


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def run(quick: bool) -> tuple[list[Case], list[Case], dict[str, Any]]:
    n = 20_000 if quick else 100_000
    stage_n = 20_000 if quick else 50_000
    results: list[Case] = []
    pipeline, check = bench_pipeline(n)
    results.append(pipeline)
    results.append(bench_stage_risk(stage_n))
    results.append(bench_stage_oms(stage_n))
    results.append(bench_stage_venue(stage_n))
    results.append(bench_stage_position(stage_n))
    concurrent, conc_extra = bench_concurrent(400 if quick else 2_000, 1 if quick else 3)
    results.append(concurrent)
    peer, peer_extra = bench_nautilus(n)
    peers = [peer] if peer is not None else []
    # The same two workloads timed in thread CPU time: on this shared 2-core VM the wall-time
    # tails are the scheduler's 4 ms ticks (preemption by other jobs), not the code.
    cpu_n = n // 2
    ours_cpu, _ = bench_pipeline(cpu_n, timer=time.thread_time_ns)
    cpu_time: dict[str, Any] = {"samples": cpu_n, "pipeline": _case_pcts(ours_cpu)}
    peer_cpu, _ = bench_nautilus(cpu_n, timer=time.thread_time_ns)
    if peer_cpu is not None:
        cpu_time["peer_pipeline"] = _case_pcts(peer_cpu)
    extra: dict[str, Any] = {
        "seed": SEED,
        "gc": "on in timed sections (collected before each), as in the node",
        "measures": {
            "pipeline": "ours: OrderRequest built + OrderManager.submit: RiskEngine.check (all checks, "
            "Binance BTCUSDT filters) -> journal (in memory) -> Order -> PaperVenue (0 latency) walks "
            "a real OrderBook -> OrderAccepted + OrderFilled journaled and applied -> Portfolio "
            "netting/PnL/equity -> risk hooks (on_fill/on_order_closed/on_equity); FILLED on return",
            "peer pipeline": "NautilusTrader 1.221: order_factory.limit + Strategy.submit_order -> "
            "RiskEngine (pre-trade checks) -> ExecutionEngine -> no-op ExecutionClient.submit_order;"
            " no venue events, no fills, no position update",
            "stage_risk": "RiskEngine.check alone (accepted path)",
            "stage_oms": "OrderManager.submit (pass-through gate, silent venue) + ack + fill events "
            "(includes Portfolio.apply_fill)",
            "stage_venue": "PaperVenue.submit: book walk + ack/fill events",
            "stage_position": "Portfolio.apply_fill alone",
            "pipeline_concurrent": "50 instruments, one asyncio task each (uvloop), paper venue "
            "20 us live latency, orders/s first submit -> last fill",
        },
        "pipeline_check": check,
        "cpu_time_ns": cpu_time,
        "load_average": _loadavg(),
        **conc_extra,
        **peer_extra,
    }
    return results, peers, extra
