"""Kraken v1 handler on inline frames: snapshot, updates, CRC32 checksums (checked against an
independent implementation over Kraken's strings), truncation, resubscribe on mismatch."""

from __future__ import annotations

import json
import zlib

import pytest

from bot4.marketdata import OrderBook
from bot4.marketdata.feeds import KrakenFeed
from bot4.marketdata.feeds.kraken import kraken_checksum
from bot4.model import BookDeltas, Instrument, InstrumentId, Side, TopOfBook, TradeTick

# Each test runs with the C extension and with its Python twins (conftest `impl`), and with
# frames as text (the offline replay) and as bytes (a WebSocket), which take different C routes.
pytestmark = pytest.mark.usefixtures("impl", "wire")

PAIR = "XBT/USD"
# XBT/USD as Kraken's AssetPairs describes it: 1 price decimal (the wire pads prices to 5).
XBT_USD_1DP = Instrument(
    id=InstrumentId("KRAKEN:XBT/USD"),
    exchange="KRAKEN",
    symbol=PAIR,
    base="XBT",
    quote="USD",
    price_precision=1,
    size_precision=8,
)


def ref_checksum(asks: dict[str, str], bids: dict[str, str]) -> str:
    """Kraken's documented algorithm, straight from the strings."""
    top_asks = sorted(asks.items(), key=lambda kv: float(kv[0]))[:10]
    top_bids = sorted(bids.items(), key=lambda kv: -float(kv[0]))[:10]
    text = "".join(
        p.replace(".", "").lstrip("0") + q.replace(".", "").lstrip("0")
        for p, q in top_asks + top_bids
    )
    return str(zlib.crc32(text.encode()))


class Venue:
    """A tiny Kraken: keeps the string book and writes frames with correct checksums."""

    def __init__(self) -> None:
        self.asks = {f"{50000 + i}.{i % 10}0000": f"{i + 1}.00000000" for i in range(15)}
        self.bids = {f"{49990 - i}.{i % 10}0000": f"{i + 2}.50000000" for i in range(15)}

    def snapshot(self) -> str:
        lv = lambda d: [[p, q, "1618678132.100000"] for p, q in d.items()]  # noqa: E731
        return json.dumps([1, {"as": lv(self.asks), "bs": lv(self.bids)}, "book-25", PAIR])

    def update(self, side: str, price: str, qty: str, split: bool = False) -> str:
        book = self.asks if side == "a" else self.bids
        if float(qty) == 0:
            book.pop(price, None)
        else:
            book[price] = qty
        c = ref_checksum(self.asks, self.bids)
        levels = [[price, qty, "1618678133.500000"]]
        if split:
            return json.dumps([1, {"a": []}, {side: levels, "c": c}, "book-25", PAIR])
        return json.dumps([1, {side: levels, "c": c}, "book-25", PAIR])


def test_snapshot_updates_and_checksums_verify() -> None:
    venue = Venue()
    feed = KrakenFeed([PAIR])
    (snap,) = feed.on_message(venue.snapshot(), 10)
    assert isinstance(snap, BookDeltas) and snap.is_snapshot
    book = feed.books[PAIR]
    assert book.synced and book.instrument.price_precision == 5
    assert book.best_ask() == (5000000000, 100000000)
    (ev,) = feed.on_message(venue.update("b", "49995.00000", "0.01000000"), 11)
    assert isinstance(ev, BookDeltas) and ev.deltas == ((Side.BUY, 4999500000, 1000000),)
    assert ev.ts_event == 1618678133500000000
    feed.on_message(venue.update("a", "50000.00000", "0.00000000"), 12)  # delete the best ask
    feed.on_message(venue.update("b", "49990.00000", "9.00000000", split=True), 13)
    assert feed.stats.checksum_ok == 3 and feed.stats.checksum_failed == 0
    assert book.best_ask() == (5000110000, 200000000)
    assert not feed.wants_reconnect


def test_checksum_uses_the_wire_width_when_metadata_precision_is_smaller() -> None:
    # AssetPairs says 1 decimal; the wire pads to 5 ("56218.30000"), and the checksum is over that.
    inst = XBT_USD_1DP
    venue = Venue()
    feed = KrakenFeed([PAIR], {PAIR: inst})
    feed.on_message(venue.snapshot(), 1)
    feed.on_message(venue.update("b", "49995.50000", "0.01000000"), 2)
    assert feed.stats.checksum_ok == 1
    book = feed.books[PAIR]
    assert book.best_bid() == (499955, 1000000)
    assert kraken_checksum(book, 4, 0) == int(ref_checksum(venue.asks, venue.bids))


def test_checksum_mismatch_unsyncs_and_asks_to_resubscribe() -> None:
    venue = Venue()
    feed = KrakenFeed([PAIR])
    feed.on_message(venue.snapshot(), 1)
    venue.update("a", "50000.00000", "0.00000000")  # the venue changes; we never see it
    frame = venue.update("b", "49995.00000", "1.00000000")
    assert feed.on_message(frame, 2) == []
    book = feed.books[PAIR]
    assert not book.synced and feed.wants_reconnect
    assert feed.stats.checksum_failed == 1 and feed.stats.resyncs == 1
    assert feed.on_message(venue.update("b", "49996.00000", "1.00000000"), 3) == []
    assert feed.stats.ignored == 1
    feed.on_disconnect()
    assert not feed.wants_reconnect
    feed.on_message(venue.snapshot(), 4)  # the resubscription's snapshot
    assert book.synced
    feed.on_message(venue.update("b", "49997.00000", "1.00000000"), 5)
    assert feed.stats.checksum_ok == 1


def test_updates_before_snapshot_are_ignored_and_book_truncated() -> None:
    venue = Venue()
    feed = KrakenFeed([PAIR], depth=25)
    assert feed.on_message(venue.update("b", "1.00000", "1.00000000"), 1) == []
    assert feed.stats.ignored == 1 and PAIR not in feed.books
    venue = Venue()
    feed.on_message(venue.snapshot(), 2)  # 15 levels per side; depth 25
    for i in range(12):  # push 12 more bids in below the best: 27 > 25
        feed.on_message(venue.update("b", f"{40000 - i}.00000", "1.00000000"), 3)
    assert feed.books[PAIR].depth() == (25, 15)
    assert feed.stats.checksum_failed == 0


def test_verify_off_skips_checksums() -> None:
    venue = Venue()
    feed = KrakenFeed([PAIR], verify=False)
    feed.on_message(venue.snapshot(), 1)
    frame = json.loads(venue.update("b", "49995.00000", "1.00000000"))
    frame[1]["c"] = "1"
    (ev,) = feed.on_message(json.dumps(frame), 2)
    assert isinstance(ev, BookDeltas) and feed.stats.checksum_failed == 0


def test_trades_ticker_control_and_errors() -> None:
    feed = KrakenFeed([PAIR])
    trades = [["50000.10000", "0.01000000", "1618678133.123456", "b", "l", ""]]
    trades.append(["50000.00000", "0.02000000", "1618678133.223456", "s", "m", ""])
    ticks = feed.on_message(json.dumps([2, trades, "trade", PAIR]), 7)
    assert [t.aggressor for t in ticks if isinstance(t, TradeTick)] == [Side.BUY, Side.SELL]
    assert isinstance(ticks[0], TradeTick) and ticks[0].ts_event == 1618678133123456000
    ticker = {"a": ["50001.00000", 1, "1.000"], "b": ["50000.00000", 2, "2.500"]}
    (tob,) = feed.on_message(json.dumps([3, ticker, "ticker", PAIR]), 8)
    assert isinstance(tob, TopOfBook) and tob.bid_price == 5000000000
    for control in ('{"event": "heartbeat"}', '{"event": "systemStatus", "status": "online"}'):
        assert feed.on_message(control, 9) == []
    assert feed.on_message('{"event": "surprise"}', 9) == []
    assert feed.on_message(json.dumps([4, {}, "spread", PAIR]), 9) == []
    assert feed.stats.unknown == 2
    for bad in ("[1, 2]", "{bad", json.dumps([1, {}, 5, 6]), '"text"'):
        assert feed.on_message(bad, 9) == []
    assert feed.stats.errors == 4
    (sub_book, sub_trade) = feed.subscribe_messages()
    assert json.loads(sub_book)["subscription"] == {"name": "book", "depth": 100}
    assert json.loads(sub_trade)["pair"] == [PAIR]


def test_malformed_update_drops_the_book() -> None:
    venue = Venue()
    feed = KrakenFeed([PAIR])
    feed.on_message(venue.snapshot(), 1)
    frame = json.dumps([1, {"b": [["49995.1234567", "1.0", "1.0"]], "c": "0"}, "book-25", PAIR])
    assert feed.on_message(frame, 2) == []
    assert feed.stats.errors == 1 and not feed.books[PAIR].synced and feed.wants_reconnect


def test_checksum_digits_when_precision_exceeds_the_wire() -> None:
    inst = Instrument(
        id=InstrumentId("KRAKEN:A/B"),
        exchange="KRAKEN",
        symbol="A/B",
        base="A",
        quote="B",
        price_precision=4,
        size_precision=2,
    )
    book = OrderBook(inst)
    book.apply(Side.SELL, 12500, 150)  # wire "1.25" and "1.5": 2 and 1 decimals
    book.apply(Side.BUY, 12000, 200)
    expected = zlib.crc32(b"125" + b"15" + b"120" + b"20")
    assert kraken_checksum(book, -2, -1) == expected


def test_a_snapshot_that_does_not_fit_the_known_precision_is_an_error() -> None:
    # Known instruments take the C route; a price it cannot hold exactly goes to the strings,
    # which refuse it: counted, and the book stays unsynced.
    inst = XBT_USD_1DP
    feed = KrakenFeed([PAIR], {PAIR: inst})
    rows = [["50000.12000", "1.00000000", "1618678132.100000"]]
    frame = json.dumps([1, {"as": rows, "bs": []}, "book-25", PAIR])
    assert feed.on_message(frame, 1) == []
    assert feed.stats.errors == 1 and not feed.books[PAIR].synced
    good = [["50000.10000", "1.00000000", "1618678132.100000"]]
    (snap,) = feed.on_message(json.dumps([1, {"as": good, "bs": []}, "book-25", PAIR]), 2)
    assert isinstance(snap, BookDeltas) and snap.deltas == ((Side.SELL, 500001, 100000000),)
    assert snap.ts_event == 1618678132100000000 and feed.books[PAIR].synced


def test_an_update_the_fast_readers_decline_is_applied_by_the_general_route() -> None:
    # A row with a non-string extra field: `_accel.kraken_update` / `kraken_levels` decline it
    # (rows of strings only); the general route reads price, volume and time all the same.
    venue = Venue()
    feed = KrakenFeed([PAIR])
    odd = json.dumps([1, {"a": [["50000.10000", "1.0", "1.0", 5]]}, "book-25", PAIR])
    assert feed.on_message(odd, 1) == [] and feed.stats.ignored == 1  # before the snapshot
    feed.on_message(venue.snapshot(), 2)
    frame = json.loads(venue.update("a", "50001.00000", "3.00000000"))
    frame[1]["a"][0].append(5)
    frame.insert(1, {"b": [["49990.00000", "9.00000000", "1618678133.600000", 6]]})
    venue.bids["49990.00000"] = "9.00000000"
    frame[2]["c"] = ref_checksum(venue.asks, venue.bids)
    (ev,) = feed.on_message(json.dumps(frame), 3)
    assert isinstance(ev, BookDeltas) and ev.ts_event == 1618678133500000000
    assert ev.deltas == ((Side.BUY, 4999000000, 900000000), (Side.SELL, 5000100000, 300000000))
    assert feed.stats.checksum_ok == 1 and feed.stats.errors == 0
