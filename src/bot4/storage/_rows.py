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

from bot4.model import BookDeltas, Candle, Side, TopOfBook, TradeTick

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


_BUY, _SELL = Side.BUY, Side.SELL


def _side(side: Side | None) -> int | None:
    # Side.BUY = 1, Side.SELL = -1: stored as smallint; None stays NULL. Identity tests, not
    # `side.value`: an Enum's .value is a Python-level descriptor, ~0.35 µs per row measured.
    return 1 if side is _BUY else -1 if side is _SELL else None


# Converters: (event, seqs, base, out) append the event's rows to `out`. `seqs` maps an
# instrument to the last seq given in this table; a new instrument starts after `base` (the
# writer's start wall time in ns, so sequence numbers keep growing across restarts without
# reading the table back). This runs once per event on the hot path (see bench storage,
# pg_copy): lookups are inlined, rows are appended straight into the writer's buffer.
Seqs = dict[str, int]
Converter = Callable[[Any, Seqs, int, list[Row]], None]


def _trade_rows(ev: TradeTick, seqs: Seqs, base: int, out: list[Row]) -> None:
    iid = ev.instrument_id
    seq = seqs[iid] = seqs.get(iid, base) + 1
    a = ev.aggressor
    out.append(
        (
            iid,
            seq,
            ev.ts_event,
            ev.ts_init,
            ev.price,
            ev.qty,
            1 if a is _BUY else -1 if a is _SELL else None,  # _side(), inlined
            ev.trade_id,
        )
    )


def _delta_rows(ev: BookDeltas, seqs: Seqs, base: int, out: list[Row]) -> None:
    iid, ts_e, ts_i, snap = ev.instrument_id, ev.ts_event, ev.ts_init, ev.is_snapshot
    seq = seqs.get(iid, base)
    for side, price, qty in ev.deltas:
        seq += 1
        out.append((iid, seq, ts_e, ts_i, _side(side), price, qty, snap))
    seqs[iid] = seq


def _top_rows(ev: TopOfBook, seqs: Seqs, base: int, out: list[Row]) -> None:
    iid = ev.instrument_id
    seq = seqs[iid] = seqs.get(iid, base) + 1
    out.append(
        (iid, seq, ev.ts_event, ev.ts_init, ev.bid_price, ev.bid_qty, ev.ask_price, ev.ask_qty)
    )


def _candle_rows(ev: Candle, seqs: Seqs, base: int, out: list[Row]) -> None:
    iid = ev.instrument_id
    seq = seqs[iid] = seqs.get(iid, base) + 1
    out.append(
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
    )


# Event class -> (table, converter).
_CONVERTERS: dict[type, tuple[str, Converter]] = {
    TradeTick: ("trades", _trade_rows),
    BookDeltas: ("book_deltas", _delta_rows),
    TopOfBook: ("top_of_book", _top_rows),
    Candle: ("candles", _candle_rows),
}


def converter_for(event_type: type) -> tuple[str, Converter]:
    """The table and converter for an event class; KeyError names an unstorable class."""
    try:
        return _CONVERTERS[event_type]
    except KeyError:
        names = ", ".join(t.__name__ for t in _CONVERTERS)
        raise KeyError(f"no storage table for {event_type.__name__}; storable: {names}") from None
