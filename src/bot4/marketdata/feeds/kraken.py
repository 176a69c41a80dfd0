"""Kraken spot WebSocket v1: decode (decode/kraken.py), sync (sync/kraken.py), book.

On subscribe a pair's book arrives as a snapshot (`as`/`bs`); updates follow (`a` and/or `b`,
possibly in two dicts of one frame), the last dict carrying `c`, the CRC32 of the book *after*
the update. Quantities are absolute; 0 deletes; a level may carry an `"r"` (republish) flag and
is applied like any other. A mismatch drops the book and sets `wants_reconnect`.

Routes, fastest first, all ending in `_apply_update` (or `_load_snapshot`): a bytes update
read whole by `_accel.kraken_update`; a book frame whose levels `_accel.kraken_levels` /
`_accel.parse_pairs` read; the general route (plain JSON, memoised parsers) for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from bot4.errors import UnknownMessage
from bot4.marketdata import _accel
from bot4.marketdata.book import OrderBook
from bot4.marketdata.decode import kraken as decode
from bot4.marketdata.decode._parse import LevelsParser, parse_fixed
from bot4.marketdata.feeds._base import BaseFeed, snapshot_event
from bot4.marketdata.sync.kraken import CHECKSUM_LEVELS, PairSync, kraken_checksum
from bot4.model import BookDeltas, Instrument, Side

__all__ = ["CHECKSUM_LEVELS", "KrakenFeed", "kraken_checksum"]

_BUY = Side.BUY
_SELL = Side.SELL


class _Pair(PairSync):
    """One pair's sync state with its level parser for the general route."""

    __slots__ = ("levels",)

    def __init__(
        self, book: OrderBook, depth: int, sample: list[list[str]], levels: LevelsParser
    ) -> None:
        super().__init__(book, depth, sample)
        self.levels = levels  # rows of strings -> (side, price, qty) for the pair's instrument


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
        # updates `_accel.kraken_update` may read.
        self._prec: dict[str, tuple[int, int]] = {}

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
        if isinstance(data, bytes):
            got = _accel.kraken_update(data, self._prec, _BUY, _SELL)
            if got is not None:  # a book update, read whole
                state = self._pairs.get(got[0])
                if state is None or not state.book.synced:
                    self.stats.ignored += 1  # before the snapshot, or after a failed checksum
                    return []
                return self._apply_update(state, got[1], got[2], got[3], ts_recv_ns)
        if data[:1] in (b"[", "["):
            book = decode.book_frame(data)
            if book is not None:
                events = self._raw_book(*book, ts_recv_ns)
                if events is not None:
                    return events
        msg = decode.frame(data)
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
            inst = self.instrument(pair, [t[0] for t in msg[1]], [t[1] for t in msg[1]])
            return decode.trades(inst, self.parsers(inst), msg[1], ts_recv_ns)
        if name == "ticker":
            t = msg[1]
            inst = self.instrument(pair, [t["b"][0], t["a"][0]], [t["b"][2], t["a"][2]])
            return [decode.ticker(inst, self.parsers(inst), t, ts_recv_ns)]
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
        state = _Pair(book, depth, sample, self.levels_parser(inst))
        book.clear()
        ts_event = 0
        book.load(bids, asks)
        for lv in sample:
            ts_event = max(ts_event, parse_fixed(lv[2], 9))
        book.truncate(depth)
        book.synced = True
        book.ts_event = ts_event
        self._pairs[pair] = state
        self._prec[pair] = (inst.price_precision, inst.size_precision)
        self.stats.snapshots += 1
        return [snapshot_event(book, 0, ts_event, ts_recv_ns)]

    def _raw_book(
        self, name: str, pair: str, payloads: list[decode.BookPayload], ts_recv_ns: int
    ) -> list[object] | None:
        """A book frame with its levels read from the raw JSON by `_accel`; None for an
        unknown instrument or anything `_accel` declines: the general route then decides,
        with its own errors. Nothing is changed before the whole frame has parsed."""
        first = payloads[0]
        if first.as_ or first.bs:
            return self._raw_snapshot(pair, name, first, ts_recv_ns)
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
                    got = _accel.kraken_levels(raw, pp, qp, side)
                    if got is None:
                        return None
                    if got[0]:
                        deltas += got[0]
                        ts_event = got[1]
            if payload.c is not None:
                checksum = payload.c
        return self._apply_update(state, deltas, checksum, ts_event, ts_recv_ns)

    def _raw_snapshot(
        self, pair: str, name: str, payload: decode.BookPayload, ts_recv_ns: int
    ) -> list[object] | None:
        inst = self.instruments.get(pair)
        if inst is None or not name[5:].isdigit():
            return None  # precisions inferred from the strings, or a bad name: general route
        pp, qp = inst.price_precision, inst.size_precision
        sides: list[list[tuple[int, int]]] = []
        sample: list[list[str]] = []  # the first ask row, then the first bid row, as strings
        for raw in (payload.as_, payload.bs):
            rows = _accel.parse_pairs(raw, pp, qp) if raw else []
            if rows is None:
                return None
            if rows:
                try:
                    sample.append(decode.first_row(raw))
                except msgspec.DecodeError:  # pragma: no cover - parse_pairs read it already
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
            self._desync(state.book)  # the venue's book moved and ours cannot follow
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
        if self.verify and checksum is not None:
            if not state.matches(checksum):
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

    def _desync(self, book: OrderBook) -> None:
        book.clear()
        self.stats.resyncs += 1
        self.wants_reconnect = True
