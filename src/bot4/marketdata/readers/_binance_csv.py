"""Binance public data (data.binance.vision): trades, aggTrades, klines and bookTicker CSVs.

Files are `<SYMBOL>-<kind>-<date>.csv` or the same `.zip` holding one CSV. Older files have no
header row, newer ones do; both are read. Times are ms since the epoch, or µs in spot files from
2025 on: told apart per row by magnitude (a ms time reaches 10**14 only in the year 5138).
`is_buyer_maker` true means the resting order was the buy, so the aggressor sold.

The per-row path is the backtest's hot loop (one trade per line, hundreds of thousands per
second): one `split`, memoised fixed-point parsers inline (`decode._parse.FixedParser`), one
Struct; no regex, `Decimal` or dict per row. A row that does not parse is reported to DataErrors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
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
    Candle,
    Instrument,
    InstrumentId,
    Side,
    TradeTick,
    bundled_instruments,
    infer_instrument,
)

__all__ = ["INFER_ROWS", "BinanceCsv", "match_name"]

# `BTCUSDT-trades-2024-01-01.csv`, `-aggTrades-`, `-bookTicker-`, `-1m-` (klines), monthly
# `-2024-01.zip` too. Matched once per file name, never per row.
_NAME = re.compile(
    r"^(?P<symbol>[A-Z0-9]+)-(?P<kind>trades|aggTrades|bookTicker|\d+[smhdw]|1M|1mo)-"
    r"\d{4}-\d{2}(?:-\d{2})?\.(?:csv|zip)$"
)
# Columns per kind: the counts a row may have (the last column of trades is optional).
_COLUMNS: dict[str, tuple[int, ...]] = {
    "trades": (6, 7),
    "aggTrades": (7, 8),
    "klines": (12,),
    "bookTicker": (7,),
}
# Price and quantity columns per kind, for inferring an unknown symbol's precisions.
_NUMBERS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "trades": ((1,), (2,)),
    "aggTrades": ((1,), (2,)),
    "klines": ((1, 2, 3, 4), (5,)),
    "bookTicker": ((1, 3), (2, 4)),
}
INFER_ROWS = 1000  # rows read at open to infer an unknown symbol's precisions
_US_FROM = 10**14  # a time at or above this is in µs, below in ms
# First letter of is_buyer_maker -> the aggressor (True/true: the buyer rested, a seller hit).
_AGGRESSOR = {"T": Side.SELL, "t": Side.SELL, "F": Side.BUY, "f": Side.BUY}


def match_name(path: Path) -> tuple[str, str, str] | None:
    """(symbol, kind, interval) when the file name is a Binance public-data name, else None."""
    m = _NAME.match(path.name)
    if m is None:
        return None
    kind = m["kind"]
    if kind in ("trades", "aggTrades", "bookTicker"):
        return m["symbol"], kind, ""
    return m["symbol"], "klines", "1M" if kind == "1mo" else kind


def _ns(text: str) -> int:
    t = int(text)
    return t * 1000 if t >= _US_FROM else t * 1_000_000


class BinanceCsv:
    """One Binance public-data file (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        symbol: str,
        kind: str,
        interval: str,
        given: Mapping[str, Instrument],
        errors: DataErrors,
        tolerance_ns: int = 0,
    ) -> None:
        head = read_head(path, INFER_ROWS + 1)
        # The file's first line is a header row (newer files) when it does not start with a digit.
        self.header = bool(head) and not head[0][:1].isdigit()
        inst = given.get(symbol)
        source = "given"
        if inst is None:
            inst = bundled_instruments().get(InstrumentId(f"BINANCE:{symbol}"))
            source = "bundled"
        if inst is None:
            rows = [line.split(",") for line in head[1 if self.header else 0 :]]
            price_cols, qty_cols = _NUMBERS[kind]
            ok = [r for r in rows if len(r) in _COLUMNS[kind]]
            prices = [r[c].strip() for r in ok for c in price_cols]
            qtys = [r[c].strip() for r in ok for c in qty_cols]
            inst = infer_instrument("BINANCE", symbol, prices, qtys)
            source = "inferred"
        self.path = path
        self.kind = kind  # "trades", "aggTrades", "klines", "bookTicker"
        self.interval = interval  # klines only: "1m", "1h", ... ("1M" for monthly bars)
        self.instrument = inst
        self.instruments = {inst.id: inst}
        self.has_books = kind == "bookTicker"
        self.file = DataFile(
            path=str(path), format=f"binance-{kind}", venue="BINANCE", instruments_from=source
        )
        self._errors = errors
        self._tolerance = tolerance_ns  # how far a row may go back in time before it is bad

    def events(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        """The file's events with start_ns <= ts_init < end_ns (see the module docstring)."""
        if self.kind == "klines":
            return self._klines(start_ns, end_ns)
        if self.kind == "bookTicker":
            return self._book_ticker(start_ns, end_ns)
        return self._trades(start_ns, end_ns)

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) of each data row with the right column count; others reported."""
        counts = _COLUMNS[self.kind]
        with open_lines(self.path) as lines:
            numbered = enumerate(lines, 1)
            if self.header:
                next(numbered, None)
            for n, line in numbered:
                fields = line.split(",")
                if len(fields) in counts:
                    yield n, fields
                else:
                    self._columns(n, line, fields)

    def _columns(self, n: int, line: str, fields: list[str]) -> None:
        """Report a row with the wrong number of columns (an empty line is no row)."""
        if line.strip():
            counts = " or ".join(map(str, _COLUMNS[self.kind]))
            self._errors.report(str(self.path), n, f"expected {counts} columns, got {len(fields)}")

    def _bad(self, n: int, exc: Exception) -> None:
        self._errors.report(str(self.path), n, f"unparsable row: {exc}")

    def _late(self, n: int, ts: int, last: int) -> None:
        self._errors.report(str(self.path), n, f"out of order: time {ts} ns is before {last} ns")

    def _trades(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        # The hot loop: everything in locals, the file read here (not through _rows, whose
        # extra generator layer cost ~10 %), memo lookups inline with a Python call only on a
        # string not seen yet. Quantities rarely repeat, so when a quantity is written with
        # exactly the instrument's decimals (Binance spot writes 8) it is parsed inline too.
        inst = self.instrument
        iid = inst.id
        price, qty = FixedParser(inst.price_precision), FixedParser(inst.size_precision)
        pget, pmiss, qparse = price.get, price.miss, qty.parse
        qwidth = inst.size_precision + 1  # dot and decimals of a quantity with exact decimals
        time_col, maker_col = (5, 6) if self.kind == "aggTrades" else (4, 5)
        a, b = _COLUMNS[self.kind]
        aggressor_of, tick, tol, us_from = _AGGRESSOR, TradeTick, self._tolerance, _US_FROM
        last = FAR_PAST
        with open_lines(self.path) as lines:
            numbered = enumerate(lines, 1)
            if self.header:
                next(numbered, None)
            for n, line in numbered:
                f = line.split(",")
                if len(f) != a and len(f) != b:
                    self._columns(n, line, f)
                    continue
                try:
                    t = int(f[time_col])
                    ts = t * 1000 if t >= us_from else t * 1_000_000
                    text = f[1]
                    px = pget(text)
                    if px is None:
                        px = pmiss(text)
                    text = f[2]
                    i = text.find(".")
                    digits = text.replace(".", "", 1)
                    if i > 0 and len(text) - i == qwidth and digits.isdigit():
                        qx = int(digits)
                    else:
                        qx = qparse(text)
                    side = aggressor_of[f[maker_col][:1]]
                except (ValueError, KeyError, IndexError) as exc:
                    self._bad(n, exc)
                    continue
                if ts < last - tol:
                    self._late(n, ts, last)
                    continue
                if ts > last:  # noqa: PLR1730 (a compare is cheaper than a max() call per row)
                    last = ts
                if ts < start_ns:
                    continue
                if ts >= end_ns:
                    return
                yield tick(
                    instrument_id=iid,
                    price=px,
                    qty=qx,
                    aggressor=side,
                    trade_id=f[0],
                    ts_event=ts,
                    ts_init=ts,
                )

    def _klines(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        # ts_init is the bar's close time: a backtest must not see a bar before it has closed.
        inst = self.instrument
        iid, interval = inst.id, self.interval
        price: Callable[[str], int] = FixedParser(inst.price_precision).parse
        qty: Callable[[str], int] = FixedParser(inst.size_precision).parse
        last = FAR_PAST
        for n, f in self._rows():
            try:
                ts = _ns(f[6])
                candle = Candle(
                    instrument_id=iid,
                    interval=interval,
                    open=price(f[1]),
                    high=price(f[2]),
                    low=price(f[3]),
                    close=price(f[4]),
                    volume=qty(f[5]),
                    trades=int(f[8]),
                    closed=True,
                    ts_open=_ns(f[0]),
                    ts_close=ts,
                    ts_event=ts,
                    ts_init=ts,
                )
            except ValueError as exc:
                self._bad(n, exc)
                continue
            if ts < last - self._tolerance:
                self._late(n, ts, last)
                continue
            last = max(last, ts)
            if ts < start_ns:
                continue
            if ts >= end_ns:
                return
            yield candle

    def _book_ticker(self, start_ns: int, end_ns: int) -> Iterator[Event]:
        # A one-level book: each row yields the levels that changed since the previous row
        # (the old best removed, the new one set); the first row is the snapshot.
        inst = self.instrument
        iid = inst.id
        price: Callable[[str], int] = FixedParser(inst.price_precision).parse
        qty: Callable[[str], int] = FixedParser(inst.size_precision).parse
        bid: tuple[int, int] | None = None  # (price, qty) of the last row's best bid
        ask: tuple[int, int] | None = None
        last = FAR_PAST
        for n, f in self._rows():
            try:
                new_bid = (price(f[1]), qty(f[2]))
                new_ask = (price(f[3]), qty(f[4]))
                sequence = int(f[0])
                ts_event, ts = _ns(f[5]), _ns(f[6])
            except ValueError as exc:
                self._bad(n, exc)
                continue
            if ts < last - self._tolerance:
                self._late(n, ts, last)
                continue
            last = max(last, ts)
            if ts >= end_ns:
                return
            snapshot = bid is None
            deltas = _top_change(Side.BUY, bid, new_bid) + _top_change(Side.SELL, ask, new_ask)
            bid, ask = new_bid, new_ask
            if deltas:
                yield BookDeltas(
                    instrument_id=iid,
                    deltas=deltas,
                    is_snapshot=snapshot,
                    sequence=sequence,
                    ts_event=ts_event,
                    ts_init=ts,
                )


def _top_change(
    side: Side, old: tuple[int, int] | None, new: tuple[int, int]
) -> tuple[BookDelta, ...]:
    """The deltas taking a one-level side from `old` to `new` (none when nothing changed)."""
    if old is None:
        return ((side, new[0], new[1]),)
    if old[0] != new[0]:
        return ((side, old[0], 0), (side, new[0], new[1]))
    if old[1] != new[1]:
        return ((side, new[0], new[1]),)
    return ()
