"""Backtest: events/s through books + strategy + risk + OMS + paper venue, and NautilusTrader's.

Cases (ours in `results`, NautilusTrader 1.221's `BacktestEngine` in `peers` under the same name;
throughput_per_s is events/s, the median over repeats):
- `backtest_events`: the Binance spot recording (/work/shared/data/recordings/BINANCE.ws.1.0
  with its recorded REST snapshots and the header's instruments; skipped when absent), book
  diffs + snapshots + trades, with `QuoteTouch`: on every book update with both sides present
  it keeps a GTC limit buy at the best bid and a sell at the best ask, a fixed size worth about
  20 USDT (cancel + new when the touch moves).
- `backtest_trades_only`: a seeded synthetic Binance aggTrade stream (200,000 trades; 20,000
  with --quick; 3 symbols) written as a recording, with `TradeVwap` (a running VWAP per
  instrument, no orders).

Ours: `bot4.backtest.run_backtest` on the recording files; its own events/s. The peer: the
same files decoded by Bot4's feed handler into `BookDeltas` / `TradeTick`, converted (untimed)
to nautilus `OrderBookDeltas` / `TradeTick` (bench/_backtest_nautilus.py), one fresh engine per
repeat, only `engine.run()` timed. Both strategies count orders, cancels and fills; `shapes`
in the JSON shows them side by side, so a reader sees the two did the same work.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from bench.harness import SEED, Case, gc_on, throughput_case
from bot4.marketdata import make_feed
from bot4.marketdata.sources.recording import Record, read_header, read_records
from bot4.model import BookDeltas, Instrument, InstrumentId, instruments_from_header

RECORDINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "recordings"
PREFIX = "BINANCE"
# About 20 USDT worth per order, in each quote currency of the recording (rough 2021 rates: the
# size only has to be small and the same on both sides).
NOTIONAL = {"BTC": Decimal("0.0004"), "ETH": Decimal("0.006")}
DEFAULT_NOTIONAL = Decimal(20)  # USDT, BUSD, EUR, ...


@dataclass(frozen=True, slots=True)
class Recording:
    """One recorded session's files: the WebSocket frames, the REST snapshots, the header."""

    ws: Path
    http: Path | None
    header: Path


@dataclass(frozen=True, slots=True)
class Decoded:
    """A recording as Bot4's feed handler normalised it."""

    events: list[object]  # BookDeltas, TradeTick, TopOfBook, Candle ... in order
    instruments: dict[InstrumentId, Instrument]
    mids: dict[InstrumentId, int]  # the final book's mid, where the book has both sides


@dataclass(frozen=True, slots=True)
class OursRun:
    """What `run_backtest` reported for one run."""

    events: int
    events_per_s: float
    orders: int
    fills: int


def decode(rec: Recording, exchange: str = "binance") -> Decoded:
    """Every received frame through a fresh handler; snapshots answered as `bot4 replay` does
    (the next recorded one of that symbol, not before its recorded time)."""
    by_symbol = instruments_from_header(read_header(rec.header), exchange)
    feed = make_feed(exchange, instruments=by_symbol, verify=True)
    recorded: dict[str, deque[Record]] = {}
    if rec.http is not None:
        for r in read_records(rec.http):
            if r.kind == "http":
                symbol = r.url.split("symbol=", 1)[1].split("&", 1)[0]
                recorded.setdefault(symbol, deque()).append(r)
    events: list[object] = []
    waiting: list[Any] = []

    def answer(now_ns: int | None) -> None:
        still = []
        for request in waiting:
            queue = recorded.get(request.symbol)
            if queue and (now_ns is None or queue[0].ts_ns <= now_ns):
                snap = queue.popleft()
                events.extend(feed.on_snapshot(request, snap.body.encode(), snap.ts_ns))
            else:
                still.append(request)
        waiting[:] = still

    for r in read_records(rec.ws):
        if r.kind != "recv":
            continue
        events.extend(feed.on_message(r.body, r.ts_ns))
        waiting.extend(feed.pending_snapshots())
        if waiting:
            answer(r.ts_ns)
    waiting.extend(feed.pending_snapshots())
    answer(None)
    # Only the instruments the stream carries: the header lists the whole exchange (~1,500
    # Binance symbols), and a nautilus venue with every one of them and their ~400 currencies
    # as balances spends ~5 ms per order on account bookkeeping (measured: 0.25 s vs 0.035 s
    # for this recording's 44 orders and cancels).
    seen = {getattr(ev, "instrument_id", None) for ev in events}
    instruments = {inst.id: inst for inst in by_symbol.values() if inst.id in seen}
    mids = {}
    for book in feed.books.values():
        mid = book.mid()
        if mid is not None and book.best_bid() is not None and book.best_ask() is not None:
            mids[book.instrument.id] = mid
    return Decoded(events, instruments, mids)


def order_qtys(decoded: Decoded) -> dict[InstrumentId, int]:
    """Per instrument with a two-sided book and quoted in the account currency (USDT): the size
    (size units, a whole number of lots) worth about NOTIONAL at the final mid. Bot4's risk
    engine refuses orders whose quote is not the account currency (it keeps no FX rates), so
    quoting BTC- or EUR-quoted books would compare Bot4's denials with NautilusTrader's orders:
    both sides quote only these."""
    out = {}
    for iid, mid in decoded.mids.items():
        inst = decoded.instruments[iid]
        if inst.quote != "USDT":
            continue
        notional = NOTIONAL.get(inst.quote, DEFAULT_NOTIONAL)
        price = Decimal(mid).scaleb(-inst.price_precision)
        lots = (notional / price).scaleb(inst.size_precision) / inst.lot
        out[iid] = max(1, int(lots.to_integral_value(ROUND_CEILING))) * inst.lot
    return out


def write_trades(folder: Path, trades: int) -> Recording:
    """A seeded synthetic Binance session of aggTrades only, written as a recording."""
    from bot4.marketdata.synth import binance_session

    session = binance_session(
        messages=trades, seed=SEED, trade_ratio=1.0, depth=20, duration_s=trades / 1000
    )
    ws = session.write(folder)
    return Recording(ws=ws, http=None, header=folder / f"{PREFIX}.0")


# -- ours ----------------------------------------------------------------------------------------
def run_ours(rec: Recording, strategy: Any, symbols: Sequence[str]) -> OursRun:
    """One `bot4.backtest.run_backtest` over the recording, with `strategy` alone."""
    from bot4.backtest import run_backtest
    from bot4.engine.config import NodeConfig

    config = NodeConfig(starting_equity=10**9, strategies=[])
    with tempfile.TemporaryDirectory() as out:
        result = run_backtest(config, [rec.ws], strategies=[strategy], out_dir=Path(out))
    return OursRun(
        events=int(result.events),
        events_per_s=float(result.timing["events_per_s"]),
        orders=int(result.orders),
        fills=int(result.fills),
    )


def _ours_case(
    name: str, rec: Recording, make: Callable[[], Any], symbols: Sequence[str], repeats: int
) -> tuple[Case | None, dict[str, Any]]:
    """Our case over `repeats` runs, or None and the reason it was not measured."""
    runs: list[OursRun] = []
    strategy = None
    try:
        for _ in range(repeats):
            strategy = make()
            with gc_on():
                runs.append(run_ours(rec, strategy, symbols))
    except ImportError as exc:
        return None, {"not_measured": f"bot4.backtest.run_backtest unavailable: {exc}"}
    case = throughput_case(
        name, "events", runs[0].events, [r.events / r.events_per_s for r in runs]
    )
    shape = {"events": runs[0].events, "orders": runs[0].orders, "fills": runs[0].fills}
    if strategy is not None:
        shape["strategy_orders"] = strategy.orders
        shape["strategy_fills"] = strategy.fills
        shape["strategy_cancels"] = getattr(strategy, "cancels", 0)
    return case, shape


# -- the peer ------------------------------------------------------------------------------------
def _peer_case(
    name: str, decoded: Decoded, make: Callable[[Any], Any], repeats: int
) -> tuple[Case | None, dict[str, Any]]:
    """NautilusTrader's case over `repeats` fresh engines, or None without nautilus."""
    try:
        from bench import _backtest_nautilus as nt
    except ImportError as exc:  # the bench group is not installed
        return None, {"not_measured": f"nautilus_trader unavailable: {exc}"}
    data = nt.to_nautilus(decoded.events, decoded.instruments)
    instruments = list(decoded.instruments.values())
    runs = []
    for _ in range(repeats):
        with gc_on():
            runs.append(nt.run_engine(data, instruments, make(nt)))
    case = throughput_case(name, "events", len(data), [r.elapsed_s for r in runs])
    last = runs[-1]
    shape = {
        "events": last.events,
        "orders": last.orders,
        "cancels": last.cancels,
        "fills": last.fills,
        "trades": last.trades,
        "nautilus_version": nt.VERSION,
    }
    return case, shape


def _count(events: Sequence[object]) -> dict[str, int]:
    out: dict[str, int] = {}
    for ev in events:
        key = type(ev).__name__
        if isinstance(ev, BookDeltas) and ev.is_snapshot:
            key = "BookDeltas(snapshot)"
        out[key] = out.get(key, 0) + 1
    return out


def _pair(
    name: str,
    rec: Recording,
    decoded: Decoded,
    ours_make: Callable[[], Any],
    peer_make: Callable[[Any], Any],
    repeats: int,
    results: list[Case],
    peers: list[Case],
    extra: dict[str, Any],
) -> None:
    symbols = sorted(inst.symbol for inst in decoded.instruments.values())
    ours, ours_shape = _ours_case(name, rec, ours_make, symbols, repeats)
    theirs, peer_shape = _peer_case(name, decoded, peer_make, repeats)
    extra["shapes"][name] = {
        "decoded_events": _count(decoded.events),
        "ours": ours_shape,
        "nautilus": peer_shape,
    }
    if ours is not None:
        results.append(ours)
    if theirs is not None:
        peers.append(theirs)
        extra["metrics"][f"nautilus_{name}_per_s"] = round(theirs["throughput_per_s"])
    if ours is not None and theirs is not None:
        extra["metrics"][f"{name}_ratio_vs_nautilus"] = round(
            ours["throughput_per_s"] / theirs["throughput_per_s"], 3
        )


def _quote_touch(qtys: Mapping[InstrumentId, int], decoded: Decoded) -> tuple[Any, Any]:
    from bench._backtest_strategy import QuoteTouch

    def ours() -> Any:
        return QuoteTouch("QuoteTouch-001", qtys)

    def peer(nt: Any) -> Any:
        return nt.NtQuoteTouch(nt.quote_qtys(qtys, decoded.instruments))

    return ours, peer


def _trade_vwap(decoded: Decoded) -> tuple[Any, Any]:
    from bench._backtest_strategy import TradeVwap

    iids = sorted(decoded.instruments)

    def ours() -> Any:
        return TradeVwap("TradeVwap-001", iids)

    def peer(nt: Any) -> Any:
        return nt.NtTradeVwap([nt.nt_instrument_id(decoded.instruments[i]) for i in iids])

    return ours, peer


def run(quick: bool) -> tuple[list[Case], list[Case], dict[str, Any]]:
    results: list[Case] = []
    peers: list[Case] = []
    extra: dict[str, Any] = {"notes": [], "metrics": {}, "shapes": {}, "seed": SEED}
    repeats = 3 if quick else 7
    ws = RECORDINGS / f"{PREFIX}.ws.1.0"
    if ws.is_file():
        http = RECORDINGS / f"{PREFIX}.http.0.0"
        rec = Recording(
            ws=ws, http=http if http.is_file() else None, header=RECORDINGS / f"{PREFIX}.0"
        )
        decoded = decode(rec)
        qtys = order_qtys(decoded)
        extra["order_qtys"] = {
            str(i): decoded.instruments[i].qty_str(q) for i, q in sorted(qtys.items())
        }
        ours_make, peer_make = _quote_touch(qtys, decoded)
        _pair("backtest_events", rec, decoded, ours_make, peer_make, repeats, results, peers, extra)
    else:
        extra["notes"].append(f"recording absent at {ws}: backtest_events skipped")
    trades = 20_000 if quick else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        rec = write_trades(Path(tmp), trades)
        decoded = decode(rec)
        ours_make, peer_make = _trade_vwap(decoded)
        _pair(
            "backtest_trades_only",
            rec,
            decoded,
            ours_make,
            peer_make,
            2 if quick else 3,
            results,
            peers,
            extra,
        )
    for name, shape in extra["shapes"].items():
        if "not_measured" in shape["ours"]:
            extra["notes"].append(f"{name}: ours not measured: {shape['ours']['not_measured']}")
    extra["median_note"] = "throughput_per_s is events/s, the median over repeats"
    extra["events_note"] = (
        "each side counts its own events: nautilus is fed BookDeltas (as OrderBookDeltas) and "
        "TradeTicks only (shapes.*.nautilus.events); ours counts what run_backtest counts "
        "(shapes.*.ours.events), which may include book tickers and candles"
    )
    extra["gc"] = "on in timed sections (collected before each run), as in the node"
    if results:
        extra["metrics"]["backtest_events_per_s"] = next(
            (c["throughput_per_s"] for c in results if c["case"] == "backtest_events"), None
        )
    return results, peers, extra
