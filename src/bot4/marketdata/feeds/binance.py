"""Binance spot and USD-M futures: decode (decode/binance.py), sync (sync/binance.py), book.

Diff-depth books follow Binance's "How to manage a local order book correctly", whose rules
`sync.binance.DiffSync` owns; trades, book tickers and klines do not depend on the diff book
and flow regardless. A book publishes events only while synced.

Routes, fastest first; each ends in the same rules, `DiffSync.step` (or `follows`, the first
clause of `step`, on the hottest path), and applies a diff through `_Symbol.apply` (or, for
the diff that bridges a snapshot, `_diff`):
1. bytes frames of a settled symbol, read whole by `_accel.binance_frame`;
2. diffs of a symbol with a book, levels read by `_accel.parse_pairs` (text frames, or what
   route 1 declined);
3. everything else decoded to strings and parsed with the instrument's memoised parsers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from bot4.marketdata import _accel
from bot4.marketdata._handler import FeedStats, SnapshotRequest, log_sample
from bot4.marketdata.book import OrderBook
from bot4.marketdata.decode import binance as decode
from bot4.marketdata.decode._binance_schema import AggTrade, BookTicker, DepthUpdate, Kline, Trade
from bot4.marketdata.decode._parse import LevelsParser
from bot4.marketdata.feeds._base import BaseFeed, snapshot_event
from bot4.marketdata.sync.binance import APPLY, BRIDGE, HELD, MAX_BUFFER, MAX_STALE_RUN, DiffSync
from bot4.model import BookDeltas, Instrument, Side

__all__ = ["MAX_BUFFER", "MAX_STALE_RUN", "BinanceFuturesFeed", "BinanceSpotFeed"]

_BUY = Side.BUY
_SELL = Side.SELL

# The levels of one diff in the order applied, (side, price, qty): the bids, then the asks.
Deltas = Sequence[tuple[Side, int, int]]


class WireDepth(msgspec.Struct, gc=False):
    """A diff whose levels are parsed already, in its book's instrument's units."""

    s: str  # symbol
    U: int  # first update id in the event
    u: int  # final update id in the event
    deltas: Deltas  # bids as (BUY, price, qty), then asks as (SELL, price, qty)
    E: int  # event time, ms
    pu: int  # futures: final update id of the previous event (-1 on spot)


_Diff = DepthUpdate | WireDepth


class _Symbol(DiffSync[_Diff]):
    """One symbol's sync state with the book it vouches for."""

    __slots__ = ("book", "levels")

    def __init__(self, futures: bool, verify: bool, stats: FeedStats) -> None:
        super().__init__(futures, verify, stats)
        # The book once its instrument is known (None until the first snapshot when inferring).
        self.book: OrderBook | None = None
        # Rows of strings -> (side, price, qty) for the book's instrument (set with `book`).
        self.levels: LevelsParser | None = None

    def apply(
        self, book: OrderBook, u: int, e_ms: int, deltas: Deltas, ts_recv_ns: int
    ) -> list[object]:
        """The next diff of the synced `book` (`follows`, or `step` said APPLY): into the book,
        out as one event."""
        book.apply_deltas(deltas)
        # `applied(u)` inlined, one call less on the feed's hottest line (synced already).
        self.last_u = u
        self.stale_run = 0
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
        self._symbols: dict[str, _Symbol] = {}
        # Some state may want a snapshot (set with every `want`; cleared by pending_snapshots).
        self._wanted = False
        # Channel name (bytes and str) -> one-pass handler of a combined-stream frame.
        self._on_frame: dict[bytes | str, Callable[[bytes | str, int], list[object]]] = {}
        for name, handler in (
            ("aggTrade", self._agg_trade_frame),
            ("trade", self._trade_frame),
            ("bookTicker", self._book_ticker_frame),
            *((f"kline_{i}", self._kline_frame) for i in decode.KLINE_INTERVALS),
        ):
            self._on_frame[name] = self._on_frame[name.encode()] = handler
        # Stream symbols (lower case, str and bytes) with a book: their diffs take route 2.
        self._book_syms: set[bytes | str] = set()
        # symbol -> (price, size precision) of the symbols whose instrument is settled (a book
        # attached, or a first bookTicker parsed): what route 1 may read.
        self._prec: dict[str, tuple[int, int]] = {}
        # symbol -> (instrument, price parser, qty parser) for the non-book channels.
        self._simple: dict[str, decode.Parsers] = {}

    # --- FeedHandler ---------------------------------------------------------------------------

    def subscribe_messages(self) -> list[str]:
        """One SUBSCRIBE for every channel of every symbol (streams are lower-case)."""
        params = [f"{s.lower()}@{c}" for s in self.symbols for c in self.channels]
        return [msgspec.json.encode({"method": "SUBSCRIBE", "params": params, "id": 1}).decode()]

    def on_disconnect(self) -> None:
        """Every book unsynced and emptied; buffers and outstanding requests forgotten."""
        for book in self.books.values():
            book.clear()
        self._symbols.clear()
        self._wanted = False
        self.wants_reconnect = False

    def pending_snapshots(self) -> list[SnapshotRequest]:
        if not self._wanted:  # called after every frame: the usual answer must cost nothing
            return []
        self._wanted = False
        url = self.snapshot_url
        return [
            SnapshotRequest(symbol, url.format(symbol=symbol))
            for symbol, st in self._symbols.items()
            if st.request()
        ]

    def on_snapshot(self, request: SnapshotRequest, body: bytes, ts_recv_ns: int) -> list[object]:
        """Load a REST snapshot, then drain the buffer through the sync rules."""
        st = self._state(request.symbol)
        st.answered()
        book = st.book
        if book is not None and not st.synced:
            inst = book.instrument
            got = _accel.binance_snapshot(body, inst.price_precision, inst.size_precision)
            if got is not None:
                last_u, e_ms, bid_levels, ask_levels = got
                book.clear()
                book.load_levels(bid_levels, ask_levels)
                return self._loaded(st, book, last_u, e_ms, ts_recv_ns)
        try:
            snap = decode.snapshot(body)
        except msgspec.DecodeError as exc:
            return self._bad_snapshot(st, body, exc)
        if book is not None and st.synced:
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
            return self._bad_snapshot(st, body, exc)
        book.clear()
        book.load(bids, asks)
        return self._loaded(st, book, snap.lastUpdateId, snap.E, ts_recv_ns)

    def _loaded(
        self, st: _Symbol, book: OrderBook, last_u: int, e_ms: int, ts_recv_ns: int
    ) -> list[object]:
        """After a snapshot's levels are loaded: drain the buffer through the sync rules."""
        buffered = st.loaded(last_u)
        book.ts_event = e_ms * 1_000_000
        for ev in buffered:
            self._diff(st, ev, ts_recv_ns, emit=False)
        if st.synced:
            return [snapshot_event(book, st.last_u, book.ts_event, ts_recv_ns)]
        return []

    def _bad_snapshot(self, st: _Symbol, body: bytes, exc: Exception) -> list[object]:
        """Count and sample an unusable snapshot, and ask for another."""
        self.stats.errors += 1
        st.retry()
        self._wanted = True
        log_sample(self.stats, self.exchange, "malformed snapshot", body, exc)
        return []

    # --- frames --------------------------------------------------------------------------------

    def _handle(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        if isinstance(data, bytes):  # route 1: read whole where the symbol is settled
            got = _accel.binance_frame(data, self._prec, _BUY, _SELL)
            if got is not None:
                if got[0] == 0:  # (0, s, E, U, u, pu, deltas)
                    _, symbol, e_ms, first, u, pu, deltas = got
                    st = self._symbols.get(symbol)
                    if st is not None and (book := st.book) is not None:
                        if st.follows(first, u, pu):  # the hottest path of all
                            return st.apply(book, u, e_ms, deltas, ts_recv_ns)
                        diff = WireDepth(symbol, first, u, deltas, e_ms, pu)
                        return self._diff(st, diff, ts_recv_ns, emit=True)
                else:  # the first frame of a book's symbol on another channel goes below
                    found = self._simple.get(got[1])
                    if found is not None:
                        return [decode.frame_event(got, found[0].id, ts_recv_ns)]
        head = decode.stream_head(data)
        if head is not None:
            symbol_lower, channel = head
            if channel in decode.DEPTH_CHANNELS:
                if symbol_lower in self._book_syms:
                    return self._parsed_diff(data, ts_recv_ns)
                return self._diff(None, decode.depth_diff(data), ts_recv_ns, emit=True)
            on_frame = self._on_frame.get(channel)
            if on_frame is not None:
                return on_frame(data, ts_recv_ns)
        ev = decode.envelope(data)
        if ev is None:
            return []  # the answer to SUBSCRIBE
        if isinstance(ev, DepthUpdate):
            return self._diff(None, ev, ts_recv_ns, emit=True)
        if isinstance(ev, BookTicker):
            return [self._top_of_book(ev, ts_recv_ns)]
        if isinstance(ev, Kline):
            return [self._candle(ev, ts_recv_ns)]
        return [self._trade_tick(ev, ts_recv_ns)]

    def _parsed_diff(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        """Route 2: a diff whose levels `_accel.parse_pairs` reads exactly at the book's
        precisions; whatever it declines (or what does not decode) takes route 3 and its errors."""
        try:
            ev = decode.depth_diff_raw(data)
        except msgspec.DecodeError:
            return self._diff(None, decode.depth_diff(data), ts_recv_ns, emit=True)
        st = self._symbols.get(ev.s)
        book = st.book if st is not None else None
        if st is None or book is None:
            return self._diff(st, decode.depth_diff(data), ts_recv_ns, emit=True)
        inst = book.instrument
        pp, qp = inst.price_precision, inst.size_precision
        bids = _accel.parse_pairs(ev.b, pp, qp, _BUY)
        asks = _accel.parse_pairs(ev.a, pp, qp, _SELL)
        if bids is None or asks is None:
            return self._diff(st, decode.depth_diff(data), ts_recv_ns, emit=True)
        deltas = bids + asks
        if st.follows(ev.U, ev.u, ev.pu):
            return st.apply(book, ev.u, ev.E, deltas, ts_recv_ns)
        diff = WireDepth(ev.s, ev.U, ev.u, deltas, ev.E, ev.pu)
        return self._diff(st, diff, ts_recv_ns, emit=True)

    def _diff(self, st: _Symbol | None, ev: _Diff, ts_recv_ns: int, emit: bool) -> list[object]:
        """One diff under the sync rules (`DiffSync.step`); events only when synced."""
        if st is None:
            st = self._state(ev.s)
        verdict = st.step(ev)
        book = st.book
        if verdict >= HELD:
            if verdict > HELD and book is not None:
                book.clear()  # a resync: the levels are not to be trusted
            if st.want:
                self._wanted = True
            return []
        assert book is not None, "a diff is applied only after a snapshot"  # nosec B101
        # Parse every level first, then apply them in one call (OrderBook.apply_deltas): a
        # malformed level raises before the book changes.
        if isinstance(ev, WireDepth):
            deltas = ev.deltas
        else:
            levels = st.levels
            assert levels is not None, "set with the book"  # nosec B101
            deltas = levels(ev.b, _BUY)
            if ev.a:
                deltas += levels(ev.a, _SELL)
        if verdict == APPLY and emit:
            return st.apply(book, ev.u, ev.E, deltas, ts_recv_ns)
        book.apply_deltas(deltas)
        st.applied(ev.u)
        book.ts_event = ts_event = ev.E * 1_000_000
        if verdict == BRIDGE:
            book.synced = True
            return [snapshot_event(book, ev.u, ts_event, ts_recv_ns)] if emit else []
        return []

    def _agg_trade_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        return [self._trade_tick(decode.agg_trade(data), ts_recv_ns)]

    def _trade_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        return [self._trade_tick(decode.trade(data), ts_recv_ns)]

    def _book_ticker_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        return [self._top_of_book(decode.book_ticker(data), ts_recv_ns)]

    def _kline_frame(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        return [self._candle(decode.kline(data), ts_recv_ns)]

    # --- helpers -------------------------------------------------------------------------------

    def _state(self, symbol: str) -> _Symbol:
        st = self._symbols.get(symbol)
        if st is None:
            st = self._symbols[symbol] = _Symbol(self.futures, self.verify, self.stats)
            if symbol in self.instruments:
                self._attach_book(st, symbol, (), ())
        return st

    def _attach_book(
        self,
        st: _Symbol,
        symbol: str,
        prices: list[str] | tuple[()],
        qtys: list[str] | tuple[()],
    ) -> OrderBook:
        book = self.book(symbol, prices, qtys)
        st.book = book
        inst = book.instrument
        st.levels = self.levels_parser(inst)
        self._book_syms.update((symbol.lower(), symbol.lower().encode()))
        self._prec[symbol] = (inst.price_precision, inst.size_precision)
        return book

    def _simple_parsers(
        self, symbol: str, prices: tuple[str, ...], qtys: tuple[str, ...]
    ) -> decode.Parsers:
        found = self._simple.get(symbol)
        if found is None:
            inst = self.instrument(symbol, prices, qtys)
            found = self._simple[symbol] = (inst, *self.parsers(inst))
            self._prec[symbol] = (inst.price_precision, inst.size_precision)
        return found

    def _trade_tick(self, t: AggTrade | Trade, ts: int) -> object:
        return decode.trade_tick(self._simple_parsers(t.s, (t.p,), (t.q,)), t, ts)

    def _top_of_book(self, t: BookTicker, ts: int) -> object:
        return decode.top_of_book(self._simple_parsers(t.s, (t.b, t.a), (t.B, t.A)), t, ts)

    def _candle(self, kl: Kline, ts: int) -> object:
        k = kl.k
        found = self._simple_parsers(kl.s, (k.o, k.h, k.l, k.c), (k.v,))
        return decode.candle(found, kl, ts)


class BinanceSpotFeed(_BinanceFeed):
    """Binance spot (`wss://stream.binance.com:9443/stream`, snapshots from `/api/v3/depth`)."""

    exchange = "binance"


class BinanceFuturesFeed(_BinanceFeed):
    """Binance USD-M futures (`wss://fstream.binance.com/stream`, snapshots `/fapi/v1/depth`)."""

    exchange = "binance-futures"
    futures = True
    ws_url = "wss://fstream.binance.com/stream"
    snapshot_url = "https://fapi.binance.com/fapi/v1/depth?symbol={symbol}&limit=1000"
