"""Offline replay: one recorded WebSocket connection fed straight into a feed handler, no network.

The loop itself is `bot4.marketdata.readers.recorded.feed_records`, shared with the backtest's
data reader (`open_data`), so `bot4 replay` and a backtest build the same books.

REST snapshots come from the recorded `.http.0.0` file instead of the exchange. A snapshot the
handler asks for is answered with the next recorded snapshot of that symbol, at the recorded
moment: not before the frames that were received before it (the recorded book is as of that
time), and at once if the handler asks later than the recording did. A symbol with no recorded
snapshot left (e.g. after a resync the recording never made) stays unsynced: that is the truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import msgspec

from bot4.errors import FeedConfigError
from bot4.marketdata.feeds import make_feed
from bot4.marketdata.feeds._base import BaseFeed
from bot4.marketdata.readers.recorded import feed_records, recorded_snapshots
from bot4.marketdata.sources.recording import Record, read_header, read_records
from bot4.model import Instrument, instruments_from_header

__all__ = ["EXCHANGES", "ReplayResult", "book_summary", "replay_offline"]

EXCHANGES = ("binance", "binance-futures", "coinbase", "kraken")
PROGRESS_EVERY = 4096  # recording lines between progress callbacks


class ReplayResult(msgspec.Struct):
    """The CLI's JSON: the handler's counters plus the top of every book."""

    exchange: str
    messages: int
    parsed: int
    errors: int  # malformed frames, including recording lines that fit no shape
    unknown: int
    gaps: int
    resyncs: int
    checksum_ok: int
    checksum_failed: int
    crossed: int
    ignored: int
    snapshots: int
    books: dict[str, dict[str, object]]


def book_summary(feed: BaseFeed, depth: int = 10) -> dict[str, dict[str, object]]:
    """{symbol: {"synced", "bids", "asks"}} with the top `depth` levels as decimal strings."""
    out: dict[str, dict[str, object]] = {}
    for symbol, book in sorted(feed.books.items()):
        inst = book.instrument
        out[symbol] = {
            "synced": book.synced,
            "bids": [[inst.price_str(p), inst.qty_str(q)] for p, q in book.bids(depth)],
            "asks": [[inst.price_str(p), inst.qty_str(q)] for p, q in book.asks(depth)],
        }
    return out


def replay_offline(
    ws_file: Path | str,
    exchange: str,
    snapshots: Path | str | None = None,
    header: Path | str | None = None,
    verify: bool = True,
    instruments: Mapping[str, Instrument] | None = None,
    progress: Callable[[int], object] | None = None,
) -> BaseFeed:
    """Feed every received frame of `ws_file` to a new handler for `exchange`; return it.

    `progress(lines)` is called every `PROGRESS_EVERY` recording lines and once at the end
    (a progress bar; one modulo per line when given, nothing when not).
    Raises OSError when a file cannot be read and ValueError for an unknown exchange.
    """
    if exchange not in EXCHANGES:
        raise FeedConfigError(
            f"unknown exchange {exchange!r}; expected one of {', '.join(EXCHANGES)}"
        )
    known: dict[str, Instrument] = dict(instruments or {})
    if header is not None:
        known.update(instruments_from_header(read_header(header), exchange))
    feed = make_feed(exchange, instruments=known, verify=verify)
    counts = [0, 0]  # [recording lines, bad lines]

    def received() -> Iterator[Record]:
        for record in read_records(ws_file):
            counts[0] += 1
            if progress is not None and counts[0] % PROGRESS_EVERY == 0:
                progress(counts[0])
            if record.kind == "bad":
                counts[1] += 1
            else:
                yield record

    # The events themselves are not needed here: the handler's books and counters are.
    for _ in feed_records(feed, received(), recorded_snapshots(snapshots)):
        pass
    feed.stats.messages += counts[1]
    feed.stats.errors += counts[1]
    if progress is not None:
        progress(counts[0])
    return feed


def replay_result(feed: BaseFeed) -> ReplayResult:
    """The counters and books of a replayed feed, for JSON."""
    s = feed.stats
    return ReplayResult(
        exchange=feed.exchange,
        messages=s.messages,
        parsed=s.parsed,
        errors=s.errors,
        unknown=s.unknown,
        gaps=s.gaps,
        resyncs=s.resyncs,
        checksum_ok=s.checksum_ok,
        checksum_failed=s.checksum_failed,
        crossed=s.crossed,
        ignored=s.ignored,
        snapshots=s.snapshots,
        books=book_summary(feed),
    )
