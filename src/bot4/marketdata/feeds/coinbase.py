"""Coinbase Exchange: decode (decode/coinbase.py), sync (sync/coinbase.py), book.

`level2` carries no sequence number and no checksum; sync/coinbase.py says what is checked
instead (a crossed book, the snapshot's age). Trades and tickers flow regardless of the book.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from bot4.errors import UnknownMessage
from bot4.marketdata.book import OrderBook
from bot4.marketdata.decode import coinbase as decode
from bot4.marketdata.decode.coinbase import parse_time
from bot4.marketdata.feeds._base import BaseFeed, snapshot_event
from bot4.marketdata.sync.coinbase import DROP, RENEW, ProductSync
from bot4.model import BookDeltas, Instrument, Side, TopOfBook, TradeTick

__all__ = ["CoinbaseFeed", "parse_time"]

_BUY = Side.BUY
_SELL = Side.SELL


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
        # Channels `subscribe_messages` asks for ("level2_batch" is the unauthenticated twin).
        self.channels = channels
        # The crossed-book guard and the snapshots' ages.
        self._sync = ProductSync(resnapshot_interval_s, resync_on_crossed, self.stats)

    def subscribe_messages(self) -> list[str]:
        msg = {"type": "subscribe", "product_ids": self.symbols, "channels": list(self.channels)}
        return [msgspec.json.encode(msg).decode()]

    def on_disconnect(self) -> None:
        for book in self.books.values():
            book.clear()
        self._sync.snapshot_ns.clear()
        self.wants_reconnect = False

    def _handle(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        msg = decode.message(data)
        if isinstance(msg, decode.L2Update):
            return self._update(msg, ts_recv_ns)
        if isinstance(msg, decode.Match):
            return [self._trade(msg, ts_recv_ns)]
        if isinstance(msg, decode.Ticker):
            return self._ticker(msg, ts_recv_ns)
        if isinstance(msg, decode.Snapshot):
            return self._snapshot(msg, ts_recv_ns)
        if isinstance(msg, decode.Error):
            raise UnknownMessage(f"error from Coinbase: {msg.message} {msg.reason}")
        return []  # subscriptions, heartbeat

    def _snapshot(self, msg: decode.Snapshot, ts_recv_ns: int) -> list[object]:
        sample = msg.bids[:50] + msg.asks[:50]
        book = self.book(msg.product_id, [p for p, _ in sample], [q for _, q in sample])
        levels = self.snapshot_parser(book.instrument)
        book.clear()
        book.load(levels(msg.bids), levels(msg.asks))
        book.synced = True
        book.ts_event = 0
        self.stats.snapshots += 1
        self._sync.loaded(msg.product_id, ts_recv_ns)
        return [snapshot_event(book, 0, 0, ts_recv_ns)]

    def _update(self, msg: decode.L2Update, ts_recv_ns: int) -> list[object]:
        book = self.books.get(msg.product_id)
        if book is None or not book.synced:
            self.stats.ignored += 1  # before the snapshot (or after a drop): never applied
            return []
        price, qty = self.parsers(book.instrument)
        sides = decode.SIDES
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
        verdict = self._sync.updated(msg.product_id, book, ts_recv_ns)
        if verdict == DROP:
            self._drop(book)
            return []
        if verdict == RENEW:
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

    def _trade(self, msg: decode.Match, ts_recv_ns: int) -> TradeTick:
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

    def _ticker(self, msg: decode.Ticker, ts_recv_ns: int) -> list[object]:
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
