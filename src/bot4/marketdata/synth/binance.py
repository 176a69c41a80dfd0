"""Synthetic Binance spot and USD-M futures sessions with valid update-id sequencing.

Spot diffs chain `U == prev u + 1`; futures diffs carry `pu == prev u` with ids that jump
between messages (as the real futures stream does). Each symbol gets REST depth snapshots taken
at chosen points of its stream, with `lastUpdateId` placed so Binance's documented sync
procedure applies: spot — first applied diff has `U <= lastUpdateId+1 <= u`; futures — first
applied diff has `U <= lastUpdateId <= u`. A snapshot holds the book before that diff, so a
client that syncs from any of them ends with the same book as one that read every diff.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import msgspec
import orjson

from bot4.marketdata.recorder import RecordingWriter
from bot4.marketdata.synth._ladder import Ladder, sample_levels
from bot4.marketdata.synth._session import Session, wire

__all__ = ["DEFAULT_SYMBOLS", "SynthSymbol", "binance_session", "write_binance_session"]

_START_NS = 1_764_000_000 * 1_000_000_000  # 2025-11-24: a fixed, plausible epoch


class SynthSymbol(msgspec.Struct, frozen=True, kw_only=True):
    """One synthetic instrument: symbol as the exchange writes it, start price and precisions."""

    symbol: str  # "BTCUSDT"
    base: str  # "BTC"
    quote: str  # "USDT"
    mid: str  # starting mid price, decimal string
    price_precision: int  # decimals of the tick (tick = 1 price unit)
    size_precision: int  # decimals of the lot (lot = 1 size unit)
    max_lots: int = 50_000  # largest level quantity, in lots


# Tick and lot as Binance lists them (PRICE_FILTER tickSize, LOT_SIZE stepSize), matching the
# bundled bot4/data/instruments.json.
DEFAULT_SYMBOLS: tuple[SynthSymbol, ...] = (
    SynthSymbol(symbol="BTCUSDT", base="BTC", quote="USDT", mid="43250.00",
                price_precision=2, size_precision=5),
    SynthSymbol(symbol="ETHUSDT", base="ETH", quote="USDT", mid="2250.00",
                price_precision=2, size_precision=4),
    SynthSymbol(symbol="SOLUSDT", base="SOL", quote="USDT", mid="95.00",
                price_precision=2, size_precision=2),
)  # fmt: skip


def _tick_str(precision: int) -> str:
    return wire(1, precision, 8)


def _exchange_info(symbols: tuple[SynthSymbol, ...], futures: bool, ts_ms: int) -> str:
    entries = []
    for s in symbols:
        entry: dict[str, object] = {
            "symbol": s.symbol,
            "status": "TRADING",
            "baseAsset": s.base,
            "quoteAsset": s.quote,
            "baseAssetPrecision": 8,
            "quotePrecision": 8,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": _tick_str(s.price_precision),
                 "maxPrice": "1000000.00000000", "tickSize": _tick_str(s.price_precision)},
                {"filterType": "LOT_SIZE", "minQty": _tick_str(s.size_precision),
                 "maxQty": "90000.00000000", "stepSize": _tick_str(s.size_precision)},
            ],
        }  # fmt: skip
        if futures:
            entry["pricePrecision"] = s.price_precision
            entry["quantityPrecision"] = s.size_precision
            entry["contractType"] = "PERPETUAL"
        entries.append(entry)
    return orjson.dumps({"timezone": "UTC", "serverTime": ts_ms, "symbols": entries}).decode()


class _SymbolState:
    """Per-symbol generator state: the ladder, the last update id and the snapshot plan."""

    __slots__ = ("diffs", "ladder", "last_u", "snapshot_at", "spec", "trade_id")

    def __init__(self, spec: SynthSymbol, rng: random.Random, depth: int, snaps: set[int]) -> None:
        mid = round(float(spec.mid) * 10**spec.price_precision)
        self.spec = spec
        self.ladder = Ladder(rng, mid, depth, spec.max_lots)
        self.last_u = rng.randrange(10**9, 10**10)  # the last update id sent (or in the book)
        self.diffs = 0  # diffs sent so far for this symbol
        self.snapshot_at = snaps  # take a snapshot just before these diff indices
        self.trade_id = rng.randrange(10**6, 10**8)


def _header(symbols: tuple[SynthSymbol, ...], futures: bool) -> tuple[Session, str]:
    """The session without frames (URL, configuration, exchangeInfo) and the REST base URL."""
    host = "fstream.binance.com" if futures else "stream.binance.com:9443"
    rest = "https://fapi.binance.com/fapi/v1" if futures else "https://api.binance.com/api/v3"
    streams = "/".join(
        f"{s.symbol.lower()}@{ch}" for s in symbols for ch in ("depth@100ms", "aggTrade")
    )
    names = [f"{s.base}-{s.quote}{'-PERP' if futures else ''}" for s in symbols]
    session = Session(
        exchange="binance-futures" if futures else "binance",
        ws_url=f"wss://{host}/stream?streams={streams}",
        configuration={"trades": names, "l2_book": names},
    )
    session.headers.append(
        (f"{rest}/exchangeInfo", _START_NS, _exchange_info(symbols, futures, _START_NS // 10**6))
    )
    return session, rest


def _step_ns(duration_s: float, messages: int) -> int:
    return max(1, int(duration_s * 1e9) // max(messages, 1))


def binance_session(
    *,
    messages: int,
    seed: int,
    symbols: tuple[SynthSymbol, ...] = DEFAULT_SYMBOLS,
    futures: bool = False,
    duration_s: float = 60.0,
    depth: int = 1000,
    trade_ratio: float = 0.1,
    snapshot_points: tuple[float, ...] = (0.0, 0.5),
) -> Session:
    """A deterministic session of `messages` frames (diffs + aggTrades) over `duration_s`.

    `snapshot_points` are fractions of each symbol's diff stream where a REST snapshot is
    recorded (0.0 means just after the first three diffs, which the sync procedure then drops).
    The same arguments always give the same bytes.
    """
    session, rest = _header(symbols, futures)
    items = _items(
        rest, messages=messages, seed=seed, symbols=symbols, futures=futures,
        duration_s=duration_s, depth=depth, trade_ratio=trade_ratio,
        snapshot_points=snapshot_points,
    )  # fmt: skip
    for ts, text, url in items:
        if url is None:
            session.frames.append((ts, text))
        else:
            session.snapshots.append((url, ts, text))
    return session


def write_binance_session(
    folder: Path,
    *,
    messages: int,
    seed: int,
    symbols: tuple[SynthSymbol, ...] = DEFAULT_SYMBOLS,
    futures: bool = False,
    duration_s: float = 60.0,
    depth: int = 1000,
    trade_ratio: float = 0.1,
    snapshot_points: tuple[float, ...] = (0.0, 0.5),
) -> Path:
    """`binance_session(...).write(folder)` streamed: each frame goes to disk as it is made.

    Same bytes as the in-memory path, in constant memory, so a soak session of millions of
    frames can be generated. Returns the `.ws.1.0` file's path.
    """
    session, rest = _header(symbols, futures)
    writer = RecordingWriter(folder, session.exchange)
    try:
        for head_url, ts, body in session.headers:
            writer.header(head_url, ts, body)
        writer.configuration(session.configuration)
        writer.ws_connect(session.ws_url, _START_NS + _step_ns(duration_s, messages))
        items = _items(
            rest, messages=messages, seed=seed, symbols=symbols, futures=futures,
            duration_s=duration_s, depth=depth, trade_ratio=trade_ratio,
            snapshot_points=snapshot_points,
        )  # fmt: skip
        for ts, text, url in items:
            if url is None:
                writer.ws_recv(ts, text)
            else:
                writer.http(url, ts, text)
    finally:
        writer.close()
    return folder / f"{writer.prefix}.ws.1.0"


def _items(
    rest: str,
    *,
    messages: int,
    seed: int,
    symbols: tuple[SynthSymbol, ...],
    futures: bool,
    duration_s: float,
    depth: int,
    trade_ratio: float,
    snapshot_points: tuple[float, ...],
) -> Iterator[tuple[int, str, str | None]]:
    """The session's records in time order: (ts_ns, text, None) a frame, (ts_ns, body, url)
    a REST snapshot (yielded just before the diff it precedes)."""
    # Synthetic data, seeded for determinism: not a security use of random.
    rng = random.Random(seed)  # nosec B311
    per_symbol = max(1, int(messages * (1 - trade_ratio)) // len(symbols))
    snaps = {max(3, int(p * per_symbol)) for p in snapshot_points}
    states = [_SymbolState(s, rng, depth, set(snaps)) for s in symbols]
    step_ns = _step_ns(duration_s, messages)
    dumps = orjson.dumps
    for i in range(messages):
        ts = _START_NS + (i + 1) * step_ns
        ts_ms = ts // 1_000_000
        st = states[rng.randrange(len(states))]
        spec = st.spec
        pp, sp = spec.price_precision, spec.size_precision
        pd, sd = (pp, sp) if futures else (8, 8)
        stream = spec.symbol.lower()
        if rng.random() < trade_ratio:
            st.trade_id += 1
            buyer_maker = rng.random() < 0.5
            price = st.ladder.mid - 1 if buyer_maker else st.ladder.mid + 1
            data: dict[str, object] = {
                "e": "aggTrade", "E": ts_ms, "s": spec.symbol, "a": st.trade_id,
                "p": wire(price, pp, pd), "q": wire(rng.randint(1, 1000), sp, sd),
                "f": st.trade_id * 2, "l": st.trade_id * 2, "T": ts_ms - 2, "m": buyer_maker,
                "M": True,
            }  # fmt: skip
            yield ts, dumps({"stream": f"{stream}@aggTrade", "data": data}).decode(), None
            continue
        first = st.last_u + 1 + (rng.randrange(0, 40) if futures else 0)
        before = None
        if st.diffs in st.snapshot_at:
            # A snapshot holds the book before this diff (the diff is the first one applied).
            before = (st.ladder.top(True), st.ladder.top(False))
        changes = st.ladder.step(sample_levels(rng))
        last = first + len(changes) - 1 + rng.randrange(0, 3)
        if before is not None:
            snap_id = last - (last - first) // 2 if futures else first - 1
            url = f"{rest}/depth?symbol={spec.symbol}&limit=1000"
            body = _snapshot(snap_id, before, pp, sp, pd, sd, ts_ms if futures else None)
            yield ts - step_ns // 2, body, url
        bids = [[wire(p, pp, pd), wire(q, sp, sd)] for b, p, q in changes if b]
        asks = [[wire(p, pp, pd), wire(q, sp, sd)] for b, p, q in changes if not b]
        if futures:
            data = {"e": "depthUpdate", "E": ts_ms, "T": ts_ms - 3, "s": spec.symbol,
                    "U": first, "u": last, "pu": st.last_u, "b": bids, "a": asks}  # fmt: skip
        else:
            data = {"e": "depthUpdate", "E": ts_ms, "s": spec.symbol, "U": first, "u": last,
                    "b": bids, "a": asks}  # fmt: skip
        yield ts, dumps({"stream": f"{stream}@depth@100ms", "data": data}).decode(), None
        st.last_u = last
        st.diffs += 1


def _snapshot(
    snap_id: int,
    book: tuple[list[tuple[int, int]], list[tuple[int, int]]],
    pp: int,
    sp: int,
    pd: int,
    sd: int,
    futures_ts_ms: int | None,
) -> str:
    """A REST depth body; holds every level, so no level deeper than the snapshot goes stale."""
    doc: dict[str, object] = {"lastUpdateId": snap_id}
    if futures_ts_ms is not None:
        doc["E"] = futures_ts_ms
        doc["T"] = futures_ts_ms
    doc["bids"] = [[wire(p, pp, pd), wire(q, sp, sd)] for p, q in book[0]]
    doc["asks"] = [[wire(p, pp, pd), wire(q, sp, sd)] for p, q in book[1]]
    return orjson.dumps(doc).decode()
