"""What every exchange handler shares: counters, instruments, the never-crash frame wrapper.

`BaseFeed.on_message` counts the frame, calls the exchange's `_handle`, and turns any decoding or
validation failure into a counted, sampled error: a malformed frame from the venue (or a bug in a
rare path) costs one frame, never the feed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from bot4.errors import UnknownMessage
from bot4.marketdata._handler import FeedStats, SnapshotRequest, log_sample
from bot4.marketdata.book import OrderBook
from bot4.marketdata.decode._parse import (
    FixedParser,
    LevelsParser,
    make_levels_parser,
    make_snapshot_parser,
)
from bot4.model import BookDeltas, Instrument, infer_instrument

__all__ = ["BaseFeed", "snapshot_event"]

# What a malformed frame can raise while being decoded or converted (msgspec errors are
# ValueErrors; a missing list element is an IndexError; a null where a string was is a TypeError).
_FRAME_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


def snapshot_event(book: OrderBook, sequence: int, ts_event: int, ts_init: int) -> BookDeltas:
    """The whole book as one `is_snapshot` event: what a consumer needs when a book (re)syncs."""
    return BookDeltas(
        instrument_id=book.instrument.id,
        deltas=book.levels_tuple(),
        is_snapshot=True,
        sequence=sequence,
        ts_event=ts_event,
        ts_init=ts_init,
    )


class BaseFeed:
    """Shared state and the error-counting frame wrapper of the exchange handlers."""

    exchange = ""  # set by each subclass: "binance", "binance-futures", "coinbase", "kraken"
    # Count trailing zeros when inferring precisions (Kraken pads numbers and checksums them).
    _padded_inference = False

    def __init__(
        self,
        symbols: Iterable[str] = (),
        instruments: Mapping[str, Instrument] | None = None,
        verify: bool = True,
    ) -> None:
        # Symbols to subscribe to, as the exchange writes them ("BTCUSDT", "BTC-USD", "XBT/USD").
        self.symbols = list(symbols)
        # Known instruments by exchange symbol; a symbol without one gets an inferred one.
        self.instruments: dict[str, Instrument] = dict(instruments or {})
        # Sequence/checksum verification; off only for an offline replay that asks for it.
        self.verify = verify
        # Every book of this connection by exchange symbol (created on first data).
        self.books: dict[str, OrderBook] = {}
        # Counters (see FeedStats).
        self.stats = FeedStats()
        # True when only a reconnect/resubscribe can resync a book; the connection resets it
        # through `on_disconnect`.
        self.wants_reconnect = False
        # Fixed-point parsers by symbol: (price, qty, levels), each number parser with its memo.
        self._parsers: dict[str, tuple[FixedParser, FixedParser, LevelsParser]] = {}

    # --- the FeedHandler protocol (the exchange-specific parts are in subclasses) -------------

    def on_message(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        """Handle one frame; malformed or unknown frames are counted and sampled, never raised."""
        stats = self.stats
        stats.messages += 1
        try:
            events = self._handle(data, ts_recv_ns)
        except UnknownMessage as exc:
            stats.unknown += 1
            log_sample(stats, self.exchange, "unknown", data, exc)
            return []
        except _FRAME_ERRORS as exc:
            stats.errors += 1
            log_sample(stats, self.exchange, "malformed", data, exc)
            return []
        stats.parsed += 1
        return events

    def _handle(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        raise UnknownMessage(f"{type(self).__name__} handles no frames")

    def pending_snapshots(self) -> list[SnapshotRequest]:
        """Venues that resync in-stream (Kraken, Coinbase) never ask for REST snapshots."""
        return []

    def on_snapshot(self, request: SnapshotRequest, body: bytes, ts_recv_ns: int) -> list[object]:
        """Venues that resync in-stream ignore REST snapshots (counted as unknown)."""
        self.stats.unknown += 1
        return []

    # --- helpers --------------------------------------------------------------------------------

    def instrument(
        self, symbol: str, prices: Iterable[str] = (), qtys: Iterable[str] = ()
    ) -> Instrument:
        """The instrument of `symbol`, inferred from sample strings the first time if unknown."""
        inst = self.instruments.get(symbol)
        if inst is None:
            inst = infer_instrument(
                self.exchange, symbol, prices, qtys, padded=self._padded_inference
            )
            self.instruments[symbol] = inst
        return inst

    def book(self, symbol: str, prices: Iterable[str] = (), qtys: Iterable[str] = ()) -> OrderBook:
        """The book of `symbol`, created (unsynced) on first use."""
        book = self.books.get(symbol)
        if book is None:
            book = self.books[symbol] = OrderBook(self.instrument(symbol, prices, qtys))
        return book

    def _parser_set(self, inst: Instrument) -> tuple[FixedParser, FixedParser, LevelsParser]:
        found = self._parsers.get(inst.symbol)
        if found is None:
            price = FixedParser(inst.price_precision)
            qty = FixedParser(inst.size_precision)
            found = self._parsers[inst.symbol] = (price, qty, make_levels_parser(price, qty))
        return found

    def parsers(self, inst: Instrument) -> tuple[Callable[[str], int], Callable[[str], int]]:
        """(price parser, qty parser) of an instrument, each memoised (see decode._parse)."""
        price, qty, _ = self._parser_set(inst)
        return price.parse, qty.parse

    def snapshot_parser(
        self, inst: Instrument
    ) -> Callable[[Sequence[Sequence[str]]], list[tuple[int, int]]]:
        """The instrument's bulk snapshot-rows -> (price, qty) converter (decode._parse)."""
        price, qty, _ = self._parser_set(inst)
        return make_snapshot_parser(price, qty)

    def levels_parser(self, inst: Instrument) -> LevelsParser:
        """The instrument's rows-of-strings -> (side, price, qty) converter (decode._parse)."""
        return self._parser_set(inst)[2]

    def decode_error(self, what: str) -> msgspec.ValidationError:
        """A validation error for a frame that decodes but makes no sense (counted as error)."""
        return msgspec.ValidationError(f"{self.exchange}: {what}")
