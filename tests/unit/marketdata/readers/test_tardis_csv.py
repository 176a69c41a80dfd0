"""Tardis incremental_book_L2 and trades CSVs: grouping by local_timestamp, snapshot runs that
clear the book, several symbols, .csv.gz, instruments, bad rows."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bot4.errors import DataError
from bot4.marketdata.readers import _tardis_csv, open_data
from bot4.model import BookDeltas, Instrument, InstrumentId, Side, TradeTick

BOOK = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
TRADES = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
ABC = InstrumentId("DERIBIT:ABC")
T0 = 1_700_000_000_000_000  # µs


def write(path: Path, text: str) -> Path:
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def rows(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize("name", ["book.csv", "book.csv.gz"])
def test_book_rows_grouped_by_local_timestamp_and_snapshot_runs(tmp_path: Path, name: str) -> None:
    f = write(
        tmp_path / name,
        BOOK
        + rows(
            f"deribit,ABC,{T0},{T0 + 1},true,bid,10.5,2",
            f"deribit,ABC,{T0},{T0 + 1},true,ask,11.0,1.25",
            f"deribit,ABC,{T0 + 5},{T0 + 7},false,bid,10.5,0",
            f"deribit,ABC,{T0 + 6},{T0 + 7},false,bid,10.0,3",
            f"deribit,ABC,{T0 + 8},{T0 + 9},true,bid,9.5,1",  # a new snapshot: clear the book
            f"deribit,ABC,{T0 + 8},{T0 + 9},true,ask,12.0,1",
        ),
    )
    md = open_data([f])
    inst = md.instruments[ABC]
    assert (inst.price_precision, inst.size_precision) == (1, 2)
    assert md.sources[0].format == "tardis-book"
    assert md.sources[0].venue == "DERIBIT"
    assert md.sources[0].instruments_from == "inferred"
    events = list(md)
    assert events == [
        BookDeltas(
            instrument_id=ABC,
            deltas=((Side.BUY, 105, 200), (Side.SELL, 110, 125)),
            is_snapshot=True,
            sequence=0,
            ts_event=T0 * 1000,
            ts_init=(T0 + 1) * 1000,
        ),
        BookDeltas(
            instrument_id=ABC,
            deltas=((Side.BUY, 105, 0), (Side.BUY, 100, 300)),
            is_snapshot=False,
            sequence=0,
            ts_event=(T0 + 6) * 1000,
            ts_init=(T0 + 7) * 1000,
        ),
        BookDeltas(
            instrument_id=ABC,
            deltas=((Side.BUY, 95, 100), (Side.SELL, 120, 100)),
            is_snapshot=True,
            sequence=0,
            ts_event=(T0 + 8) * 1000,
            ts_init=(T0 + 9) * 1000,
        ),
    ]
    assert md.books[ABC].levels() == [(Side.BUY, 95, 100), (Side.SELL, 120, 100)]


def test_a_snapshot_run_over_two_timestamps_clears_once(tmp_path: Path) -> None:
    f = write(
        tmp_path / "book.csv",
        BOOK
        + rows(
            f"deribit,ABC,{T0},{T0},true,bid,10,1",
            f"deribit,ABC,{T0},{T0 + 1},true,ask,11,1",
        ),
    )
    md = open_data([f])
    assert [e.is_snapshot for e in md] == [True, False]  # type: ignore[union-attr]
    assert md.books[ABC].depth() == (1, 1)


def test_several_symbols_and_one_met_after_the_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_tardis_csv, "INFER_ROWS", 1)
    f = write(
        tmp_path / "book.csv",
        BOOK
        + rows(
            f"binance,BTCUSDT,{T0},{T0},true,bid,42000.5,1",
            f"deribit,ABC,{T0},{T0},true,bid,1.25,3",
            f"deribit,ABC,{T0},{T0 + 1},false,bid,1.25,0",
        ),
    )
    md = open_data([f])
    btc = InstrumentId("BINANCE:BTCUSDT")
    assert set(md.instruments) == {btc}  # known at open: the head's only symbol (bundled)
    assert md.sources[0].instruments_from == "bundled"
    events = list(md)
    assert [(e.instrument_id, e.is_snapshot) for e in events] == [  # type: ignore[union-attr]
        (btc, True),
        (ABC, True),
        (ABC, False),
    ]
    assert md.instruments[ABC].price_precision == 2  # inferred from its first row
    assert md.books[ABC].depth() == (0, 0)
    assert md.books[btc].best_bid() == (4_200_050_000_000, 100_000_000)


def test_trades_with_each_side(tmp_path: Path) -> None:
    f = write(
        tmp_path / "trades.csv.gz",
        TRADES
        + rows(
            f"deribit,ABC,{T0},{T0 + 2},t1,buy,10.5,1",
            f"deribit,ABC,{T0 + 1},{T0 + 3},t2,sell,10.25,2",
            f"deribit,ABC,{T0 + 2},{T0 + 4},t3,unknown,10,3",
        ),
    )
    mine = Instrument(
        id=ABC,
        exchange="DERIBIT",
        symbol="ABC",
        base="A",
        quote="BC",
        price_precision=3,
        size_precision=0,
    )
    md = open_data([f], instruments={"ABC": mine})
    assert md.sources[0].instruments_from == "given"
    assert md.sources[0].format == "tardis-trades"
    assert list(md) == [
        TradeTick(
            instrument_id=ABC,
            price=10_500,
            qty=1,
            aggressor=Side.BUY,
            trade_id="t1",
            ts_event=T0 * 1000,
            ts_init=(T0 + 2) * 1000,
        ),
        TradeTick(
            instrument_id=ABC,
            price=10_250,
            qty=2,
            aggressor=Side.SELL,
            trade_id="t2",
            ts_event=(T0 + 1) * 1000,
            ts_init=(T0 + 3) * 1000,
        ),
        TradeTick(
            instrument_id=ABC,
            price=10_000,
            qty=3,
            aggressor=None,
            trade_id="t3",
            ts_event=(T0 + 2) * 1000,
            ts_init=(T0 + 4) * 1000,
        ),
    ]
    assert md.books == {}


def test_trades_start_end_and_bad_rows(tmp_path: Path) -> None:
    f = write(
        tmp_path / "trades.csv",
        TRADES
        + rows(
            *(f"deribit,ABC,{T0 + i},{T0 + i},t{i},buy,1,1" for i in range(3)),
            f"deribit,ABC,{T0},{T0},late,buy,1,1",  # line 5: out of order
            f"deribit,ABC,{T0 + 3},{T0 + 3},bad,up,1,1",  # line 6: unknown side
            "deribit,ABC,1,2",  # line 7: wrong column count
            "",
            *(f"deribit,ABC,{T0 + i},{T0 + i},t{i},sell,1,1" for i in range(3, 6)),
        ),
    )
    md = open_data([f], start_ns=(T0 + 1) * 1000, end_ns=(T0 + 4) * 1000)
    assert [t.trade_id for t in md] == ["t1", "t2", "t3"]  # type: ignore[union-attr]
    assert [m.split(": ")[0] for m in md.errors.messages] == [f"{f}:{n}" for n in (5, 6, 7)]
    assert "expected 8 columns, got 4" in md.errors.messages[2]
    assert "out of order" in md.errors.messages[0]


def test_book_bad_rows_and_end(tmp_path: Path) -> None:
    f = write(
        tmp_path / "book.csv",
        BOOK
        + rows(
            f"deribit,ABC,{T0},{T0},true,bid,1,1",
            f"deribit,ABC,{T0},{T0 - 1},false,bid,2,1",  # line 3: out of order
            f"deribit,ABC,{T0},{T0 + 1},maybe,bid,2,1",  # line 4: is_snapshot not a bool
            f"deribit,ABC,{T0},{T0 + 1},false,bid,2,1",
            f"deribit,ABC,{T0},{T0 + 2},false,bid,3,1",
        ),
    )
    md = open_data([f], end_ns=(T0 + 2) * 1000)
    assert [len(e.deltas) for e in md] == [1, 1]  # type: ignore[union-attr]
    assert md.errors.count == 2
    with pytest.raises(DataError, match=rf"^{f}:3: out of order"):
        list(open_data([f], on_error="stop"))


def test_an_empty_book_file_has_no_events(tmp_path: Path) -> None:
    md = open_data([write(tmp_path / "book.csv", BOOK)])
    assert list(md) == []
    assert md.sources[0].venue == "UNKNOWN"
    assert md.instruments == {}
