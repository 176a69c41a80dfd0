"""What every data-file reader shares: the file's description, the error tally, line streams.

A reader is one input file (or one recorded connection) turned into Bot4 events. It reports a
corrupt or out-of-order line to `DataErrors`, which either counts it and goes on (`skip`) or
raises `DataError` (`stop`); the message is always `"<file>:<line>: <problem>"`. Files are read
as streams of text lines, also from inside a `.zip` (one member) or a `.gz`, never extracted or
loaded whole: a month of trades is larger than memory.
"""

from __future__ import annotations

import gzip
import io
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, Protocol

import msgspec

from bot4.errors import DataError
from bot4.model import BookDeltas, Candle, Instrument, InstrumentId, TradeTick

__all__ = [
    "FAR_FUTURE",
    "FAR_PAST",
    "DataErrors",
    "DataFile",
    "Event",
    "OnError",
    "Reader",
    "open_lines",
    "read_head",
]

log = logging.getLogger(__name__)

OnError = Literal["skip", "stop"]
Event = TradeTick | BookDeltas | Candle

# Bounds used when no start/end is given: plain int compares stay on the per-row path.
FAR_PAST = -(1 << 62)
FAR_FUTURE = 1 << 62


class DataFile(msgspec.Struct, frozen=True, kw_only=True):
    """One input a MarketData reads: what it is and where its instruments came from."""

    path: str  # the file (for a recording, its `.ws.` connection file)
    format: str  # "recording", "binance-trades", "binance-aggTrades", "binance-klines",
    # "binance-bookTicker", "tardis-book", "tardis-trades"
    venue: str  # as in instrument ids: "BINANCE", "BINANCE-FUTURES", "KRAKEN", "COINBASE", ...
    # Where the instruments' precisions came from: "header" (a recording's metadata), "given"
    # (open_data's `instruments=`), "bundled" (Bot4's Binance set), "inferred" (decimals seen in
    # the first rows); several joined with "+" when the file holds several instruments.
    instruments_from: str


class DataErrors:
    """Bad lines of every file: a count and the first `max_messages` messages.

    `skip` logs the first `max_logged` ones (one line each) and goes on; `stop` raises DataError
    at the first one. Not a hot-path object: it is called only for bad lines.
    """

    __slots__ = ("count", "max_logged", "max_messages", "messages", "on_error")

    def __init__(self, on_error: OnError = "skip", max_messages: int = 100, max_logged: int = 20):
        self.on_error: OnError = on_error  # what a bad line does: count it, or raise
        self.count = 0  # bad lines so far, all files
        self.messages: list[str] = []  # "file:line: problem", the first max_messages of them
        self.max_messages = max_messages
        self.max_logged = max_logged

    def __repr__(self) -> str:
        return f"DataErrors(count={self.count}, first={self.messages[:1]})"

    def report(self, path: str, line: int, problem: str) -> None:
        """Count one bad line; raises DataError in `stop` mode."""
        message = f"{path}:{line}: {problem}"
        if self.on_error == "stop":
            raise DataError(message)
        self.count += 1
        if len(self.messages) < self.max_messages:
            self.messages.append(message)
        if self.count <= self.max_logged:
            log.warning("skipped %s", message)
            if self.count == self.max_logged:
                log.warning("further bad lines are counted, not logged")


class Reader(Protocol):
    """One input's events, in the file's order (which is ts_init order unless reported)."""

    file: DataFile
    # The instruments this input holds, as known when it was opened.
    instruments: dict[InstrumentId, Instrument]
    # True when it yields BookDeltas: MarketData then keeps books and filters `start_ns` itself.
    has_books: bool

    def events(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        """Events with ts_init < end_ns, reading no further; from start_ns on where it has no
        books (a book reader yields its early events too: MarketData applies, then drops them).
        """
        ...


@contextmanager
def open_lines(path: Path) -> Iterator[Iterator[str]]:
    """The text lines of `path`, streamed: plain, `.gz`, or the one member of a `.zip`."""
    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise DataError(f"{path}: a zip must hold exactly one file, not {len(members)}")
            with archive.open(members[0]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
    elif name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
            yield f
    else:
        with path.open(encoding="utf-8", errors="replace", newline="") as f:
            yield f


def read_head(path: Path, rows: int) -> list[str]:
    """The first `rows` lines of `path` (for detection and instrument inference)."""
    out: list[str] = []
    try:
        with open_lines(path) as lines:
            for line in lines:
                out.append(line)
                if len(out) >= rows:
                    break
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    return out
