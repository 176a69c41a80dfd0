"""Binance spot and USD-M futures: diff-depth books kept in sync exactly as Binance documents.

"How to manage a local order book correctly" (spot and USD-M futures pages), as implemented here:

1. Diffs for a symbol are buffered from the first one seen; the first also asks for a REST
   snapshot (`pending_snapshots` -> `on_snapshot`).
2. From the snapshot (`lastUpdateId` = L), buffered diffs are dropped when stale
   (spot: `u <= L`; futures: `u < L`). The first diff applied must bridge the snapshot
   (spot: `U <= L + 1 <= u`; futures: `U <= L <= u`). If the oldest remaining diff starts after
   that, the snapshot is older than the stream: it is discarded and another one asked for.
3. Then every diff must follow the previous one (spot: `U == prev u + 1`; futures:
   `pu == prev u`). Anything else is a gap: the book is cleared and unsynced, the diff buffered,
   and a new snapshot asked for (a resync). A diff whose `u` is not past the book's (a duplicate
   or a replay) is ignored: quantities are absolute, so skipping it loses nothing. A run of
   MAX_STALE_RUN such diffs means our update id is ahead of the stream (a corrupt `u`): a gap.
4. Quantities are absolute; 0 deletes the level, and a delete of an absent level is normal.

A book publishes events only while synced; until the bridging diff applies it is not trusted, so
"updates applied before the snapshot" and "updates lost during the snapshot fetch" cannot happen,
and the snapshot replaces every level, so no level deeper than it survives a resync.
Trades, book tickers and klines do not depend on the diff book and flow regardless.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from bot4.marketdata._book import OrderBook
from bot4.marketdata._handler import SnapshotRequest, log_sample
from bot4.marketdata._speedups import native
from bot4.marketdata.feeds._base import BaseFeed, UnknownMessage, snapshot_event
from bot4.marketdata.feeds._binance_schema import (
    AggTrade,
    AggTradeFrame,
    BookTicker,
    BookTickerFrame,
    DepthFrame,
    DepthSnapshot,
    DepthSnapshotFloats,
    DepthUpdate,
    DepthUpdateFloats,
    DepthUpdateRaw,
    Envelope,
    FastDepthFrame,
    Kline,
    KlineFrame,
    RawDepthFrame,
    Trade,
    TradeFrame,
)
from bot4.marketdata.feeds._parse import LevelsParser
from bot4.marketdata.feeds._wire import (
    WIRE_DECIMALS,
    WIRE_LIMIT,
    NotExact,
    WireLevels,
    plain_numbers,
    snapshot_pairs,
)
from bot4.model import BookDeltas, Candle, Instrument, InstrumentId, Side, TopOfBook, TradeTick

__all__ = ["MAX_BUFFER", "MAX_STALE_RUN", "BinanceFuturesFeed", "BinanceSpotFeed"]

# Diffs in a row that may be ignored as already applied before the book is distrusted: one
# duplicate is normal, a run means our update id ran ahead of the stream (a corrupt `u`).
MAX_STALE_RUN = 5

# Diffs buffered per symbol while waiting for a snapshot; the oldest go first (if one of them was
# needed, the bridge check fails and another snapshot is fetched: safe, just slower).
MAX_BUFFER = 10_000

_BUY = Side.BUY
_SELL = Side.SELL
_WIRE_SCALE = float(10**WIRE_DECIMALS)

_envelope = msgspec.json.Decoder(Envelope)
_depth_frame = msgspec.json.Decoder(DepthFrame)
_agg_trade_frame = msgspec.json.Decoder(AggTradeFrame)
_trade_frame = msgspec.json.Decoder(TradeFrame)
_book_ticker_frame = msgspec.json.Decoder(BookTickerFrame)
_kline_frame = msgspec.json.Decoder(KlineFrame)

# Binance's kline intervals (stream `<symbol>@kline_<interval>`).
_KLINE_INTERVALS = (
    *("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h"),
    *("4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"),
)
_depth = msgspec.json.Decoder(DepthUpdate)
# The float route (feeds._wire): levels decoded to floats in C; lax mode is what lets msgspec
# read "0.35130000" as a float.
_fast_depth_frame = msgspec.json.Decoder(FastDepthFrame, strict=False)
_snapshot = msgspec.json.Decoder(DepthSnapshot)
_fast_snapshot = msgspec.json.Decoder(DepthSnapshotFloats, strict=False)
# Levels left as text for the C parser, where the extension is built (bot4.marketdata._speedups).
_raw_depth_frame = msgspec.json.Decoder(RawDepthFrame)
_parse_pairs = native.parse_pairs if native is not None else None
_snapshot_native = native.binance_snapshot if native is not None else None
_binance_frame = native.binance_frame if native is not None else None
_agg_trade = msgspec.json.Decoder(AggTrade)
_trade = msgspec.json.Decoder(Trade)
_book_ticker = msgspec.json.Decoder(BookTicker)
_kline = msgspec.json.Decoder(Kline)


# The levels of one diff in the order applied, (side, price, qty): the bids, then the asks.
Deltas = Sequence[tuple[Side, int, int]]


def _no_levels(rows: Iterable[Sequence[str]], side: Side) -> list[tuple[Side, int, int]]:
    raise ValueError("no instrument yet to parse levels with")


class WireDepth(msgspec.Struct, gc=False):
    """A diff whose levels are parsed already, in its book's instrument's units: by the C
    parser (`_native_depth`) or through the float route (feeds._wire, wire units, which are
    then the instrument's)."""

    s: str  # symbol
    U: int  # first update id in the event
    u: int  # final update id in the event
    deltas: Deltas  # bids as (BUY, price, qty), then asks as (SELL, price, qty)
    E: int  # event time, ms
    pu: int  # futures: final update id of the previous event (-1 on spot)


@dataclass(slots=True)
class _DepthState:
    """Sync state of one symbol's diff book."""

    # The book once its instrument is known (None until the first snapshot when inferring).
    book: OrderBook | None = None
    # Rows of strings -> (side, price, qty) for the book's instrument (set with `book`).
    levels: LevelsParser = _no_levels
    # The instrument's units are wire units (precision 8 both ways), so diffs may take the
    # float route of feeds._wire (set with `book`).
    wire_units: bool = False
    # Update id the book is at; -1 while no snapshot is loaded.
    last_u: int = -1
    # Diffs held while no snapshot is loaded, oldest first.
    buffer: deque[DepthUpdate | WireDepth] = field(default_factory=lambda: deque(maxlen=MAX_BUFFER))
    # A snapshot is needed and not yet handed out by `pending_snapshots`.
    want: bool = False
    # A snapshot was handed out and is not answered yet.
    asked: bool = False
    # Diffs ignored in a row as already applied (see MAX_STALE_RUN).
    stale_run: int = 0


class _BinanceFeed(BaseFeed):
    """Spot and USD-M futures differ only in their URLs and the sync rules' off-by-ones."""

    futures = False
    ws_url = "wss://stream.binance.com:9443/stream"
    snapshot_url = "https://api.binance.com/api/v3/depth?symbol={symbol}&limit=1000"
    # Channels subscribed per symbol by `subscribe_messages`.
    channels: tuple[str, ...] = ("depth@100ms", "aggTrade", "bookTicker")
    _padded_inference = True

    def __init__(
        self,
        symbols: Iterable[str] = (),
        instruments: Mapping[str, Instrument] | None = None,
        verify: bool = True,
    ) -> None:
        super().__init__(symbols, instruments, verify)
        # Sync state per symbol.
        self._depth_states: dict[str, _DepthState] = {}
        # Some state may want a snapshot (set with every `want`; cleared by pending_snapshots).
        self._wanted = False
        # Channel name (bytes and str) -> one-pass handler of a combined-stream frame.
        self._on_frame: dict[bytes | str, Callable[[bytes | str, int], list[object]]] = {}
        for name, handler in (
            ("depth", self._depth_frame),
            ("depth@100ms", self._depth_frame),
            ("depth@250ms", self._depth_frame),
            ("depth@500ms", self._depth_frame),
            ("aggTrade", self._agg_trade_frame),
            ("trade", self._trade_frame),
            ("bookTicker", self._book_ticker_frame),
            *((f"kline_{i}", self._kline_frame) for i in _KLINE_INTERVALS),
        ):
            self._on_frame[name] = self._on_frame[name.encode()] = handler
        # Stream symbols (lower case, str and bytes) whose diffs are parsed before the sync
        # rules see them: all with a book where the C extension is built, else those whose
        # book is in wire units (the float route, feeds._wire).
        self._wire_syms: set[bytes | str] = set()
        # symbol -> (price, size precision) of the symbols whose instrument is settled (a book
        # attached, or a first bookTicker parsed): what `_native.binance_frame` may parse.
        self._native_prec: dict[str, tuple[int, int]] = {}
        # symbol -> (instrument, price parser, qty parser) for the non-book channels.
        self._simple: dict[str, tuple[Instrument, Callable[[str], int], Callable[[str], int]]] = {}

    # --- FeedHandler ---------------------------------------------------------------------------

    def subscribe_messages(self) -> list[str]:
        """One SUBSCRIBE for every channel of every symbol (streams are lower-case)."""
        params = [f"{s.lower()}@{c}" for s in self.symbols for c in self.channels]
        return [msgspec.json.encode({"method": "SUBSCRIBE", "params": params, "id": 1}).decode()]

    def on_disconnect(self) -> None:
        """Every book unsynced and emptied; buffers and outstanding requests forgotten."""
        for book in self.books.values():
            book.clear()
        self._depth_states.clear()
        self._wanted = False
        self.wants_reconnect = False

    def pending_snapshots(self) -> list[SnapshotRequest]:
        if not self._wanted:  # called after every frame: the usual answer must cost nothing
            return []
        self._wanted = False
        out = []
        for symbol, st in self._depth_states.items():
            if st.want and not st.asked:
                st.want = False
                st.asked = True
                out.append(SnapshotRequest(symbol, self.snapshot_url.format(symbol=symbol)))
        return out

    def on_snapshot(self, request: SnapshotRequest, body: bytes, ts_recv_ns: int) -> list[object]:
        """Load a REST snapshot, then drain the buffer through the sync rules."""
        st = self._state(request.symbol)
        st.asked = False
        book = st.book
        fast = None
        if book is not None and _snapshot_native is not None and not book.synced:
            native_snap = self._native_snapshot(body, book.instrument)
            if native_snap is not None:
                last_u, e_ms, bid_levels, ask_levels = native_snap
                book.clear()
                book.load_levels(bid_levels, ask_levels)
                return self._synced_from_snapshot(st, book, last_u, e_ms, ts_recv_ns)
        elif book is not None and st.wire_units and not book.synced:
            # Only for books whose diffs take the float route too: elsewhere the string path
            # fills the price memo the diffs then hit (measured on USD-M: the float route's
            # faster snapshots cost as much again in the diffs' memo misses).
            fast = self._float_snapshot(body)
        if book is not None and fast is not None:
            last_u, e_ms, bids, asks = fast
        else:
            try:
                snap = _snapshot.decode(body)
            except msgspec.DecodeError as exc:
                self.stats.errors += 1
                st.want = self._wanted = True  # ask again
                self._log_bad_snapshot(body, exc)
                return []
            if book is not None and book.synced:
                # A late answer (e.g. to a request made before a reconnect): the book is in
                # sync already, and loading an older snapshot over it would only force a resync.
                self.stats.ignored += 1
                return []
            if book is None:
                prices = [p for p, _ in snap.bids[:50]] + [p for p, _ in snap.asks[:50]]
                qtys = [q for _, q in snap.bids[:50]] + [q for _, q in snap.asks[:50]]
                book = self._attach_book(st, request.symbol, prices, qtys)
            try:
                levels = self.snapshot_parser(book.instrument)
                bids, asks = levels(snap.bids), levels(snap.asks)
            except ValueError as exc:
                book.clear()
                self.stats.errors += 1
                st.want = self._wanted = True
                self._log_bad_snapshot(body, exc)
                return []
            last_u, e_ms = snap.lastUpdateId, snap.E
        book.clear()
        book.load(bids, asks)
        return self._synced_from_snapshot(st, book, last_u, e_ms, ts_recv_ns)

    def _synced_from_snapshot(
        self, st: _DepthState, book: OrderBook, last_u: int, e_ms: int, ts_recv_ns: int
    ) -> list[object]:
        """After a snapshot's levels are loaded: drain the buffer through the sync rules."""
        self.stats.snapshots += 1
        st.last_u = last_u
        book.ts_event = e_ms * 1_000_000
        buffered = list(st.buffer)
        st.buffer.clear()
        for ev in buffered:
            self._depth_event(ev, ts_recv_ns, emit=False)
        if book.synced:
            return [snapshot_event(book, st.last_u, book.ts_event, ts_recv_ns)]
        return []

    @staticmethod
    def _native_snapshot(
        body: bytes, inst: Instrument
    ) -> tuple[int, int, dict[int, int], dict[int, int]] | None:
        """(lastUpdateId, E, bids, asks) in the instrument's units, parsed in one pass in C
        straight into {price: qty} dicts; None when the body is not plain JSON with plain rows
        of plain decimals: the strings decide then, with their errors."""
        assert _snapshot_native is not None, "called only where the extension is built"  # nosec B101
        got: tuple[int, int, dict[int, int], dict[int, int]] | None = _snapshot_native(
            body, inst.price_precision, inst.size_precision
        )
        return got

    @staticmethod
    def _float_snapshot(
        body: bytes,
    ) -> tuple[int, int, list[tuple[int, int]], list[tuple[int, int]]] | None:
        """(lastUpdateId, E, bids, asks) in wire units through the float route (feeds._wire),
        or None when the body's text does not vouch for it or anything is amiss: the strings
        decide then."""
        if not plain_numbers(body):
            return None
        try:
            snap = _fast_snapshot.decode(body)
            return snap.lastUpdateId, snap.E, snapshot_pairs(snap.bids), snapshot_pairs(snap.asks)
        except (ValueError, NotExact):
            return None

    # --- frames --------------------------------------------------------------------------------

    def _handle(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        # The hot path: a combined-stream frame starts `{"stream":"<symbol>@<channel>"`, so a
        # look at its head picks the Struct and the frame is decoded in one pass.
        if isinstance(data, bytes):
            # Hotter still: a depth or bookTicker frame of a settled symbol, parsed whole in C
            # (`_native.binance_frame`); None sends the frame down the msgspec path below.
            got = _binance_frame(data, self._native_prec, _BUY, _SELL) if _binance_frame else None
            if got is not None:
                if got[0] == 0:  # (0, s, E, U, u, pu, deltas)
                    _, symbol, e_ms, first, u, pu, deltas = got
                    st = self._depth_states.get(symbol)
                    if st is not None and st.book is not None:
                        return self._apply_levels(
                            st, symbol, e_ms, first, u, pu, deltas, ts_recv_ns
                        )
                else:  # the first frame of a book's symbol on another channel goes below
                    found = self._simple.get(got[1])
                    if found is not None:
                        return [_native_event(got, found[0].id, ts_recv_ns)]
            if data.startswith(b'{"stream":"'):
                end = data.find(b'"', 11)
                at = data.find(b"@", 11, end)
                channel: bytes | str = data[at + 1 : end]
                if channel in _DEPTH_CHANNELS:  # the hottest path of all
                    if data[11:at] in self._wire_syms:
                        return self._wire_depth(data, ts_recv_ns)
                    return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
                on_frame = self._on_frame.get(channel)
                if on_frame is not None:
                    return on_frame(data, ts_recv_ns)
        elif data.startswith('{"stream":"'):
            end = data.find('"', 11)
            channel = data[data.find("@", 11, end) + 1 : end]
            on_frame = self._on_frame.get(channel)
            if on_frame is not None:
                return on_frame(data, ts_recv_ns)
        env = _envelope.decode(data)
        stream = env.stream
        if stream:
            channel = stream[stream.find("@") + 1 :]
            raw: bytes | str = env.data
        elif env.e:
            channel = _RAW_CHANNELS.get(env.e, env.e)
            raw = data
        elif b'"result"' in (data if isinstance(data, bytes) else data.encode()):
            return []  # {"result": null, "id": 1}: the answer to SUBSCRIBE
        else:
            channel = "bookTicker"  # the one raw-stream event without "e"
            raw = data
        if channel.startswith("depth"):
            if channel != "depth" and not channel.startswith("depth@"):
                raise UnknownMessage(f"partial depth stream {stream!r} is not handled")
            return self._depth_event(_depth.decode(raw), ts_recv_ns, emit=True)
        if channel == "aggTrade":
            t = _agg_trade.decode(raw)
            return [self._trade_tick(t.s, t.p, t.q, t.m, str(t.a), t.T, ts_recv_ns)]
        if channel == "trade":
            tr = _trade.decode(raw)
            return [self._trade_tick(tr.s, tr.p, tr.q, tr.m, str(tr.t), tr.T, ts_recv_ns)]
        if channel == "bookTicker":
            return [self._top_of_book(_book_ticker.decode(raw), ts_recv_ns)]
        if channel.startswith("kline"):
            return [self._candle(_kline.decode(raw), ts_recv_ns)]
        raise UnknownMessage(f"channel {channel!r}")

    def _depth_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        """A combined-stream diff: the float route (feeds._wire) for a book in wire units,
        else the memoised strings, which are as fast elsewhere (measured on the USD-M
        recording, whose prices and sizes recur). Text frames only: `_handle` sends bytes
        depth frames to `_wire_depth` or `_depth_event` straight away."""
        if isinstance(data, str) and data[11 : data.find("@", 11)] in self._wire_syms:
            return self._wire_depth(data, ts_recv_ns)
        return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)

    def _wire_depth(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        """A diff through the float route when the frame's text vouches for it (else the
        strings). The common case (a synced book, the next diff) is applied here, inline: it
        is most of every depth stream. Where the C extension is built, `_native_depth`."""
        if _parse_pairs is not None:
            return self._native_depth(data, ts_recv_ns)
        try:
            ev = _fast_depth_frame.decode(data).data
        except msgspec.ValidationError:
            return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
        st = self._depth_states.get(ev.s)
        if st is None or not st.wire_units or not plain_numbers(data):
            return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
        limit = WIRE_LIMIT
        scale = _WIRE_SCALE
        rows = ev.b
        # p, q >= 0: plain_numbers found no "-"; the upper bound is checked here, per number.
        bids = [
            (_BUY, round(p * scale), round(q * scale)) for p, q in rows if p < limit and q < limit
        ]
        if len(bids) != len(rows):  # out of the float route's range: the strings decide
            return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
        rows = ev.a
        asks = [
            (_SELL, round(p * scale), round(q * scale)) for p, q in rows if p < limit and q < limit
        ]
        if len(asks) != len(rows):
            return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
        return self._apply_wire(st, ev, bids, asks, ts_recv_ns)

    def _native_depth(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        """A diff with its levels parsed in C, exactly, at the book's precisions; any frame
        the C parser declines (or that does not decode) takes the string path and its errors."""
        assert _parse_pairs is not None, "called only where the extension is built"  # nosec B101
        try:
            ev = _raw_depth_frame.decode(data).data
        except msgspec.DecodeError:
            return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
        st = self._depth_states.get(ev.s)
        book = st.book if st is not None else None
        if st is None or book is None:
            return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
        inst = book.instrument
        bids = _parse_pairs(ev.b, inst.price_precision, inst.size_precision, _BUY)
        asks = _parse_pairs(ev.a, inst.price_precision, inst.size_precision, _SELL)
        if bids is None or asks is None:
            return self._depth_event(_depth_frame.decode(data).data, ts_recv_ns, emit=True)
        return self._apply_wire(st, ev, bids, asks, ts_recv_ns)

    def _apply_wire(
        self,
        st: _DepthState,
        ev: DepthUpdateFloats | DepthUpdateRaw,
        bids: WireLevels,
        asks: WireLevels,
        ts_recv_ns: int,
    ) -> list[object]:
        """A diff whose levels are parsed already (`_apply_levels`)."""
        return self._apply_levels(st, ev.s, ev.E, ev.U, ev.u, ev.pu, bids + asks, ts_recv_ns)

    def _apply_levels(
        self,
        st: _DepthState,
        symbol: str,
        e_ms: int,
        first: int,
        u: int,
        pu: int,
        deltas: Deltas,
        ts_recv_ns: int,
    ) -> list[object]:
        """A diff (U = `first`, u, pu) whose levels are parsed already (bids, then asks): the
        common case (a synced book, the next diff) inline, anything else through the sync
        rules of `_depth_event`."""
        book = st.book
        assert book is not None, "the parsed routes run only with the book"  # nosec B101
        if (
            book.synced
            and u > (last := st.last_u)
            and (pu == last if self.futures else last + 1 >= first)
        ):
            book.apply_deltas(deltas)
            st.last_u = u
            st.stale_run = 0
            book.ts_event = ts_event = e_ms * 1_000_000
            return [
                BookDeltas(
                    instrument_id=book.instrument.id,
                    deltas=tuple(deltas),
                    is_snapshot=False,
                    sequence=u,
                    ts_event=ts_event,
                    ts_init=ts_recv_ns,
                )
            ]
        wire = WireDepth(symbol, first, u, deltas, e_ms, pu)
        return self._depth_event(wire, ts_recv_ns, emit=True)

    def _agg_trade_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        t = _agg_trade_frame.decode(data).data
        return [self._trade_tick(t.s, t.p, t.q, t.m, str(t.a), t.T, ts_recv_ns)]

    def _trade_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        t = _trade_frame.decode(data).data
        return [self._trade_tick(t.s, t.p, t.q, t.m, str(t.t), t.T, ts_recv_ns)]

    def _book_ticker_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        return [self._top_of_book(_book_ticker_frame.decode(data).data, ts_recv_ns)]

    def _kline_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        return [self._candle(_kline_frame.decode(data).data, ts_recv_ns)]

    def _depth_event(
        self, ev: DepthUpdate | WireDepth, ts_recv_ns: int, emit: bool
    ) -> list[object]:
        """Apply one diff under the sync rules (module docstring); events only when synced."""
        st = self._depth_states.get(ev.s)
        # The hot path, first: a synced book and the diff that follows its last one.
        if (
            st is not None
            and (book := st.book) is not None
            and book.synced
            and (u := ev.u) > (last := st.last_u)
            and (ev.pu == last if self.futures else last + 1 >= ev.U)
        ):
            deltas: Deltas
            if isinstance(ev, WireDepth):
                deltas = ev.deltas
            else:
                deltas = st.levels(ev.b, _BUY)
                if ev.a:
                    deltas += st.levels(ev.a, _SELL)
            book.apply_deltas(deltas)
            st.last_u = u
            st.stale_run = 0
            book.ts_event = ts_event = ev.E * 1_000_000
            if not emit:
                return []
            return [
                BookDeltas(
                    instrument_id=book.instrument.id,
                    deltas=tuple(deltas),
                    is_snapshot=False,
                    sequence=u,
                    ts_event=ts_event,
                    ts_init=ts_recv_ns,
                )
            ]
        if st is None:
            st = self._state(ev.s)
        book = st.book
        stats = self.stats
        last = st.last_u
        if last < 0 or book is None:  # no snapshot yet: buffer, and ask for one
            st.buffer.append(ev)
            stats.buffered += 1
            if not st.asked:
                st.want = self._wanted = True
            return []
        u = ev.u
        first = ev.U
        if not book.synced:  # snapshot loaded: this diff must be stale or bridge it
            if u < last or (u == last and not self.futures):
                stats.ignored += 1
                return []
            if first > (last if self.futures else last + 1):
                # The snapshot is older than the stream: fetch another (Binance step 3).
                self._resync(st, ev, gap=False)
                return []
        elif u <= last:  # a duplicate or an old diff: already in the book
            stats.ignored += 1
            st.stale_run += 1
            if st.stale_run >= MAX_STALE_RUN and self.verify:
                self._resync(st, ev, gap=True)
            return []
        elif self.verify and (ev.pu != last if self.futures else first > last + 1):
            # Spot allows U <= last < u (an overlap): quantities are absolute, so it is safe.
            self._resync(st, ev, gap=True)
            return []
        # Parse every level first, then apply them in one call (OrderBook.apply_deltas): a
        # malformed level raises before the book changes, and the loops stay tight.
        if isinstance(ev, WireDepth):
            deltas = ev.deltas
        else:
            deltas = st.levels(ev.b, _BUY)
            if ev.a:
                deltas += st.levels(ev.a, _SELL)
        book.apply_deltas(deltas)
        st.last_u = u
        st.stale_run = 0
        ts_event = ev.E * 1_000_000
        book.ts_event = ts_event
        if not book.synced:
            book.synced = True
            return [snapshot_event(book, u, ts_event, ts_recv_ns)] if emit else []
        if not emit:
            return []
        return [
            BookDeltas(
                instrument_id=book.instrument.id,
                deltas=tuple(deltas),
                is_snapshot=False,
                sequence=u,
                ts_event=ts_event,
                ts_init=ts_recv_ns,
            )
        ]

    def _resync(self, st: _DepthState, ev: DepthUpdate | WireDepth, gap: bool) -> None:
        """Drop the book, keep `ev` buffered, and ask for a new snapshot."""
        stats = self.stats
        if gap:
            stats.gaps += 1
        stats.resyncs += 1
        if st.book is not None:
            st.book.clear()
        st.last_u = -1
        st.stale_run = 0
        st.buffer.clear()
        st.buffer.append(ev)
        if not st.asked:
            st.want = self._wanted = True

    # --- helpers -------------------------------------------------------------------------------

    def _state(self, symbol: str) -> _DepthState:
        st = self._depth_states.get(symbol)
        if st is None:
            st = self._depth_states[symbol] = _DepthState()
            if symbol in self.instruments:
                self._attach_book(st, symbol, (), ())
        return st

    def _attach_book(
        self,
        st: _DepthState,
        symbol: str,
        prices: list[str] | tuple[()],
        qtys: list[str] | tuple[()],
    ) -> OrderBook:
        book = self.book(symbol, prices, qtys)
        st.book = book
        inst = book.instrument
        st.levels = self.levels_parser(inst)
        st.wire_units = inst.price_precision == inst.size_precision == WIRE_DECIMALS
        if st.wire_units or _parse_pairs is not None:
            self._wire_syms.update((symbol.lower(), symbol.lower().encode()))
        self._native_prec[symbol] = (inst.price_precision, inst.size_precision)
        return book

    def _simple_parsers(
        self, symbol: str, prices: tuple[str, ...], qtys: tuple[str, ...]
    ) -> tuple[Instrument, Callable[[str], int], Callable[[str], int]]:
        found = self._simple.get(symbol)
        if found is None:
            inst = self.instrument(symbol, prices, qtys)
            found = self._simple[symbol] = (inst, *self.parsers(inst))
            self._native_prec[symbol] = (inst.price_precision, inst.size_precision)
        return found

    def _log_bad_snapshot(self, body: bytes, exc: Exception) -> None:
        log_sample(self.stats, self.exchange, "malformed snapshot", body, exc)

    def _trade_tick(
        self, symbol: str, p: str, q: str, maker_buys: bool, trade_id: str, t_ms: int, ts: int
    ) -> TradeTick:
        inst, price, qty = self._simple_parsers(symbol, (p,), (q,))
        return TradeTick(
            instrument_id=inst.id,
            price=price(p),
            qty=qty(q),
            aggressor=_SELL if maker_buys else _BUY,
            trade_id=trade_id,
            ts_event=t_ms * 1_000_000,
            ts_init=ts,
        )

    def _top_of_book(self, t: BookTicker, ts: int) -> TopOfBook:
        inst, price, qty = self._simple_parsers(t.s, (t.b, t.a), (t.B, t.A))
        return TopOfBook(
            instrument_id=inst.id,
            bid_price=price(t.b),
            bid_qty=qty(t.B),
            ask_price=price(t.a),
            ask_qty=qty(t.A),
            ts_event=t.E * 1_000_000,
            ts_init=ts,
        )

    def _candle(self, kl: Kline, ts: int) -> Candle:
        k = kl.k
        inst, price, qty = self._simple_parsers(kl.s, (k.o, k.h, k.l, k.c), (k.v,))
        return Candle(
            instrument_id=inst.id,
            interval=k.i,
            open=price(k.o),
            high=price(k.h),
            low=price(k.l),
            close=price(k.c),
            volume=qty(k.v),
            trades=k.n,
            closed=k.x,
            ts_open=k.t * 1_000_000,
            ts_close=k.T * 1_000_000,
            ts_event=kl.E * 1_000_000,
            ts_init=ts,
        )


def _native_event(
    got: tuple[Any, ...], instrument_id: InstrumentId, ts_init: int
) -> TopOfBook | TradeTick | Candle:
    """The event of a bookTicker, trade or kline frame as `_native.binance_frame` reads it."""
    kind = got[0]
    if kind == 1:  # (1, s, E, u, bid, bid qty, ask, ask qty)
        return TopOfBook(
            instrument_id=instrument_id,
            bid_price=got[4],
            bid_qty=got[5],
            ask_price=got[6],
            ask_qty=got[7],
            ts_event=got[2] * 1_000_000,
            ts_init=ts_init,
        )
    if kind == 2:  # (2, s, T, trade id, price, qty, the buyer is the maker)
        return TradeTick(
            instrument_id=instrument_id,
            price=got[4],
            qty=got[5],
            aggressor=_SELL if got[6] else _BUY,
            trade_id=str(got[3]),
            ts_event=got[2] * 1_000_000,
            ts_init=ts_init,
        )
    # (3, s, E, interval, open time, close time, open, high, low, close, volume, trades, closed)
    return Candle(
        instrument_id=instrument_id,
        interval=got[3],
        open=got[6],
        high=got[7],
        low=got[8],
        close=got[9],
        volume=got[10],
        trades=got[11],
        closed=got[12],
        ts_open=got[4] * 1_000_000,
        ts_close=got[5] * 1_000_000,
        ts_event=got[2] * 1_000_000,
        ts_init=ts_init,
    )


# Channels of a diff-depth stream, as bytes (the head of a combined-stream frame).
_DEPTH_CHANNELS = frozenset((b"depth", b"depth@100ms", b"depth@250ms", b"depth@500ms"))

# Event type ("e") of a raw-stream frame -> the channel name of a combined-stream frame.
_RAW_CHANNELS = {"depthUpdate": "depth", "kline": "kline"}


class BinanceSpotFeed(_BinanceFeed):
    """Binance spot (`wss://stream.binance.com:9443/stream`, snapshots from `/api/v3/depth`)."""

    exchange = "binance"


class BinanceFuturesFeed(_BinanceFeed):
    """Binance USD-M futures (`wss://fstream.binance.com/stream`, snapshots `/fapi/v1/depth`)."""

    exchange = "binance-futures"
    futures = True
    ws_url = "wss://fstream.binance.com/stream"
    snapshot_url = "https://fapi.binance.com/fapi/v1/depth?symbol={symbol}&limit=1000"
