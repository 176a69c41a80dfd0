"""Kraken spot WebSocket v1: `book-N` snapshots and updates verified by CRC32, and trades.

Kraken's book rules (docs "Spot WebSocket v1 - book" and "How to maintain a valid order book"):
- On subscribe the book arrives as a snapshot (`as`/`bs`); updates follow (`a` and/or `b`,
  possibly in two dicts of one frame), the last dict carrying `c`, the CRC32 of the book *after*
  the update. Quantities are absolute; 0 deletes; a level may carry an `"r"` (republish) flag and
  is applied like any other.
- After each update the book is truncated to the subscribed depth (levels pushed out of range
  are not deleted by Kraken).
- Checksum: the top 10 asks (low to high) then the top 10 bids (high to low); for each level the
  price then the volume as Kraken writes them, with the "." removed and leading zeros stripped;
  CRC32 of that string as an unsigned int. Kraken pads numbers to a fixed width per pair, so the
  digits are rebuilt from the fixed-point ints at the width seen in the snapshot.

No sequence numbers: a lost update is caught only when it changed the top 10 (by the checksum)
or the book later crosses. On a mismatch the book is dropped (unsynced) and `wants_reconnect` asks
the connection to reconnect, which resubscribes and gets a fresh snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zlib import crc32

import msgspec

from bot4.marketdata._book import OrderBook
from bot4.marketdata._speedups import native
from bot4.marketdata.feeds._base import BaseFeed, UnknownMessage, snapshot_event
from bot4.marketdata.feeds._parse import LevelsParser, parse_fixed, wire_decimals
from bot4.model import BookDeltas, Instrument, Side, TopOfBook, TradeTick

__all__ = ["CHECKSUM_LEVELS", "KrakenFeed", "kraken_checksum", "kraken_checksum_py"]

# Levels per side in Kraken's checksum.
CHECKSUM_LEVELS = 10

_BUY = Side.BUY
_SELL = Side.SELL
_POW10 = [10**i for i in range(40)]
_decode = msgspec.json.Decoder()
_EMPTY = msgspec.Raw(b"")


class _BookPayload(msgspec.Struct):
    """One payload dict of a book frame, its level arrays kept as raw JSON for the C parser."""

    a: msgspec.Raw = _EMPTY
    b: msgspec.Raw = _EMPTY
    c: str | None = None
    as_: msgspec.Raw = msgspec.field(name="as", default=_EMPTY)
    bs: msgspec.Raw = msgspec.field(name="bs", default=_EMPTY)


# A channel frame [id, payload..., name, pair] with each element left raw, then its parts.
_parts = msgspec.json.Decoder(list[msgspec.Raw])
_name = msgspec.json.Decoder(str)
_payload = msgspec.json.Decoder(_BookPayload)
_row = msgspec.json.Decoder(list[str])
# Kraken's level rows parsed in C with the last row's timestamp, or None (pure Python).
_levels_ts = native.kraken_levels if native is not None else None
_pairs_native = native.parse_pairs if native is not None else None
_update_native = native.kraken_update if native is not None else None
# The checksum in C (bot4.marketdata._speedups), or None: then `_Pair.checksum` caches digits.
_CrcNative = Callable[[dict[int, int], list[int], dict[int, int], list[int], int, int, int], int]
_crc_native: _CrcNative | None = native.kraken_crc if native is not None else None


def _level_digits(p: int, q: int, price_shift: int, qty_shift: int) -> str:
    """Kraken's digits of one level: the price then the volume, no dot, no leading zeros."""
    if price_shift >= 0 and qty_shift >= 0:
        return f"{p * _POW10[price_shift]}{q * _POW10[qty_shift]}"
    pm, pd = _POW10[max(0, price_shift)], _POW10[max(0, -price_shift)]
    qm, qd = _POW10[max(0, qty_shift)], _POW10[max(0, -qty_shift)]
    return f"{p * pm // pd}{q * qm // qd}"


def kraken_checksum(book: OrderBook, price_shift: int = 0, qty_shift: int = 0) -> int:
    """Kraken's CRC32 of the top 10 levels of `book` (see the module docstring).

    `price_shift`/`qty_shift`: how many more decimals Kraken writes than the instrument's
    precision (negative: fewer), so the digits are Kraken's, whatever the precision.
    In C where the extension is built (a number beyond 64 bits falls back to Python).
    """
    if _crc_native is not None:
        try:
            # The C twin reads the book's own containers (same package, read only).
            return _crc_native(
                book._asks,
                book._ask_keys,
                book._bids,
                book._bid_keys,
                CHECKSUM_LEVELS,
                price_shift,
                qty_shift,
            )
        except OverflowError:
            pass
    return kraken_checksum_py(book, price_shift, qty_shift)


def kraken_checksum_py(book: OrderBook, price_shift: int = 0, qty_shift: int = 0) -> int:
    """`kraken_checksum` in Python: the specification the C twin is tested against."""
    levels = book.asks(CHECKSUM_LEVELS) + book.bids(CHECKSUM_LEVELS)
    if price_shift >= 0 and qty_shift >= 0:
        pm, qm = _POW10[price_shift], _POW10[qty_shift]
        text = "".join([f"{p * pm}{q * qm}" for p, q in levels])
    else:
        pd, qd = _POW10[max(0, -price_shift)], _POW10[max(0, -qty_shift)]
        pm, qm = _POW10[max(0, price_shift)], _POW10[max(0, qty_shift)]
        text = "".join([f"{p * pm // pd}{q * qm // qd}" for p, q in levels])
    return crc32(text.encode("ascii"))


class _Pair:
    """Per-pair state: the book and how to rebuild Kraken's digits for its checksum."""

    __slots__ = (
        "ask_crc",
        "ask_digits",
        "bid_digits",
        "bid_text",
        "book",
        "depth",
        "levels",
        "price_shift",
        "qty_shift",
        "top_crc",
    )

    def __init__(self, book: OrderBook, depth: int, levels: LevelsParser) -> None:
        self.book = book  # the pair's book
        self.levels = levels  # rows of strings -> (side, price, qty) for the pair's instrument
        self.depth = depth  # subscribed depth: the book is truncated to it after each update
        self.price_shift = 0  # wire decimals of prices minus the instrument's price precision
        self.qty_shift = 0  # the same for volumes
        # The checksum of the current top 10, or -1 when it must be recomputed.
        self.top_crc = -1
        # price -> Kraken's digits of that level (price then volume), for levels that were in
        # the top 10; a level's entry is dropped whenever an update touches that price.
        self.ask_digits: dict[int, str] = {}
        self.bid_digits: dict[int, str] = {}
        # The checksum text is the asks' part then the bids'; CRC32 chains, so the whole is
        # crc32(bid_text, ask_crc), and an update that moved one side's top redoes that side
        # only. Both are valid while top_crc >= 0.
        self.ask_crc = 0
        self.bid_text = b""

    def checksum(self, asks: bool = True, bids: bool = True) -> int:
        """`kraken_checksum` of the book, redoing only the sides named (all when top_crc < 0)
        and reusing the digits of levels unchanged since."""
        book = self.book
        # A level's digits are never empty (price > 0), so `or` only ever means "not cached".
        if asks or self.top_crc < 0:
            get = self.ask_digits.get
            parts = [get(p) or self._digits(_SELL, p) for p in book.ask_prices(CHECKSUM_LEVELS)]
            self.ask_crc = crc32("".join(parts).encode("ascii"))
        if bids or self.top_crc < 0:
            get = self.bid_digits.get
            parts = [get(p) or self._digits(_BUY, p) for p in book.bid_prices(CHECKSUM_LEVELS)]
            self.bid_text = "".join(parts).encode("ascii")
        return crc32(self.bid_text, self.ask_crc)

    def _digits(self, side: Side, price: int) -> str:
        memo = self.bid_digits if side is _BUY else self.ask_digits
        digits = memo[price] = _level_digits(
            price, self.book.level(side, price), self.price_shift, self.qty_shift
        )
        return digits


class KrakenFeed(BaseFeed):
    """Kraken spot v1 (`wss://ws.kraken.com`): `book` (with checksums) and `trade`."""

    exchange = "kraken"
    ws_url = "wss://ws.kraken.com"
    _padded_inference = True

    def __init__(
        self,
        symbols: Iterable[str] = (),
        instruments: Mapping[str, Instrument] | None = None,
        verify: bool = True,
        depth: int = 100,
        channels: tuple[str, ...] = ("book", "trade"),
    ) -> None:
        super().__init__(symbols, instruments, verify)
        # Book depth to subscribe (Kraken accepts 10, 25, 100, 500, 1000).
        self.depth = depth
        # Channels `subscribe_messages` asks for.
        self.channels = channels
        # Book state per pair ("XBT/USD"), created by the pair's snapshot.
        self._pairs: dict[str, _Pair] = {}
        # pair -> (price, volume precision) of every pair that had a snapshot: the pairs whose
        # updates `_native.kraken_update` may parse.
        self._native_prec: dict[str, tuple[int, int]] = {}

    def subscribe_messages(self) -> list[str]:
        out = []
        for name in self.channels:
            sub: dict[str, object] = {"name": name}
            if name == "book":
                sub["depth"] = self.depth
            msg = {"event": "subscribe", "pair": self.symbols, "subscription": sub}
            out.append(msgspec.json.encode(msg).decode())
        return out

    def on_disconnect(self) -> None:
        for book in self.books.values():
            book.clear()
        self._pairs.clear()
        self.wants_reconnect = False

    # --- frames --------------------------------------------------------------------------------

    def _handle(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        if _update_native is not None and isinstance(data, bytes):
            got = _update_native(data, self._native_prec, _BUY, _SELL)
            if got is not None:  # a book update, parsed whole in C
                state = self._pairs.get(got[0])
                if state is None or not state.book.synced:
                    self.stats.ignored += 1  # before the snapshot, or after a failed checksum
                    return []
                return self._apply_update(state, got[1], got[2], got[3], ts_recv_ns)
        if _levels_ts is not None and data[:1] in (b"[", "["):
            events = self._native_book(data, ts_recv_ns)
            if events is not None:
                return events
        msg = _decode.decode(data)
        if isinstance(msg, dict):
            event = msg.get("event")
            if event in ("heartbeat", "systemStatus", "subscriptionStatus", "pong"):
                return []
            raise UnknownMessage(f"event {event!r}")
        if not isinstance(msg, list) or len(msg) < 4:
            raise self.decode_error("a channel frame is [id, payload..., name, pair]")
        name = msg[-2]
        pair = msg[-1]
        if not isinstance(name, str) or not isinstance(pair, str):
            raise self.decode_error("channel name and pair must be strings")
        if name.startswith("book-"):
            payloads = msg[1:-2]
            first = payloads[0]
            if "as" in first or "bs" in first:
                return self._snapshot(pair, int(name[5:]), first, ts_recv_ns)
            return self._update(pair, payloads, ts_recv_ns)
        if name == "trade":
            return self._trades(pair, msg[1], ts_recv_ns)
        if name == "ticker":
            return [self._ticker(pair, msg[1], ts_recv_ns)]
        raise UnknownMessage(f"channel {name!r}")

    def _snapshot(
        self, pair: str, depth: int, payload: dict[str, Any], ts_recv_ns: int
    ) -> list[object]:
        asks = payload.get("as", [])
        bids = payload.get("bs", [])
        sample = asks[:1] + bids[:1]
        prices = [lv[0] for lv in asks[:50] + bids[:50]]  # a sample, if precisions are inferred
        qtys = [lv[1] for lv in asks[:50] + bids[:50]]
        book = self.book(pair, prices, qtys)
        levels = self.snapshot_parser(book.instrument)
        return self._load_snapshot(
            pair, depth, book, sample, levels(bids), levels(asks), ts_recv_ns
        )

    def _load_snapshot(
        self,
        pair: str,
        depth: int,
        book: OrderBook,
        sample: list[list[str]],
        bids: list[tuple[int, int]],
        asks: list[tuple[int, int]],
        ts_recv_ns: int,
    ) -> list[object]:
        """Install a parsed snapshot; `sample` is its first ask row and first bid row as
        strings, whose widths give the checksum's digits and whose times the event's."""
        inst = book.instrument
        state = _Pair(book, depth, self.levels_parser(inst))
        if sample:
            state.price_shift = wire_decimals(sample[0][0]) - inst.price_precision
            state.qty_shift = wire_decimals(sample[0][1]) - inst.size_precision
        book.clear()
        ts_event = 0
        book.load(bids, asks)
        for lv in sample:
            ts_event = max(ts_event, parse_fixed(lv[2], 9))
        book.truncate(depth)
        book.synced = True
        book.ts_event = ts_event
        self._pairs[pair] = state
        self._native_prec[pair] = (inst.price_precision, inst.size_precision)
        state.top_crc = -1
        self.stats.snapshots += 1
        return [snapshot_event(book, 0, ts_event, ts_recv_ns)]

    def _native_book(self, data: bytes | str, ts_recv_ns: int) -> list[object] | None:
        """A book frame with its levels parsed in C from the raw JSON; None for anything else
        (other channels, an unknown instrument, or anything the C parser declines): the
        generic path then decides, with its own errors. Nothing is changed before the whole
        frame has parsed."""
        assert _levels_ts is not None, "called only where the extension is built"  # nosec B101
        try:
            parts = _parts.decode(data)
            if len(parts) < 4:
                return None
            name = _name.decode(parts[-2])
            if not name.startswith("book-"):
                return None
            pair = _name.decode(parts[-1])
            payloads = [_payload.decode(raw) for raw in parts[1:-2]]
        except msgspec.DecodeError:  # ValidationError included
            return None
        first = payloads[0]
        if first.as_ or first.bs:
            return self._native_snapshot(pair, name, first, ts_recv_ns)
        state = self._pairs.get(pair)
        if state is None or not state.book.synced:
            self.stats.ignored += 1  # before the snapshot, or after a failed checksum
            return []
        inst = state.book.instrument
        pp, qp = inst.price_precision, inst.size_precision
        deltas: list[tuple[Side, int, int]] = []
        checksum: str | None = None
        ts_event = 0
        for payload in payloads:
            for raw, side in ((payload.a, _SELL), (payload.b, _BUY)):
                if raw:
                    got = _levels_ts(raw, pp, qp, side)
                    if got is None:
                        return None
                    if got[0]:
                        deltas += got[0]
                        ts_event = got[1]
            if payload.c is not None:
                checksum = payload.c
        return self._apply_update(state, deltas, checksum, ts_event, ts_recv_ns)

    def _native_snapshot(
        self, pair: str, name: str, payload: _BookPayload, ts_recv_ns: int
    ) -> list[object] | None:
        inst = self.instruments.get(pair)
        if inst is None or not name[5:].isdigit() or _pairs_native is None:
            return None  # precisions inferred from the strings, or a bad name: generic path
        pp, qp = inst.price_precision, inst.size_precision
        sides: list[list[tuple[int, int]]] = []
        sample: list[list[str]] = []  # the first ask row, then the first bid row, as strings
        for raw in (payload.as_, payload.bs):
            rows = _pairs_native(raw, pp, qp) if raw else []
            if rows is None:
                return None
            if rows:
                text = bytes(raw)
                start = text.find(b"[", text.find(b"[") + 1)
                try:
                    sample.append(_row.decode(text[start : text.find(b"]", start) + 1]))
                except msgspec.DecodeError:  # pragma: no cover - the C parser read it already
                    return None
            sides.append(rows)
        asks, bids = sides
        book = self.book(pair)
        return self._load_snapshot(pair, int(name[5:]), book, sample, bids, asks, ts_recv_ns)

    def _update(self, pair: str, payloads: list[Any], ts_recv_ns: int) -> list[object]:
        state = self._pairs.get(pair)
        if state is None or not state.book.synced:
            self.stats.ignored += 1  # before the snapshot, or after a failed checksum
            return []
        book = state.book
        parse_levels = state.levels
        deltas: list[tuple[Side, int, int]] = []
        checksum: str | None = None
        last_ts = "0"
        try:
            for payload in payloads:
                levels = payload.get("a")
                if levels:
                    deltas += parse_levels(levels, _SELL)
                    last_ts = levels[-1][2]
                levels = payload.get("b")
                if levels:
                    deltas += parse_levels(levels, _BUY)
                    last_ts = levels[-1][2]
                checksum = payload.get("c", checksum)
            ts_event = parse_fixed(last_ts, 9)
        except (ValueError, TypeError, IndexError, AttributeError):
            self._desync(book)  # the venue's book moved and ours cannot follow
            raise
        return self._apply_update(state, deltas, checksum, ts_event, ts_recv_ns)

    def _apply_update(
        self,
        state: _Pair,
        deltas: list[tuple[Side, int, int]],
        checksum: str | None,
        ts_event: int,
        ts_recv_ns: int,
    ) -> list[object]:
        """Apply a parsed update, truncate to depth, verify the checksum when the frame has one."""
        book = state.book
        book.apply_deltas(deltas)
        book.truncate(state.depth)
        book.ts_event = ts_event
        if self.verify:
            if _crc_native is not None:
                # In C the whole top 10 costs less than finding out what changed in Python.
                if checksum is not None:
                    state.top_crc = kraken_checksum(book, state.price_shift, state.qty_shift)
            else:
                top_asks, top_bids = self._touches_top(state, deltas)
                if top_asks or top_bids or state.top_crc < 0:
                    state.top_crc = state.checksum(top_asks, top_bids)
            if checksum is not None:
                if state.top_crc != int(checksum):
                    self.stats.checksum_failed += 1
                    self._desync(book)
                    return []
                self.stats.checksum_ok += 1
        return [
            BookDeltas(
                instrument_id=book.instrument.id,
                deltas=tuple(deltas),
                is_snapshot=False,
                sequence=0,
                ts_event=ts_event,
                ts_init=ts_recv_ns,
            )
        ]

    @staticmethod
    def _touches_top(state: _Pair, deltas: list[tuple[Side, int, int]]) -> tuple[bool, bool]:
        """Whether the checksummed top 10 of the asks, and of the bids, may have changed;
        drops the cached digits of every level the update touched.

        A side's top is unchanged when every changed price is strictly worse than the 10th-best
        price of its side *after* the update: an insert there lands below the top, an update or
        delete there was below it already (a delete inside the top pulls a worse level in, so
        the new 10th is worse than the deleted price, and that is caught). Most updates of a
        deep book are such, and their checksum is compared with the cached one: the same check.
        """
        book = state.book
        bid10 = book.nth_price(_BUY, CHECKSUM_LEVELS)
        ask10 = book.nth_price(_SELL, CHECKSUM_LEVELS)
        pop_bid, pop_ask = state.bid_digits.pop, state.ask_digits.pop
        top_asks = top_bids = False
        for side, price, _ in deltas:
            if side is _BUY:
                pop_bid(price, None)
                if bid10 is None or price >= bid10:
                    top_bids = True
            else:
                pop_ask(price, None)
                if ask10 is None or price <= ask10:
                    top_asks = True
        return top_asks, top_bids

    def _desync(self, book: OrderBook) -> None:
        book.clear()
        self.stats.resyncs += 1
        self.wants_reconnect = True

    def _trades(self, pair: str, trades: list[list[str]], ts_recv_ns: int) -> list[object]:
        inst = self.instrument(pair, [t[0] for t in trades], [t[1] for t in trades])
        price, qty = self.parsers(inst)
        return [
            TradeTick(
                instrument_id=inst.id,
                price=price(t[0]),
                qty=qty(t[1]),
                aggressor=_BUY if t[3] == "b" else _SELL,
                trade_id="",  # Kraken v1 trades carry no id
                ts_event=parse_fixed(t[2], 9),
                ts_init=ts_recv_ns,
            )
            for t in trades
        ]

    def _ticker(self, pair: str, t: dict[str, list[str]], ts_recv_ns: int) -> TopOfBook:
        bid, ask = t["b"], t["a"]
        inst = self.instrument(pair, [bid[0], ask[0]], [bid[2], ask[2]])
        price, qty = self.parsers(inst)
        return TopOfBook(
            instrument_id=inst.id,
            bid_price=price(bid[0]),
            bid_qty=qty(bid[2]),
            ask_price=price(ask[0]),
            ask_qty=qty(ask[2]),
            ts_event=0,
            ts_init=ts_recv_ns,
        )
