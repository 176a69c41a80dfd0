"""Binance public-data files: every kind, with and without a header row, ms and µs times,
plain and zipped, bundled / given / inferred instruments, and bad rows in both error modes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bot4.errors import DataError
from bot4.marketdata.readers import open_data
from bot4.marketdata.readers._binance_csv import match_name
from bot4.model import BookDeltas, Candle, Instrument, InstrumentId, Side, TradeTick

BTC = InstrumentId("BINANCE:BTCUSDT")  # bundled: 8 price and 8 size decimals
XYZ = InstrumentId("BINANCE:XYZUSDT")  # not bundled: inferred
TRADES_HEADER = "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match\n"
MS = 1_704_067_200_000  # 2024-01-01 in ms
US = 1_735_689_600_000_000  # 2025-01-01 in µs


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def zipped(path: Path, text: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(path.with_suffix(".csv").name, text)
    return path


def test_headerless_trades_in_ms_are_trade_ticks(tmp_path: Path) -> None:
    f = write(
        tmp_path / "BTCUSDT-trades-2024-01-01.csv",
        f"1,42000.01000000,0.00106000,44.5,{MS},True,True\n"
        f"2,42000.02000000,1.50000000,63000.0,{MS + 5},False,True\n",
    )
    md = open_data([f])
    assert list(md) == [
        TradeTick(
            instrument_id=BTC,
            price=4_200_001_000_000,
            qty=106_000,
            aggressor=Side.SELL,  # the buyer was the maker: the aggressor sold
            trade_id="1",
            ts_event=MS * 1_000_000,
            ts_init=MS * 1_000_000,
        ),
        TradeTick(
            instrument_id=BTC,
            price=4_200_002_000_000,
            qty=150_000_000,
            aggressor=Side.BUY,
            trade_id="2",
            ts_event=(MS + 5) * 1_000_000,
            ts_init=(MS + 5) * 1_000_000,
        ),
    ]
    assert md.sources[0].format == "binance-trades"
    assert md.sources[0].instruments_from == "bundled"
    assert md.instruments[BTC].price_precision == 8
    assert md.books == {} and md.errors.count == 0


def test_trades_with_a_header_and_us_times_in_a_zip(tmp_path: Path) -> None:
    f = zipped(
        tmp_path / "XYZUSDT-trades-2025-01-01.zip",
        TRADES_HEADER + f"7,1.25,10,12.5,{US},false,true\n8,1.5,2.5,3.75,{US + 1},true,true\n",
    )
    md = open_data([f])
    ticks = list(md)
    inst = md.instruments[XYZ]
    assert (inst.price_precision, inst.size_precision) == (2, 1)  # max decimals seen
    assert md.sources[0].instruments_from == "inferred"
    assert [(t.price, t.qty, t.aggressor, t.ts_init) for t in ticks] == [
        (125, 100, Side.BUY, US * 1000),
        (150, 25, Side.SELL, (US + 1) * 1000),
    ]


def test_agg_trades_with_a_header(tmp_path: Path) -> None:
    f = write(
        tmp_path / "BTCUSDT-aggTrades-2024-01-01.csv",
        "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
        "is_buyer_maker,is_best_match\n"
        f"26,42000.5,0.5,100,102,{MS},true,true\n",
    )
    (tick,) = list(open_data([f]))
    assert isinstance(tick, TradeTick)
    assert (tick.trade_id, tick.price, tick.qty, tick.aggressor) == (
        "26",
        4_200_050_000_000,
        50_000_000,
        Side.SELL,
    )
    assert tick.ts_init == MS * 1_000_000


def test_given_instruments_win(tmp_path: Path) -> None:
    mine = Instrument(
        id=InstrumentId("BINANCE:BTCUSDT"),
        exchange="BINANCE",
        symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        price_precision=2,
        size_precision=5,
    )
    f = write(tmp_path / "BTCUSDT-trades-2024-01-01.csv", f"1,42000.01,0.00106,1,{MS},True\n")
    md = open_data([f], instruments={"BTCUSDT": mine})
    (tick,) = list(md)
    assert isinstance(tick, TradeTick)
    assert (tick.price, tick.qty) == (4_200_001, 106)
    assert md.sources[0].instruments_from == "given"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BTCUSDT-1m-2024-01-01.csv", ("BTCUSDT", "klines", "1m")),
        ("BTCUSDT-1mo-2024-01.zip", ("BTCUSDT", "klines", "1M")),
        ("ETHBTC-bookTicker-2024-01-01.zip", ("ETHBTC", "bookTicker", "")),
        ("BTCUSDT-trades-2024-01.zip", ("BTCUSDT", "trades", "")),
        ("BTCUSDT-trades-2024-01-01.parquet", None),
        ("trades.csv", None),
    ],
)
def test_file_names(name: str, expected: tuple[str, str, str] | None) -> None:
    assert match_name(Path(name)) == expected


@pytest.mark.parametrize("header", [False, True])
def test_klines_are_closed_candles_at_their_close_time(tmp_path: Path, header: bool) -> None:
    close = MS + 59_999
    text = (
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
        "taker_buy_volume,taker_buy_quote_volume,ignore\n"
        if header
        else ""
    )
    text += f"{MS},1.15,1.35,1.05,1.25,100.5,{close},120.6,42,50,60,0\n"
    f = write(tmp_path / "XYZUSDT-1m-2024-01-01.csv", text)
    md = open_data([f])
    assert list(md) == [
        Candle(
            instrument_id=XYZ,
            interval="1m",
            open=115,
            high=135,
            low=105,
            close=125,
            volume=1005,
            trades=42,
            closed=True,
            ts_open=MS * 1_000_000,
            ts_close=close * 1_000_000,
            ts_event=close * 1_000_000,
            ts_init=close * 1_000_000,
        )
    ]
    assert md.sources[0].format == "binance-klines"


def test_book_ticker_yields_the_changed_top_levels(tmp_path: Path) -> None:
    rows = [
        "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,"
        "event_time",
        f"1,10.0,1,11.0,2,{MS},{MS + 1}",
        f"2,10.0,3,11.0,2,{MS + 1},{MS + 2}",  # bid qty changed
        f"3,10.0,3,11.0,2,{MS + 2},{MS + 3}",  # nothing changed: no event
        f"4,10.5,4,10.9,1,{MS + 3},{MS + 4}",  # both prices moved
    ]
    f = zipped(tmp_path / "XYZUSDT-bookTicker-2024-01-01.zip", "\n".join(rows) + "\n")
    md = open_data([f])
    events = list(md)
    assert all(isinstance(e, BookDeltas) for e in events)
    got = [(e.deltas, e.is_snapshot, e.sequence, e.ts_event, e.ts_init) for e in events]  # type: ignore[union-attr]
    ns = 1_000_000
    assert got == [
        (((Side.BUY, 100, 1), (Side.SELL, 110, 2)), True, 1, MS * ns, (MS + 1) * ns),
        (((Side.BUY, 100, 3),), False, 2, (MS + 1) * ns, (MS + 2) * ns),
        (
            ((Side.BUY, 100, 0), (Side.BUY, 105, 4), (Side.SELL, 110, 0), (Side.SELL, 109, 1)),
            False,
            4,
            (MS + 3) * ns,
            (MS + 4) * ns,
        ),
    ]
    book = md.books[XYZ]
    assert book.best_bid() == (105, 4) and book.best_ask() == (109, 1)
    assert book.depth() == (1, 1)


BAD_TRADES = (
    f"1,1.0,1,1,{MS},True\n"
    "2,1.0,1\n"  # line 2: wrong column count
    f"3,abc,1,1,{MS + 1},True\n"  # line 3: unparsable price
    f"4,1.0,1,1,{MS + 2},Maybe\n"  # line 4: unparsable is_buyer_maker
    "\n"  # an empty line is no row
    f"5,1.0,1,1,{MS - 1},True\n"  # line 6: out of order
    f"6,1.0,1,1,{MS + 3},False\n"
)


def test_bad_trade_rows_are_counted_and_skipped(tmp_path: Path) -> None:
    f = write(tmp_path / "XYZUSDT-trades-2024-01-01.csv", BAD_TRADES)
    md = open_data([f])
    assert [t.trade_id for t in md] == ["1", "6"]  # type: ignore[union-attr]
    assert md.errors.count == 4
    assert [m.split(": ")[0] for m in md.errors.messages] == [f"{f}:{n}" for n in (2, 3, 4, 6)]
    assert "expected 6 or 7 columns, got 3" in md.errors.messages[0]
    assert "out of order" in md.errors.messages[3]


def test_stop_mode_raises_at_the_first_bad_row(tmp_path: Path) -> None:
    f = write(tmp_path / "XYZUSDT-trades-2024-01-01.csv", BAD_TRADES)
    md = open_data([f], on_error="stop")
    with pytest.raises(DataError, match=rf"^{f}:2: expected 6 or 7 columns"):
        list(md)


def test_a_tolerance_lets_slightly_late_rows_through(tmp_path: Path) -> None:
    f = write(
        tmp_path / "XYZUSDT-trades-2024-01-01.csv",
        f"1,1.0,1,1,{MS + 5},True\n2,1.0,1,1,{MS + 3},True\n3,1.0,1,1,{MS},True\n",
    )
    md = open_data([f], tolerance_ns=2_000_000)
    assert [t.trade_id for t in md] == ["1", "2"]  # type: ignore[union-attr]
    assert md.errors.count == 1


def test_start_and_end_filter_trades(tmp_path: Path) -> None:
    rows = "".join(f"{i},1.0,1,1,{MS + i},True\n" for i in range(10))
    f = write(tmp_path / "XYZUSDT-trades-2024-01-01.csv", rows)
    md = open_data([f], start_ns=(MS + 3) * 1_000_000, end_ns=(MS + 6) * 1_000_000)
    assert [t.trade_id for t in md] == ["3", "4", "5"]  # type: ignore[union-attr]


def test_bad_kline_and_book_ticker_rows(tmp_path: Path) -> None:
    kl = write(
        tmp_path / "XYZUSDT-1h-2024-01-01.csv",
        f"{MS},1,1,1,1,1,{MS + 10},1,x,1,1,0\n"  # trade count not a number
        f"{MS},1,1,1,1,1,{MS + 10},1,1,1,1,0\n"
        f"{MS},1,1,1,1,1,{MS + 5},1,1,1,1,0\n"  # out of order
        f"{MS},1,1,1,1,1,{MS + 20},1,1,1,1,0\n",
    )
    bt = write(
        tmp_path / "XYZUSDT-bookTicker-2024-01-01.csv",
        f"1,x,1,2,1,{MS},{MS}\n"
        f"2,1,1,2,1,{MS},{MS + 10}\n"
        f"3,1,1,2,2,{MS},{MS + 5}\n"  # out of order
        f"4,1,2,2,2,{MS},{MS + 20}\n",
    )
    md = open_data([kl, bt], end_ns=(MS + 20) * 1_000_000)
    events = list(md)
    assert [type(e).__name__ for e in events] == ["Candle", "BookDeltas"]
    assert md.errors.count == 4
    assert [m.split(": ")[0] for m in md.errors.messages] == [
        f"{kl}:1",
        f"{bt}:1",
        f"{kl}:3",
        f"{bt}:3",
    ]


def test_end_stops_klines(tmp_path: Path) -> None:
    rows = "".join(f"{MS},1,1,1,1,1,{MS + i},1,1,1,1,0\n" for i in range(5))
    f = write(tmp_path / "XYZUSDT-1s-2024-01-01.csv", rows + "1,2\n")
    md = open_data([f], start_ns=(MS + 1) * 1_000_000, end_ns=(MS + 3) * 1_000_000)
    assert [c.ts_close // 1_000_000 - MS for c in md] == [1, 2]  # type: ignore[union-attr]
    md = open_data([f])
    assert len(list(md)) == 5
    assert md.errors.messages == [f"{f}:6: expected 12 columns, got 2"]


def test_a_zip_of_two_files_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "XYZUSDT-trades-2024-01-01.zip"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("a.csv", f"1,1,1,1,{MS},True\n")
        z.writestr("b.csv", f"1,1,1,1,{MS},True\n")
    with pytest.raises(DataError, match="exactly one file, not 2"):
        open_data([f])


def test_a_corrupt_zip_is_a_data_error(tmp_path: Path) -> None:
    f = write(tmp_path / "XYZUSDT-trades-2024-01-01.zip", "not a zip")
    with pytest.raises(DataError, match="cannot read"):
        open_data([f])
