"""Tardis-style CSVs: `incremental_book_L2` and `trades` (optionally `.csv.gz`).

book:   exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount
trades: exchange,symbol,timestamp,local_timestamp,id,side,price,amount
Times are µs; ts_init is `local_timestamp` (when the data was received). Book rows with the same
symbol and local_timestamp in a row are one BookDeltas (amount 0 removes a level). A run of
`is_snapshot=true` rows after other rows of that symbol starts a new snapshot: the event that
opens it has `is_snapshot=True`, so the consumer clears the book first. Files may hold several
symbols; an instrument is Bot4's bundled one for a known binance symbol, else inferred from the
decimals of the first rows (a symbol first seen later: from its first row).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from bot4.marketdata.decode._parse import FixedParser
from bot4.marketdata.readers._datafile import (
    FAR_PAST,
    DataErrors,
    DataFile,
    Event,
    open_lines,
    read_head,
)
from bot4.model import (
    BookDelta,
    BookDeltas,
    Instrument,
    InstrumentId,
    Side,
    TradeTick,
    bundled_instruments,
    decimals_of,
    instrument_id,
)

__all__ = ["BOOK_HEADER", "INFER_ROWS", "TRADES_HEADER", "TardisCsv"]

BOOK_HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"
TRADES_HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
INFER_ROWS = 10_000  # rows read at open to find the symbols and infer their precisions
_BOOK_SIDE = {"bid": Side.BUY, "ask": Side.SELL}
_TRADE_SIDE = {"buy": Side.BUY, "sell": Side.SELL, "unknown": None}
_TRUE = {"true": True, "false": False}


def _venue(exchange: str) -> str:
    return exchange.upper()


class TardisCsv:
    """One Tardis `incremental_book_L2` or `trades` file (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        book: bool,
        given: Mapping[str, Instrument],
        errors: DataErrors,
        tolerance_ns: int = 0,
    ) -> None:
        head = read_head(path, INFER_ROWS + 1)
        self.path = path
        self.has_books = book
        self._given = given
        self._errors = errors
        self._tolerance = tolerance_ns
        self._bundled = bundled_instruments()
        # (exchange, symbol) -> instrument; the ones met at open, more added as they appear.
        self._by_symbol: dict[tuple[str, str], Instrument] = {}
        self._sources: set[str] = set()  # where those instruments came from
        self.instruments: dict[InstrumentId, Instrument] = {}
        decimals: dict[tuple[str, str], tuple[int, int]] = {}
        for line in head[1:]:
            f = line.rstrip("\r\n").split(",")
            if len(f) == 8:
                key = (f[0], f[1])
                pp, sp = decimals.get(key, (0, 0))
                decimals[key] = (max(pp, decimals_of(f[6])), max(sp, decimals_of(f[7])))
        for (exchange, symbol), (pp, sp) in decimals.items():
            self._instrument(exchange, symbol, pp, sp)
        venues = sorted({_venue(e) for e, _ in decimals}) or ["UNKNOWN"]
        self.file = DataFile(
            path=str(path),
            format="tardis-book" if book else "tardis-trades",
            venue="+".join(venues),
            instruments_from="+".join(sorted(self._sources)) or "inferred",
        )

    def _instrument(self, exchange: str, symbol: str, pp: int, sp: int) -> Instrument:
        """The instrument of (exchange, symbol): given, bundled (binance), else inferred."""
        inst = self._given.get(symbol)
        source = "given"
        if inst is None and exchange == "binance":
            inst = self._bundled.get(instrument_id("BINANCE", symbol))
            source = "bundled"
        if inst is None:
            venue = _venue(exchange)
            inst = Instrument(
                id=instrument_id(venue, symbol),
                exchange=venue,
                symbol=symbol,
                base=symbol,
                quote="",
                price_precision=pp,
                size_precision=sp,
            )
            source = "inferred"
        self._sources.add(source)
        self._by_symbol[exchange, symbol] = inst
        self.instruments[inst.id] = inst
        return inst

    def _parsers(
        self,
        cache: dict[tuple[str, str], tuple[InstrumentId, FixedParser, FixedParser]],
        f: list[str],
    ) -> tuple[InstrumentId, FixedParser, FixedParser]:
        """(id, price parser, qty parser) of the row's symbol, made on first sight."""
        key = (f[0], f[1])
        inst = self._by_symbol.get(key)
        if inst is None:
            inst = self._instrument(f[0], f[1], decimals_of(f[6]), decimals_of(f[7]))
        found = cache[key] = (
            inst.id,
            FixedParser(inst.price_precision),
            FixedParser(inst.size_precision),
        )
        return found

    def events(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        """The file's events with ts_init < end_ns; trades also only from start_ns (a book
        needs every row, so MarketData drops early book events after applying them)."""
        return self._book(end_ns) if self.has_books else self._trades(start_ns, end_ns)

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) of each data row of 8 columns; the others are reported."""
        path = str(self.path)
        with open_lines(self.path) as lines:
            numbered = enumerate(lines, 1)
            next(numbered, None)  # the header row Tardis always writes
            for n, line in numbered:
                fields = line.rstrip("\r\n").split(",")
                if len(fields) == 8:
                    yield n, fields
                elif line.strip():
                    self._errors.report(path, n, f"expected 8 columns, got {len(fields)}")

    def _trades(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        cache: dict[tuple[str, str], tuple[InstrumentId, FixedParser, FixedParser]] = {}
        tol = self._tolerance
        last = FAR_PAST
        for n, f in self._rows():
            try:
                parsers = cache.get((f[0], f[1])) or self._parsers(cache, f)
                ts = int(f[3]) * 1000
                ts_event = int(f[2]) * 1000
                side = _TRADE_SIDE[f[5]]
                price, qty = parsers[1].parse(f[6]), parsers[2].parse(f[7])
            except (ValueError, KeyError) as exc:
                self._errors.report(str(self.path), n, f"unparsable row: {exc!r}")
                continue
            if ts < last - tol:
                self._late(n, ts, last)
                continue
            last = max(last, ts)
            if ts < start_ns:
                continue
            if ts >= end_ns:
                return
            yield TradeTick(
                instrument_id=parsers[0],
                price=price,
                qty=qty,
                aggressor=side,
                trade_id=f[4],
                ts_event=ts_event,
                ts_init=ts,
            )

    def _late(self, n: int, ts: int, last: int) -> None:
        self._errors.report(str(self.path), n, f"out of order: time {ts} ns is before {last} ns")

    def _book(self, end_ns: int) -> Iterator[Event]:
        cache: dict[tuple[str, str], tuple[InstrumentId, FixedParser, FixedParser]] = {}
        in_snapshot: dict[InstrumentId, bool] = {}  # the symbol's last row was a snapshot row
        tol = self._tolerance
        last = FAR_PAST
        # The group being built: rows of one symbol and local_timestamp.
        group: list[BookDelta] = []
        group_id = InstrumentId("")
        group_ts = group_event = FAR_PAST
        group_snapshot = False
        for n, f in self._rows():
            try:
                iid, price, qty = cache.get((f[0], f[1])) or self._parsers(cache, f)
                ts = int(f[3]) * 1000
                ts_event = int(f[2]) * 1000
                snapshot = _TRUE[f[4]]
                delta = (_BOOK_SIDE[f[5]], price.parse(f[6]), qty.parse(f[7]))
            except (ValueError, KeyError) as exc:
                self._errors.report(str(self.path), n, f"unparsable row: {exc!r}")
                continue
            if ts < last - tol:
                self._late(n, ts, last)
                continue
            last = max(last, ts)
            starts = snapshot and not in_snapshot.get(iid, False)
            in_snapshot[iid] = snapshot
            if starts or ts != group_ts or iid != group_id:
                if group:
                    yield _event(group_id, group, group_snapshot, group_event, group_ts)
                if ts >= end_ns:
                    return
                group, group_id, group_ts, group_snapshot = [], iid, ts, starts
            group.append(delta)
            group_event = ts_event
        if group:
            yield _event(group_id, group, group_snapshot, group_event, group_ts)


def _event(
    iid: InstrumentId, group: list[BookDelta], snapshot: bool, ts_event: int, ts_init: int
) -> BookDeltas:
    return BookDeltas(
        instrument_id=iid,
        deltas=tuple(group),
        is_snapshot=snapshot,
        sequence=0,
        ts_event=ts_event,
        ts_init=ts_init,
    )
