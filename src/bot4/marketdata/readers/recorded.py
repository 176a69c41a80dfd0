"""Recorded sessions (cryptofeed's raw capture, also what `bot4 record` writes) as events.

`feed_records` is the one replay loop: received frames go to the exchange's feed handler, and the
REST snapshots it asks for are answered from the recorded `.http.0.0` file, at the recorded
moment (see `bot4.marketdata.sources._offline`, whose `replay_offline` consumes it too).
`Recording` wraps one `<EXCH>.ws.<n>.0` connection file for `open_data`: instruments from the
`<EXCH>.0` header, events as the handler returns them (BookDeltas and TradeTick; TopOfBook,
Candle and the rest are dropped), ts_init = the recorded receive time. When a sequence gap makes
the handler drop a book, an empty snapshot (no levels) says so: the book is unsynced until the
handler's next snapshot.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bot4.errors import DataError
from bot4.marketdata._handler import SnapshotRequest
from bot4.marketdata.feeds import BaseFeed, make_feed
from bot4.marketdata.readers._datafile import FAR_PAST, DataErrors, DataFile, Event
from bot4.marketdata.sources.recording import Record, parse_line, read_header, read_records
from bot4.model import BookDeltas, Instrument, InstrumentId, TradeTick, instruments_from_header

__all__ = [
    "EXCHANGES",
    "Recording",
    "SnapshotQueues",
    "feed_records",
    "find_recordings",
    "recorded_snapshots",
]

# Recording prefix -> make_feed's exchange name (the venues Bot4 has handlers for).
EXCHANGES = {
    "BINANCE": "binance",
    "BINANCE_FUTURES": "binance-futures",
    "COINBASE": "coinbase",
    "KRAKEN": "kraken",
}
_WS_NAME = re.compile(r"^(?P<prefix>[A-Z0-9_]+)\.ws\.\d+\.0$")

# Recorded snapshots by the symbol of their URL, in file order.
SnapshotQueues = dict[str, deque[Record]]


def _snapshot_symbol(url: str) -> str:
    values = parse_qs(urlsplit(url).query).get("symbol", [""])
    return values[0]


def recorded_snapshots(path: Path | str | None) -> SnapshotQueues:
    """The REST responses of a `.http.0.0` file, queued by symbol (empty for None)."""
    queues: SnapshotQueues = {}
    if path is not None:
        for record in read_records(path):
            if record.kind == "http":
                queues.setdefault(_snapshot_symbol(record.url), deque()).append(record)
    return queues


def feed_records(
    feed: BaseFeed, records: Iterable[Record], snapshots: SnapshotQueues
) -> Iterator[tuple[int, list[object]]]:
    """(ts_ns, events) for each received frame and each snapshot answered, in replay order.

    A snapshot the handler asks for is answered with the next recorded one of its symbol, not
    before the frames received before it was recorded, at once if the handler asks later; one
    recorded after the last frame is answered at the end. Its events carry the time it was
    answered (never earlier than the frame before it), so times never go back. `snapshots` is
    consumed.
    """
    waiting: list[SnapshotRequest] = []
    now = FAR_PAST
    for record in records:
        if record.kind != "recv":
            continue
        now = record.ts_ns
        yield now, feed.on_message(record.body, now)
        waiting.extend(feed.pending_snapshots())
        if waiting:
            waiting = yield from _answer(feed, waiting, snapshots, now, now)
    # The stream is over: a snapshot recorded after the last frame still counts.
    yield from _answer(feed, waiting + feed.pending_snapshots(), snapshots, None, now)


def _answer(
    feed: BaseFeed,
    waiting: list[SnapshotRequest],
    snapshots: SnapshotQueues,
    now_ns: int | None,
    floor_ns: int,
) -> Generator[tuple[int, list[object]], None, list[SnapshotRequest]]:
    """Answer the requests whose recorded snapshot is due; return those still waiting."""
    still: list[SnapshotRequest] = []
    for request in waiting:
        queue = snapshots.get(request.symbol)
        if not queue or (now_ns is not None and queue[0].ts_ns > now_ns):
            still.append(request)
            continue
        snap = queue.popleft()
        ts = max(snap.ts_ns, floor_ns)
        yield ts, feed.on_snapshot(request, snap.body.encode(), ts)
    return still


def _dropped(
    feed: BaseFeed, instruments: Mapping[InstrumentId, Instrument], ts_ns: int
) -> Iterator[BookDeltas]:
    """An empty snapshot for each book the handler holds unsynced: a consumer's copy of the book
    is emptied and marked unsynced too, so nothing trades on it until the next snapshot."""
    for book in feed.books.values():
        iid = book.instrument.id
        if not book.synced and iid in instruments:
            yield BookDeltas(
                instrument_id=iid, deltas=(), is_snapshot=True, sequence=0, ts_event=0,
                ts_init=ts_ns,
            )  # fmt: skip


def find_recordings(path: Path) -> list[Path]:
    """The `.ws.` files of a recording directory (of exchanges Bot4 has handlers for), or the
    one `.ws.` file given. DataError when there is none or the exchange is not supported."""
    if path.is_dir():
        found = sorted(
            p
            for p in path.iterdir()
            if (m := _WS_NAME.match(p.name)) is not None and m["prefix"] in EXCHANGES
        )
        if not found:
            raise DataError(
                f"{path}: no recording of {', '.join(EXCHANGES)} (<EXCH>.ws.<n>.0) in it"
            )
        return found
    m = _WS_NAME.match(path.name)
    if m is None or m["prefix"] not in EXCHANGES:
        raise DataError(f"{path}: not a recording of a supported exchange ({', '.join(EXCHANGES)})")
    return [path]


def _key(symbol: str) -> str:
    """A symbol reduced for matching cryptofeed's names ("BTC-USDT-PERP", "XBT/USD" ~ "BTC-USD")
    with the exchange's ("BTCUSDT")."""
    s = symbol.upper().removesuffix("-PERP")
    return s.replace("XBT", "BTC").replace("XDG", "DOGE").replace("-", "").replace("/", "")


class Recording:
    """One recorded WebSocket connection (`<EXCH>.ws.<n>.0`) and its siblings' metadata."""

    def __init__(
        self,
        ws_file: Path,
        given: Mapping[str, Instrument],
        errors: DataErrors,
        tolerance_ns: int = 0,
    ) -> None:
        prefix = ws_file.name.split(".", 1)[0]
        self.exchange = EXCHANGES[prefix]  # make_feed's name
        header = ws_file.with_name(f"{prefix}.0")
        self.http = ws_file.with_name(f"{prefix}.http.0.0")  # REST snapshots, when recorded
        venue = prefix.replace("_", "-")
        known: dict[str, Instrument] = {}
        subscribed: set[str] = set()
        source = "inferred"
        if header.is_file():
            head = read_header(header)
            known = instruments_from_header(head, self.exchange)
            subscribed = {_key(s) for symbols in head.configuration.values() for s in symbols}
            source = "header" if known else source
        mine = {s: i for s, i in given.items() if i.exchange.upper() == venue}
        if mine:
            known.update(mine)
            source = f"{source}+given"
        self.ws_file = ws_file
        self.known = known  # every instrument the metadata has, by exchange symbol
        self.has_books = True
        # Known at open: the subscribed symbols the metadata describes; others are added (with
        # inferred precisions) when the handler first meets them.
        self.instruments: dict[InstrumentId, Instrument] = {
            i.id: i for s, i in known.items() if _key(s) in subscribed or s in mine
        }
        self.file = DataFile(
            path=str(ws_file), format="recording", venue=venue, instruments_from=source
        )
        self._errors = errors
        self._tolerance = tolerance_ns

    def _records(self, end_ns: int, where: list[int]) -> Iterator[Record]:
        """The file's records up to end_ns; bad and out-of-order lines reported, not returned.
        `where[0]` is kept at the current line number (for reporting malformed frames)."""
        path = str(self.ws_file)
        last = FAR_PAST
        tol = self._tolerance
        try:
            f = self.ws_file.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise DataError(f"{path}: cannot read: {exc}") from exc
        with f:
            for n, line in enumerate(f, 1):
                record = parse_line(line)
                if record is None:
                    continue
                where[0] = n
                if record.kind == "bad":
                    self._errors.report(path, n, "not a recording line")
                    continue
                if record.kind == "recv":
                    if record.ts_ns < last - tol:
                        self._errors.report(
                            path, n, f"out of order: time {record.ts_ns} ns is before {last} ns"
                        )
                        continue
                    last = max(last, record.ts_ns)
                    if record.ts_ns >= end_ns:
                        return
                yield record

    def events(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        """BookDeltas and TradeTicks with ts_init < end_ns (start_ns is MarketData's: a book
        needs every frame)."""
        feed = make_feed(self.exchange, instruments=self.known)
        where = [0]
        stats = feed.stats
        errors = stats.errors
        instruments = self.instruments
        snapshots = recorded_snapshots(self.http if self.http.is_file() else None)
        resyncs = stats.resyncs
        for ts, events in feed_records(feed, self._records(end_ns, where), snapshots):
            if stats.errors != errors:
                errors = stats.errors
                self._errors.report(str(self.ws_file), where[0], "malformed frame")
            if stats.resyncs != resyncs:  # a gap: the handler dropped a book until it resyncs
                resyncs = stats.resyncs
                yield from _dropped(feed, instruments, ts)
            for event in events:
                if type(event) is BookDeltas or type(event) is TradeTick:
                    if event.instrument_id not in instruments:
                        # Once per instrument the header did not list as subscribed, or that
                        # the handler has just inferred.
                        instruments.update(
                            (i.id, i)
                            for i in feed.instruments.values()
                            if i.id == event.instrument_id
                        )
                    yield event
