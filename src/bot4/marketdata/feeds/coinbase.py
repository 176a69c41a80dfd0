"""Coinbase Exchange WebSocket feed: `level2` (snapshot, l2update), `matches`, `ticker`.

Sync: a `snapshot` message per product starts the book; `l2update` changes follow, quantities
absolute ("0" deletes). Updates before the snapshot are ignored, a disconnect drops every book
until the next snapshot (which the resubscription after reconnect brings).

Caveat, by design of the venue: the `level2` channel carries **no sequence number and no
checksum**, so a lost or reordered update cannot be detected from the stream. What this handler
can do, it does: a book found crossed (best bid >= best ask, impossible on a correct book) is
flagged (`stats.crossed`) and, by default, dropped and resynced; and `resnapshot_interval_s`
bounds how long an undetectable error can live by asking for a reconnect (fresh snapshot)
periodically. A REST snapshot cannot help: its `sequence` does not appear in `level2`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import msgspec

from bot4.errors import UnknownMessage
from bot4.marketdata._book import OrderBook
from bot4.marketdata.feeds._base import BaseFeed, snapshot_event
from bot4.model import BookDeltas, Instrument, Side, TopOfBook, TradeTick

__all__ = ["CoinbaseFeed", "parse_time"]

_BUY = Side.BUY
_SELL = Side.SELL
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIDES = {"buy": _BUY, "sell": _SELL}  # l2update side -> book side


class _Snapshot(msgspec.Struct, tag_field="type", tag="snapshot", gc=False):
    product_id: str  # "BTC-USD"
    bids: list[tuple[str, str]]  # [price, size], best first
    asks: list[tuple[str, str]]


class _L2Update(msgspec.Struct, tag_field="type", tag="l2update", gc=False):
    product_id: str
    changes: list[tuple[str, str, str]]  # [side "buy"/"sell", price, size]; size "0" deletes
    time: str = ""  # ISO 8601 UTC


class _Match(msgspec.Struct, tag_field="type", tag="match", gc=False):
    product_id: str
    trade_id: int
    side: str  # the MAKER's side: "sell" means the taker bought
    size: str
    price: str
    time: str = ""


class _LastMatch(_Match, tag="last_match", gc=False):
    """The last trade before subscribing, sent once per product; same fields as a match."""


class _Ticker(msgspec.Struct, tag_field="type", tag="ticker", gc=False):
    product_id: str
    best_bid: str = ""
    best_ask: str = ""
    best_bid_size: str = ""  # newer feed versions only
    best_ask_size: str = ""
    time: str = ""


class _Control(msgspec.Struct, tag_field="type", tag="subscriptions"):
    """Acknowledgement of a subscription (no data)."""


class _Heartbeat(msgspec.Struct, tag_field="type", tag="heartbeat"):
    """Liveness message of the `heartbeat` channel (no data)."""


class _Error(msgspec.Struct, tag_field="type", tag="error"):
    message: str = ""
    reason: str = ""


_Message = _Snapshot | _L2Update | _Match | _LastMatch | _Ticker | _Control | _Heartbeat | _Error
_decode = msgspec.json.Decoder(_Message)


def parse_time(text: str) -> int:
    """Coinbase's ISO time ("2021-04-17T16:43:37.075687Z") as int ns; 0 for an empty string."""
    if not text:
        return 0
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


class CoinbaseFeed(BaseFeed):
    """Coinbase Exchange (`wss://ws-feed.exchange.coinbase.com`)."""

    exchange = "coinbase"
    ws_url = "wss://ws-feed.exchange.coinbase.com"
    # Coinbase trims trailing zeros unevenly ("335.0", "0.04"): count them, more is safer.
    _padded_inference = True

    def __init__(
        self,
        symbols: Iterable[str] = (),
        instruments: Mapping[str, Instrument] | None = None,
        verify: bool = True,
        resnapshot_interval_s: float | None = None,
        resync_on_crossed: bool = True,
        channels: tuple[str, ...] = ("level2", "matches", "ticker"),
    ) -> None:
        super().__init__(symbols, instruments, verify)
        # Ask for a reconnect (fresh snapshots) when a book's snapshot is older than this.
        self.resnapshot_interval_s = resnapshot_interval_s
        # Drop and resync a book found crossed (otherwise only count it).
        self.resync_on_crossed = resync_on_crossed
        # Channels `subscribe_messages` asks for ("level2_batch" is the unauthenticated twin).
        self.channels = channels
        # Local receipt time (ns) of each product's last snapshot.
        self._snapshot_ns: dict[str, int] = {}

    def subscribe_messages(self) -> list[str]:
        msg = {"type": "subscribe", "product_ids": self.symbols, "channels": list(self.channels)}
        return [msgspec.json.encode(msg).decode()]

    def on_disconnect(self) -> None:
        for book in self.books.values():
            book.clear()
        self._snapshot_ns.clear()
        self.wants_reconnect = False

    def _handle(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        msg = _decode.decode(data)
        if isinstance(msg, _L2Update):
            return self._update(msg, ts_recv_ns)
        if isinstance(msg, _Match):
            return [self._trade(msg, ts_recv_ns)]
        if isinstance(msg, _Ticker):
            return self._ticker(msg, ts_recv_ns)
        if isinstance(msg, _Snapshot):
            return self._snapshot(msg, ts_recv_ns)
        if isinstance(msg, _Error):
            raise UnknownMessage(f"error from Coinbase: {msg.message} {msg.reason}")
        return []  # subscriptions, heartbeat

    def _snapshot(self, msg: _Snapshot, ts_recv_ns: int) -> list[object]:
        sample = msg.bids[:50] + msg.asks[:50]
        book = self.book(msg.product_id, [p for p, _ in sample], [q for _, q in sample])
        levels = self.snapshot_parser(book.instrument)
        book.clear()
        book.load(levels(msg.bids), levels(msg.asks))
        book.synced = True
        book.ts_event = 0
        self.stats.snapshots += 1
        self._snapshot_ns[msg.product_id] = ts_recv_ns
        return [snapshot_event(book, 0, 0, ts_recv_ns)]

    def _update(self, msg: _L2Update, ts_recv_ns: int) -> list[object]:
        book = self.books.get(msg.product_id)
        if book is None or not book.synced:
            self.stats.ignored += 1  # before the snapshot (or after a drop): never applied
            return []
        price, qty = self.parsers(book.instrument)
        sides = _SIDES
        try:
            deltas = [(sides[side], price(p), qty(q)) for side, p, q in msg.changes]
        except (KeyError, ValueError) as exc:
            # The venue's book moved and ours cannot follow: no sequence numbers to resync by,
            # so drop it and take a fresh snapshot.
            self._drop(book)
            raise self.decode_error(f"bad change: {exc}") from None
        book.apply_deltas(deltas)
        ts_event = parse_time(msg.time)
        book.ts_event = ts_event
        if book.is_crossed():
            self.stats.crossed += 1
            if self.resync_on_crossed:
                self._drop(book)
                return []
        if self.resnapshot_interval_s is not None:
            age_ns = ts_recv_ns - self._snapshot_ns.get(msg.product_id, ts_recv_ns)
            if age_ns >= self.resnapshot_interval_s * 1e9:
                self.wants_reconnect = True
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

    def _drop(self, book: OrderBook) -> None:
        book.clear()
        self.stats.resyncs += 1
        self.wants_reconnect = True

    def _trade(self, msg: _Match, ts_recv_ns: int) -> TradeTick:
        inst = self.instrument(msg.product_id, (msg.price,), (msg.size,))
        price, qty = self.parsers(inst)
        return TradeTick(
            instrument_id=inst.id,
            price=price(msg.price),
            qty=qty(msg.size),
            aggressor=_BUY if msg.side == "sell" else _SELL,
            trade_id=str(msg.trade_id),
            ts_event=parse_time(msg.time),
            ts_init=ts_recv_ns,
        )

    def _ticker(self, msg: _Ticker, ts_recv_ns: int) -> list[object]:
        if not msg.best_bid or not msg.best_ask:
            return []
        inst = self.instrument(msg.product_id, (msg.best_bid, msg.best_ask), ())
        price, qty = self.parsers(inst)
        return [
            TopOfBook(
                instrument_id=inst.id,
                bid_price=price(msg.best_bid),
                bid_qty=qty(msg.best_bid_size) if msg.best_bid_size else 0,
                ask_price=price(msg.best_ask),
                ask_qty=qty(msg.best_ask_size) if msg.best_ask_size else 0,
                ts_event=parse_time(msg.time),
                ts_init=ts_recv_ns,
            )
        ]
