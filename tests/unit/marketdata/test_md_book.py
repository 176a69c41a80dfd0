"""OrderBook: levels, best prices, top-N, walk, crossed detection, truncation."""

from __future__ import annotations

import pytest

from bot4.marketdata import OrderBook
from bot4.model import Instrument, InstrumentId, Side

INST = Instrument(
    id=InstrumentId("TEST:BTCUSDT"),
    exchange="TEST",
    symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    price_precision=2,
    size_precision=3,
)

# Each test runs with the C extension and with its Python twins (conftest `impl`).
pytestmark = pytest.mark.usefixtures("impl")


def _book() -> OrderBook:
    book = OrderBook(INST)
    for price, qty in ((100, 5), (99, 7), (97, 1)):
        book.apply(Side.BUY, price, qty)
    for price, qty in ((101, 2), (102, 3), (105, 10)):
        book.apply(Side.SELL, price, qty)
    return book


def test_empty_book_has_no_prices() -> None:
    book = OrderBook(INST)
    assert book.best_bid() is None and book.best_ask() is None
    assert book.mid() is None
    assert not book.is_crossed()
    assert book.bids() == [] and book.asks(5) == []
    assert book.walk(Side.BUY, 10) == (0, 0)
    assert not book.synced and book.ts_event == 0


def test_best_levels_and_top_n_are_best_first() -> None:
    book = _book()
    assert book.best_bid() == (100, 5)
    assert book.best_ask() == (101, 2)
    assert book.bids(2) == [(100, 5), (99, 7)]
    assert book.asks() == [(101, 2), (102, 3), (105, 10)]
    assert book.bids(0) == [] and book.asks(0) == []
    assert book.mid() == 100  # floor of 100.5
    assert book.depth() == (3, 3)
    assert book.level(Side.BUY, 99) == 7 and book.level(Side.SELL, 99) == 0
    assert "BTCUSDT" in repr(book)


def test_update_replace_and_delete_levels() -> None:
    book = _book()
    book.apply(Side.BUY, 100, 9)  # replace quantity, same order
    assert book.bids(1) == [(100, 9)]
    book.apply(Side.BUY, 100, 0)  # delete the best
    assert book.best_bid() == (99, 7)
    book.apply(Side.SELL, 101, 0)
    assert book.best_ask() == (102, 3)
    book.apply(Side.SELL, 42, 0)  # deleting an absent level is a no-op (Binance: normal)
    book.apply(Side.BUY, 42, 0)
    assert book.depth() == (2, 2)


def test_crossed_and_locked_books_are_detected() -> None:
    book = _book()
    book.apply(Side.BUY, 101, 1)  # locked: bid == ask
    assert book.is_crossed()
    book.apply(Side.BUY, 101, 0)
    assert not book.is_crossed()
    book.apply(Side.SELL, 98, 1)
    assert book.is_crossed()


def test_walk_for_a_quantity() -> None:
    book = _book()
    # BUY 4 takes 2 @ 101 then 2 @ 102.
    assert book.walk(Side.BUY, 4) == (4, 2 * 101 + 2 * 102)
    # SELL 6 takes 5 @ 100 then 1 @ 99.
    assert book.walk(Side.SELL, 6) == (6, 5 * 100 + 99)
    # More than the book holds: what there is.
    assert book.walk(Side.BUY, 100) == (15, 2 * 101 + 3 * 102 + 10 * 105)
    assert book.walk(Side.SELL, 0) == (0, 0)


def test_truncate_keeps_the_best_levels() -> None:
    book = _book()
    book.truncate(2)
    assert book.bids() == [(100, 5), (99, 7)]
    assert book.asks() == [(101, 2), (102, 3)]
    book.truncate(5)  # nothing to cut
    assert book.depth() == (2, 2)


def test_clear_unsyncs() -> None:
    book = _book()
    book.synced = True
    book.clear()
    assert not book.synced
    assert book.depth() == (0, 0)


def test_nth_price_and_bulk_load() -> None:
    book = _book()
    assert book.nth_price(Side.BUY, 1) == 100 and book.nth_price(Side.BUY, 3) == 97
    assert book.nth_price(Side.SELL, 2) == 102
    assert book.nth_price(Side.SELL, 4) is None and book.nth_price(Side.BUY, 0) is None
    book.load([(5, 1), (7, 2), (6, 0)], [(9, 3), (8, 1)])
    assert book.bids() == [(7, 2), (5, 1)] and book.asks() == [(8, 1), (9, 3)]
    book.apply_deltas([(Side.BUY, 6, 4), (Side.SELL, 8, 0), (Side.SELL, 10, 1), (Side.BUY, 5, 0)])
    assert book.bids() == [(7, 2), (6, 4)] and book.asks() == [(9, 3), (10, 1)]
    book.apply_deltas([(Side.BUY, 99, 0), (Side.SELL, 99, 0)])  # absent: no-op
    assert book.depth() == (2, 2)


def test_top_prices_only() -> None:
    book = _book()
    assert book.bid_prices(2) == [100, 99] and book.ask_prices(2) == [101, 102]
    assert book.bid_prices(10) == [100, 99, 97] and book.ask_prices(0) == []
    assert book.bid_prices(0) == []


def test_every_level_best_first_as_a_list_and_an_iterator() -> None:
    book = _book()
    book.load([(5, 1), (7, 2)], [(9, 3), (8, 0), (10, 4)])  # a zero ask is skipped too
    expected = [(Side.BUY, 7, 2), (Side.BUY, 5, 1), (Side.SELL, 9, 3), (Side.SELL, 10, 4)]
    assert book.levels() == expected
    assert tuple(book.iter_levels()) == tuple(expected)
