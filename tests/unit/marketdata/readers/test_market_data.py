"""open_data and MarketData: format detection, the merge by ts_init, instruments across files."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot4.marketdata.readers as readers
from bot4.errors import DataError
from bot4.marketdata.readers import open_data
from bot4.model import InstrumentId, TradeTick

MS = 1_704_067_200_000
XYZ = InstrumentId("BINANCE:XYZUSDT")


def trades(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    """A headerless Binance trades file of (id, price, ms) rows."""
    path.write_text("".join(f"{i},{p},1,1,{MS + t},True\n" for i, p, t in rows), encoding="utf-8")
    return path


def test_two_files_merge_by_ts_init_and_equal_times_keep_file_order(tmp_path: Path) -> None:
    a = trades(tmp_path / "XYZUSDT-trades-2024-01-01.csv", [("11", "1", 0), ("12", "1", 2)])
    b = trades(tmp_path / "ABCUSDT-trades-2024-01-01.csv", [("21", "1", 1), ("22", "1", 2)])
    md = open_data([a, b])
    ids = [t.trade_id for t in md]  # type: ignore[union-attr]
    assert ids == ["11", "21", "12", "22"]
    md = open_data([b, a])
    assert [t.trade_id for t in md] == ["11", "21", "22", "12"]  # type: ignore[union-attr]
    assert [s.path for s in md.sources] == [str(b), str(a)]


def test_iterating_again_reads_again(tmp_path: Path) -> None:
    a = trades(tmp_path / "XYZUSDT-trades-2024-01-01.csv", [("11", "1", 0)])
    md = open_data([str(a)])
    assert list(md) == list(md)
    assert "XYZUSDT-trades" in repr(md)


def test_one_symbol_inferred_differently_in_two_files_gets_the_widest(tmp_path: Path) -> None:
    a = trades(tmp_path / "XYZUSDT-trades-2024-01-01.csv", [("11", "1.5", 0)])
    b = trades(tmp_path / "XYZUSDT-trades-2024-01-02.csv", [("21", "1.25", 1)])
    c = trades(tmp_path / "ABCUSDT-trades-2024-01-02.csv", [("31", "1", 2)])
    md = open_data([a, b, c])
    assert md.instruments[XYZ].price_precision == 2
    assert [t.price for t in md] == [150, 125, 1]  # type: ignore[union-attr]
    assert [s.instruments_from for s in md.sources] == ["given", "given", "inferred"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("prices.csv", "a,b\n1,2\n", "unknown data format"),
        ("notes.txt", "hello\n", "unknown data format"),
        ("empty.csv", "", "unknown data format"),
    ],
)
def test_an_unknown_format_names_the_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=rf"^{path}: {message}"):
        open_data([path])


def test_a_missing_file_and_no_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=rf"^{tmp_path / 'nope.csv'}: no such file"):
        open_data([tmp_path / "nope.csv"])
    with pytest.raises(DataError, match="no data files given"):
        open_data([])


def test_the_package_loads_its_names_on_first_use() -> None:
    for name in readers.__all__:
        assert getattr(readers, name) is not None
    assert set(readers.__all__) <= set(dir(readers))
    with pytest.raises(AttributeError, match="nothing_here"):
        _ = readers.nothing_here


def test_a_trade_before_start_is_dropped_with_books_too(tmp_path: Path) -> None:
    book = tmp_path / "XYZUSDT-bookTicker-2024-01-01.csv"
    book.write_text(f"1,1,1,2,1,{MS},{MS}\n2,1,2,2,1,{MS + 2},{MS + 2}\n", encoding="utf-8")
    t = trades(tmp_path / "XYZUSDT-trades-2024-01-01.csv", [("40", "1", 0), ("41", "1", 3)])
    md = open_data([book, t], start_ns=(MS + 1) * 1_000_000)
    events = list(md)
    assert [type(e).__name__ for e in events] == ["BookDeltas", "TradeTick"]
    first = events[0]
    assert not isinstance(first, TradeTick) and first.is_snapshot  # the whole one-level book
    assert md.books[XYZ].best_bid() == (1, 2)


def test_a_directory_of_data_files(tmp_path: Path) -> None:
    trades(tmp_path / "XYZUSDT-trades-2024-01-02.csv", [("2", "1", 5)])
    trades(tmp_path / "XYZUSDT-trades-2024-01-01.csv", [("1", "1", 0)])
    (tmp_path / "README.md").write_text("about this data\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    md = open_data([tmp_path])
    assert [Path(s.path).name for s in md.sources] == [
        "XYZUSDT-trades-2024-01-01.csv",
        "XYZUSDT-trades-2024-01-02.csv",
    ]
    assert [t.trade_id for t in md] == ["1", "2"]  # type: ignore[union-attr]
    with pytest.raises(DataError, match="no recording or data file"):
        open_data([tmp_path / "sub"])
