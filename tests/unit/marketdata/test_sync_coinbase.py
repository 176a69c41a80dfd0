"""sync/coinbase.ProductSync alone: the crossed-book guard and the snapshot's age."""

from __future__ import annotations

from bot4.marketdata import OrderBook
from bot4.marketdata._handler import FeedStats
from bot4.marketdata.sync.coinbase import DROP, KEEP, RENEW, ProductSync
from bot4.model import Instrument, InstrumentId

INST = Instrument(
    id=InstrumentId("COINBASE:BTC-USD"),
    exchange="COINBASE",
    symbol="BTC-USD",
    base="BTC",
    quote="USD",
    price_precision=2,
    size_precision=8,
)


def _book(crossed: bool) -> OrderBook:
    book = OrderBook(INST)
    book.load([(101 if crossed else 99, 1)], [(100, 1)])
    return book


def test_a_crossed_book_is_dropped_or_only_counted() -> None:
    strict = ProductSync(None, True, FeedStats())
    assert strict.updated("BTC-USD", _book(crossed=True), 0) == DROP
    assert strict.updated("BTC-USD", _book(crossed=False), 0) == KEEP
    lenient = ProductSync(None, False, FeedStats())
    assert lenient.updated("BTC-USD", _book(crossed=True), 0) == KEEP
    assert strict.stats.crossed == lenient.stats.crossed == 1


def test_an_old_snapshot_asks_for_a_renewal() -> None:
    sync = ProductSync(60.0, True, FeedStats())
    sync.loaded("BTC-USD", 1_000)
    assert sync.updated("BTC-USD", _book(crossed=False), 1_000 + 59 * 10**9) == KEEP
    assert sync.updated("BTC-USD", _book(crossed=False), 1_000 + 60 * 10**9) == RENEW
    assert sync.updated("ETH-USD", _book(crossed=False), 10**15) == KEEP  # no snapshot: age 0
