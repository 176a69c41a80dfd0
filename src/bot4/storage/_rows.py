"""Market-data events as table rows: the one place that knows each table's columns.

Every row starts with (instrument_id, seq): `seq` is a per-(table, instrument) sequence number
assigned by the writer, so a reader can check that rows arrived complete and in order. Values
stay the core's fixed-point ints (bigint columns): no Decimal, no float, and COPY of bigint is
the fastest path asyncpg has.

Sides are stored as smallint (BUY 1, SELL -1), candles by their open time (`ts_event` column =
`Candle.ts_open`, so partitions and retention treat every table alike).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot4.model import BookDeltas, Candle, TopOfBook, TradeTick

__all__ = [
    "MARKET_TABLES",
    "Converter",
    "Row",
    "Seqs",
    "TableSpec",
    "converter_for",
]

# One row as sent to COPY / executemany, in the table's column order.
Row = tuple[Any, ...]


class TableSpec:
    """A market-data table: its name and its columns in COPY order."""

    __slots__ = ("columns", "name")

    def __init__(self, name: str, columns: Sequence[str]) -> None:
        self.name = name  # the SQL table name (the same in PostgreSQL and SQLite)
        self.columns = tuple(columns)  # instrument_id, seq, ts_event first; then the payload


TRADES = TableSpec(
    "trades",
    ("instrument_id", "seq", "ts_event", "ts_init", "price", "qty", "aggressor", "trade_id"),
)
BOOK_DELTAS = TableSpec(
    "book_deltas",
    ("instrument_id", "seq", "ts_event", "ts_init", "side", "price", "qty", "is_snapshot"),
)
TOP_OF_BOOK = TableSpec(
    "top_of_book",
    (
        "instrument_id",
        "seq",
        "ts_event",
        "ts_init",
        "bid_price",
        "bid_qty",
        "ask_price",
        "ask_qty",
    ),
)
CANDLES = TableSpec(
    "candles",
    (
        "instrument_id",
        "seq",
        "ts_event",
        "ts_init",
        "interval",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "trades",
        "closed",
        "ts_close",
    ),
)

MARKET_TABLES: dict[str, TableSpec] = {
    t.name: t for t in (TRADES, BOOK_DELTAS, TOP_OF_BOOK, CANDLES)
}


def _side(side: Any) -> int | None:
    # Side.BUY = 1, Side.SELL = -1 (bot4.model._enums): stored as smallint; None stays NULL.
    return None if side is None else int(side.value)


# Converters: (event, seqs, base) -> (table, rows). `seqs` maps (table, instrument) to the last
# seq given; a new key starts after `base` (the writer's start wall time in ns, so sequence
# numbers keep growing across restarts without reading the table back). The dict lookups are
# inlined rather than a helper call: this runs once per row (see bench storage, pg_copy).
Seqs = dict[tuple[str, str], int]


def _trade_rows(ev: TradeTick, seqs: Seqs, base: int) -> tuple[str, list[Row]]:
    iid = ev.instrument_id
    key = ("trades", iid)
    seq = seqs[key] = seqs.get(key, base) + 1
    a = ev.aggressor
    return "trades", [
        (
            iid,
            seq,
            ev.ts_event,
            ev.ts_init,
            ev.price,
            ev.qty,
            None if a is None else a.value,
            ev.trade_id,
        )
    ]


def _delta_rows(ev: BookDeltas, seqs: Seqs, base: int) -> tuple[str, list[Row]]:
    iid, ts_e, ts_i, snap = ev.instrument_id, ev.ts_event, ev.ts_init, ev.is_snapshot
    key = ("book_deltas", iid)
    seq = seqs.get(key, base)
    rows: list[Row] = []
    for side, price, qty in ev.deltas:
        seq += 1
        rows.append((iid, seq, ts_e, ts_i, _side(side), price, qty, snap))
    seqs[key] = seq
    return "book_deltas", rows


def _top_rows(ev: TopOfBook, seqs: Seqs, base: int) -> tuple[str, list[Row]]:
    iid = ev.instrument_id
    key = ("top_of_book", iid)
    seq = seqs[key] = seqs.get(key, base) + 1
    return "top_of_book", [
        (
            iid,
            seq,
            ev.ts_event,
            ev.ts_init,
            ev.bid_price,
            ev.bid_qty,
            ev.ask_price,
            ev.ask_qty,
        )
    ]


def _candle_rows(ev: Candle, seqs: Seqs, base: int) -> tuple[str, list[Row]]:
    iid = ev.instrument_id
    key = ("candles", iid)
    seq = seqs[key] = seqs.get(key, base) + 1
    return "candles", [
        (
            iid,
            seq,
            ev.ts_open,
            ev.ts_init,
            ev.interval,
            ev.open,
            ev.high,
            ev.low,
            ev.close,
            ev.volume,
            ev.trades,
            ev.closed,
            ev.ts_close,
        )
    ]


Converter = Callable[[Any, Seqs, int], tuple[str, list[Row]]]

# Event class -> converter.
_CONVERTERS: dict[type, Converter] = {
    TradeTick: _trade_rows,
    BookDeltas: _delta_rows,
    TopOfBook: _top_rows,
    Candle: _candle_rows,
}


def converter_for(event_type: type) -> Converter:
    """The converter for an event class; KeyError names the class when it is not storable."""
    try:
        return _CONVERTERS[event_type]
    except KeyError:
        names = ", ".join(t.__name__ for t in _CONVERTERS)
        raise KeyError(f"no storage table for {event_type.__name__}; storable: {names}") from None
