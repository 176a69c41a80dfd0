"""The Sans-I/O feed-handler protocol and what every handler shares.

A feed handler turns one WebSocket connection's frames into normalised events and keeps the
connection's L2 books in sync. It does no I/O: the connection (`ws.py`) or an offline replay feeds
it frames, fetches the REST snapshots it asks for (`pending_snapshots` / `on_snapshot`) and honours
`wants_reconnect`. So the same handler runs live, in replay and in tests, byte for byte.

Malformed or unknown frames are counted in `FeedStats` and logged with a sample (one in
`LOG_EVERY`), never raised: one bad frame must not take a feed down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import msgspec

from bot4.marketdata.book import OrderBook

__all__ = ["LOG_EVERY", "FeedHandler", "FeedStats", "SnapshotRequest", "log_sample"]

logger = logging.getLogger(__name__)

# One malformed/unknown frame in this many is logged with a sample (the first always is).
LOG_EVERY = 1000


class SnapshotRequest(msgspec.Struct, frozen=True):
    """A REST depth snapshot a handler needs: GET `url`, then `on_snapshot(request, body, ts)`."""

    symbol: str  # the exchange's symbol, as in its messages ("BTCUSDT")
    url: str  # the exchange's documented REST URL for the snapshot


@dataclass(slots=True)
class FeedStats:
    """Counters of one handler; the replay CLI writes them out as they are."""

    messages: int = 0  # frames received
    parsed: int = 0  # frames decoded and understood (data and control frames)
    errors: int = 0  # frames that could not be decoded or made no sense (malformed)
    unknown: int = 0  # well-formed frames of a type the handler does not handle
    gaps: int = 0  # sequence gaps detected (Binance U/u/pu)
    resyncs: int = 0  # times a book was dropped and a resync started
    checksum_ok: int = 0  # Kraken checksums that matched
    checksum_failed: int = 0  # Kraken checksums that did not
    crossed: int = 0  # times a book was found crossed after an update (Coinbase)
    ignored: int = 0  # updates dropped as stale or duplicate (already in the book)
    buffered: int = 0  # diffs held while waiting for a snapshot
    snapshots: int = 0  # snapshots applied (REST or in-stream)

    def as_dict(self) -> dict[str, int]:
        """The counters by name (for JSON and metrics)."""
        return {name: getattr(self, name) for name in self.__slots__}


class FeedHandler(Protocol):
    """One exchange connection's parser and book keeper (see the module docstring)."""

    exchange: str  # "binance", "binance-futures", "coinbase", "kraken"
    books: dict[str, OrderBook]  # keyed by the exchange's symbol as written in its messages
    stats: FeedStats
    wants_reconnect: bool  # set when only a resubscribe/reconnect can resync (Kraken, Coinbase)

    def subscribe_messages(self) -> list[str]:
        """Text frames to send after every (re)connect."""
        ...

    def on_message(self, data: bytes | str, ts_recv_ns: int) -> list[object]:
        """Handle one received frame; return the normalised events it produced (maybe none)."""
        ...

    def on_disconnect(self) -> None:
        """The connection dropped: every book is unsynced and resyncs after the reconnect."""
        ...

    def pending_snapshots(self) -> list[SnapshotRequest]:
        """REST snapshots wanted now; each is returned once until it is answered or reset."""
        ...

    def on_snapshot(self, request: SnapshotRequest, body: bytes, ts_recv_ns: int) -> list[object]:
        """Handle the body of a snapshot asked for by `pending_snapshots`."""
        ...


def log_sample(stats: FeedStats, exchange: str, what: str, data: bytes | str, exc: object) -> None:
    """Log a malformed/unknown frame with a bounded sample, once every LOG_EVERY such frames."""
    count = stats.errors + stats.unknown
    if count % LOG_EVERY == 1 or LOG_EVERY == 1:
        sample = data[:200]
        logger.warning(
            "%s: %s frame (%d so far): %s; sample: %r",
            exchange,
            what,
            count,
            exc,
            sample,
            extra={"exchange": exchange},
        )
