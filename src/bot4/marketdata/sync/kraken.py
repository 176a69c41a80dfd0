"""Kraken spot v1 book sync: the subscribed depth and the CRC32 checksum of the top 10.

Kraken's rules (docs "Spot WebSocket v1 - book" and "How to maintain a valid order book"):
- After each update the book is truncated to the subscribed depth (levels pushed out of range
  are not deleted by Kraken).
- Checksum: the top 10 asks (low to high) then the top 10 bids (high to low); for each level the
  price then the volume as Kraken writes them, with the "." removed and leading zeros stripped;
  CRC32 of that string as an unsigned int. Kraken pads numbers to a fixed width per pair, so the
  digits are rebuilt from the fixed-point ints at the width seen in the snapshot.

No sequence numbers: a lost update is caught only when it changed the top 10 (by the checksum)
or the book later crosses. On a mismatch the feed drops the book (unsynced) and asks for a
reconnect, which resubscribes and brings a fresh snapshot.
"""

from __future__ import annotations

from bot4.marketdata import _accel, _twins
from bot4.marketdata.book import OrderBook
from bot4.marketdata.decode._parse import wire_decimals

__all__ = ["CHECKSUM_LEVELS", "PairSync", "kraken_checksum"]

# Levels per side in Kraken's checksum.
CHECKSUM_LEVELS = 10


def kraken_checksum(book: OrderBook, price_shift: int = 0, qty_shift: int = 0) -> int:
    """Kraken's CRC32 of the top 10 levels of `book` (see the module docstring).

    `price_shift`/`qty_shift`: how many more decimals Kraken writes than the instrument's
    precision (negative: fewer), so the digits are Kraken's, whatever the precision.
    `_accel.kraken_crc` (C where built); a number beyond 64 bits falls back to the twin.
    """
    # The function reads the book's own containers (same package, read only).
    asks, ask_keys, bids, bid_keys = book._asks, book._ask_keys, book._bids, book._bid_keys
    try:
        return _accel.kraken_crc(
            asks, ask_keys, bids, bid_keys, CHECKSUM_LEVELS, price_shift, qty_shift
        )
    except OverflowError:
        return _twins.kraken_crc(
            asks, ask_keys, bids, bid_keys, CHECKSUM_LEVELS, price_shift, qty_shift
        )


class PairSync:
    """One pair's book as Kraken's rules keep it: its depth and its checksum's digits."""

    __slots__ = ("book", "depth", "price_shift", "qty_shift")

    def __init__(self, book: OrderBook, depth: int, sample: list[list[str]]) -> None:
        inst = book.instrument
        self.book = book  # the pair's book
        self.depth = depth  # subscribed depth: the book is truncated to it after each update
        # Wire decimals of prices (volumes) minus the instrument's precision, from `sample`
        # (a snapshot's first rows as Kraken wrote them); 0 without one.
        self.price_shift = wire_decimals(sample[0][0]) - inst.price_precision if sample else 0
        self.qty_shift = wire_decimals(sample[0][1]) - inst.size_precision if sample else 0

    def matches(self, checksum: str) -> bool:
        """Whether Kraken's `checksum` (sent after an update) is that of our book, which
        the update has been applied to and truncated to `depth`."""
        return kraken_checksum(self.book, self.price_shift, self.qty_shift) == int(checksum)
