"""`open_data`: data files of any supported format as one stream of events in ts_init order.

Each path is detected by its name and first line (a recording directory or `.ws.` file, a
Binance public-data CSV/zip, a Tardis CSV/csv.gz, or a directory of such files) and opened as
one or more readers. Iterating
a MarketData reads every reader lazily: one reader is iterated directly, several are merged by
ts_init with `heapq.merge` (stable, so equal times keep the order of the paths). When any reader
yields book events, MarketData applies them to its own books as it yields them, so a consumer
looking at `books` sees exactly the events it has been handed so far.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from pathlib import Path

import msgspec

from bot4.errors import DataError
from bot4.marketdata.book import OrderBook
from bot4.marketdata.readers._binance_csv import BinanceCsv, match_name
from bot4.marketdata.readers._datafile import (
    FAR_FUTURE,
    FAR_PAST,
    DataErrors,
    DataFile,
    Event,
    OnError,
    Reader,
    read_head,
)
from bot4.marketdata.readers._tardis_csv import BOOK_HEADER, TRADES_HEADER, TardisCsv
from bot4.marketdata.readers.recorded import Recording, find_recordings
from bot4.model import BookDeltas, Instrument, InstrumentId

__all__ = ["MarketData", "open_data", "open_reader"]

_TS_INIT = attrgetter("ts_init")


def open_reader(
    path: Path, given: Mapping[str, Instrument], errors: DataErrors, tolerance_ns: int = 0
) -> list[Reader]:
    """The readers of one path: a recording directory gives one per connection file, another
    directory one per data file in it (by name; files of no known format are left out).

    Raises DataError for a missing path, a file of no known format, or a directory with no
    recording or data file.
    """
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if path.is_dir():
        if not any(".ws." in p.name for p in path.iterdir()):
            inside = [_file_reader(p, given, errors, tolerance_ns) for p in sorted(path.iterdir())]
            found = [r for r in inside if r is not None]
            if not found:
                raise DataError(f"{path}: no recording or data file of a known format in it")
            return found
        return [Recording(p, given, errors, tolerance_ns) for p in find_recordings(path)]
    if ".ws." in path.name:
        return [Recording(p, given, errors, tolerance_ns) for p in find_recordings(path)]
    reader = _file_reader(path, given, errors, tolerance_ns)
    if reader is None:
        raise DataError(
            f"{path}: unknown data format (expected a recording, a Binance public-data file "
            "such as BTCUSDT-trades-2024-01-01.csv, or a Tardis CSV with its header row)"
        )
    return [reader]


def _file_reader(
    path: Path, given: Mapping[str, Instrument], errors: DataErrors, tolerance_ns: int
) -> Reader | None:
    """The reader of a CSV/zip/gz data file, or None when its name and first line fit no format."""
    binance = match_name(path)
    if binance is not None:
        symbol, kind, interval = binance
        return BinanceCsv(path, symbol, kind, interval, given, errors, tolerance_ns)
    if path.is_file() and path.name.lower().endswith((".csv", ".csv.gz")):
        head = read_head(path, 1)
        first = head[0].strip() if head else ""
        if first in (BOOK_HEADER, TRADES_HEADER):
            return TardisCsv(path, first == BOOK_HEADER, given, errors, tolerance_ns)
    return None


def open_data(
    paths: Sequence[str | Path],
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    on_error: OnError = "skip",
    instruments: Mapping[str, Instrument] | None = None,
    tolerance_ns: int = 0,
) -> MarketData:
    """Open data files for reading as one time-ordered stream (see MarketData).

    `start_ns`/`end_ns` keep events with start_ns <= ts_init < end_ns (reading stops at
    end_ns). `on_error`: "skip" counts and logs bad lines (corrupt, or earlier than the file's
    previous line by more than `tolerance_ns`), "stop" raises DataError at the first.
    `instruments` (by symbol) override the bundled or inferred ones.
    Raises DataError for a missing file or an unknown format, naming the file.
    """
    errors = DataErrors(on_error)
    given = dict(instruments or {})
    opened = [(Path(p), open_reader(Path(p), given, errors, tolerance_ns)) for p in paths]
    if not opened:
        raise DataError("no data files given")
    widest = _widest(r for _, readers in opened for r in readers)
    if widest:
        # Files of one symbol inferred with different precisions (a day with fewer decimals):
        # reopen them with the widest, so every event of an instrument has one scale.
        given.update(widest)
        opened = [
            (p, open_reader(p, given, errors, tolerance_ns))
            if any(i.symbol in widest for r in readers for i in r.instruments.values())
            else (p, readers)
            for p, readers in opened
        ]
    readers = [r for _, rs in opened for r in rs]
    return MarketData(
        readers,
        errors,
        FAR_PAST if start_ns is None else start_ns,
        FAR_FUTURE if end_ns is None else end_ns,
    )


def _widest(readers: Iterable[Reader]) -> dict[str, Instrument]:
    """By symbol, an instrument with the largest precisions, for ids opened with several."""
    seen: dict[InstrumentId, Instrument] = {}
    out: dict[str, Instrument] = {}
    for reader in readers:
        for iid, inst in reader.instruments.items():
            other = seen.setdefault(iid, inst)
            if (other.price_precision, other.size_precision) != (
                inst.price_precision,
                inst.size_precision,
            ):
                seen[iid] = out[inst.symbol] = msgspec.structs.replace(
                    inst,
                    price_precision=max(inst.price_precision, other.price_precision),
                    size_precision=max(inst.size_precision, other.size_precision),
                )
    return out


class MarketData:
    """Opened data files: their descriptions, instruments and books, and their events.

    Iterating yields TradeTick, BookDeltas and Candle events merged by ts_init. Book events
    before `start_ns` are not yielded but applied to `books`; an instrument's first book event
    after them is yielded as a snapshot of its whole book, so a consumer starts from the right
    state. Iterating again reads the files again, from empty books.
    """

    def __init__(
        self, readers: list[Reader], errors: DataErrors, start_ns: int, end_ns: int
    ) -> None:
        # One description per input (file, or connection file of a recording directory).
        self.sources: list[DataFile] = [r.file for r in readers]
        # Every instrument of the data: those known at open, plus any a reader meets later
        # (a recording's symbol missing from its header); the readers share this dict.
        self.instruments: dict[InstrumentId, Instrument] = {}
        for reader in readers:
            self.instruments.update(reader.instruments)
            reader.instruments = self.instruments
        # The L2 book of each instrument with book events, as of the last event yielded.
        self.books: dict[InstrumentId, OrderBook] = {}
        # Bad lines of every file (see DataErrors).
        self.errors = errors
        self._readers = readers
        self._start = start_ns
        self._end = end_ns

    def __repr__(self) -> str:
        return f"MarketData({[s.path for s in self.sources]}, errors={self.errors.count})"

    def __iter__(self) -> Iterator[Event]:
        books = any(r.has_books for r in self._readers)
        # Book readers get no start: their early rows still build the book (see _with_books).
        start = FAR_PAST if books else self._start
        streams = [r.events(start, self._end) for r in self._readers]
        stream = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_TS_INIT)
        return self._with_books(stream) if books else stream

    def _with_books(self, stream: Iterator[Event]) -> Iterator[Event]:
        books = self.books
        books.clear()
        instruments = self.instruments
        start = self._start
        early: set[InstrumentId] = set()  # books changed by events before start, not yet shown
        for event in stream:
            if type(event) is BookDeltas:
                iid = event.instrument_id
                book = books.get(iid)
                if book is None:
                    book = books[iid] = OrderBook(instruments[iid])
                if event.is_snapshot:
                    book.clear()
                book.apply_deltas(event.deltas)
                # An empty snapshot: the source lost the book (a gap) and has none yet.
                book.synced = bool(event.deltas) or not event.is_snapshot
                book.ts_event = event.ts_event
                if event.ts_init < start:
                    early.add(iid)
                    continue
                if early and iid in early:
                    early.discard(iid)
                    yield BookDeltas(
                        instrument_id=iid,
                        deltas=book.levels_tuple(),
                        is_snapshot=True,
                        sequence=event.sequence,
                        ts_event=event.ts_event,
                        ts_init=event.ts_init,
                    )
                    continue
            elif event.ts_init < start:
                continue
            yield event
