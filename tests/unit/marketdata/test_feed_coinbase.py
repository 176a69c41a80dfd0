"""Coinbase handler on inline frames: snapshot, l2update, matches, ticker, crossed books."""

from __future__ import annotations

import json

from bot4.marketdata.feeds import CoinbaseFeed
from bot4.marketdata.feeds.coinbase import parse_time
from bot4.model import BookDeltas, Side, TopOfBook, TradeTick

PID = "BTC-USD"


def snap() -> str:
    return json.dumps(
        {
            "type": "snapshot",
            "product_id": PID,
            "bids": [["100.00", "1.5"], ["99.50", "2"]],
            "asks": [["100.50", "1"], ["101.00", "3.25"]],
        }
    )


def l2(*changes: tuple[str, str, str]) -> str:
    return json.dumps(
        {
            "type": "l2update",
            "product_id": PID,
            "changes": [list(c) for c in changes],
            "time": "2021-04-17T16:43:37.075687Z",
        }
    )


def test_snapshot_then_updates() -> None:
    feed = CoinbaseFeed([PID])
    assert feed.on_message(l2(("buy", "100.00", "5")), 1) == []  # before the snapshot
    assert feed.stats.ignored == 1
    (ev,) = feed.on_message(snap(), 2)
    assert isinstance(ev, BookDeltas) and ev.is_snapshot
    book = feed.books[PID]
    assert book.instrument.price_precision == 2 and book.instrument.size_precision == 2
    (ev,) = feed.on_message(l2(("buy", "100.10", "0.5"), ("sell", "100.50", "0")), 3)
    assert isinstance(ev, BookDeltas)
    assert ev.deltas == ((Side.BUY, 10010, 50), (Side.SELL, 10050, 0))
    assert ev.ts_event == parse_time("2021-04-17T16:43:37.075687Z") == 1618677817075687000
    assert book.best_bid() == (10010, 50) and book.best_ask() == (10100, 325)
    assert feed.stats.crossed == 0 and feed.stats.snapshots == 1


def test_crossed_book_is_flagged_and_resynced() -> None:
    feed = CoinbaseFeed([PID])
    feed.on_message(snap(), 1)
    assert feed.on_message(l2(("buy", "100.60", "1")), 2) == []  # bid above the best ask
    book = feed.books[PID]
    assert feed.stats.crossed == 1 and not book.synced and feed.wants_reconnect
    assert feed.stats.resyncs == 1
    feed.on_disconnect()
    assert not feed.wants_reconnect
    feed.on_message(snap(), 3)
    assert book.synced


def test_crossed_book_only_counted_when_policy_off() -> None:
    feed = CoinbaseFeed([PID], resync_on_crossed=False)
    feed.on_message(snap(), 1)
    (ev,) = feed.on_message(l2(("sell", "99.00", "1")), 2)
    assert isinstance(ev, BookDeltas) and feed.stats.crossed == 1 and feed.books[PID].synced


def test_periodic_resnapshot_asks_for_reconnect() -> None:
    feed = CoinbaseFeed([PID], resnapshot_interval_s=60.0)
    feed.on_message(snap(), 0)
    feed.on_message(l2(("buy", "99.00", "1")), 59 * 10**9)
    assert not feed.wants_reconnect
    feed.on_message(l2(("buy", "99.00", "2")), 60 * 10**9)
    assert feed.wants_reconnect


def test_trades_ticker_and_errors() -> None:
    feed = CoinbaseFeed([PID])
    match = {"type": "match", "trade_id": 5, "side": "sell", "size": "0.5", "price": "100.25"}
    match |= {"product_id": PID, "time": "2021-04-17T16:43:30.244075Z", "sequence": 1}
    (t,) = feed.on_message(json.dumps(match), 1)
    assert isinstance(t, TradeTick) and t.aggressor is Side.BUY and t.trade_id == "5"
    (t,) = feed.on_message(json.dumps(match | {"type": "last_match", "side": "buy"}), 1)
    assert isinstance(t, TradeTick) and t.aggressor is Side.SELL
    ticker = {"type": "ticker", "product_id": PID, "best_bid": "100.00", "best_ask": "100.50"}
    (tob,) = feed.on_message(json.dumps(ticker | {"time": "2021-04-17T16:43:30Z"}), 2)
    assert isinstance(tob, TopOfBook) and (tob.bid_price, tob.bid_qty) == (10000, 0)
    (tob,) = feed.on_message(json.dumps(ticker | {"best_bid_size": "1.5"}), 2)
    # The instrument was inferred from the first match (size "0.5": 1 decimal).
    assert isinstance(tob, TopOfBook) and tob.bid_qty == 15 and tob.ts_event == 0
    assert feed.on_message(json.dumps({"type": "ticker", "product_id": PID}), 2) == []
    assert feed.on_message('{"type": "subscriptions", "channels": []}', 3) == []
    assert feed.on_message('{"type": "heartbeat", "sequence": 1}', 3) == []
    assert feed.on_message('{"type": "error", "message": "bad"}', 3) == []
    assert feed.stats.unknown == 1
    feed.on_message(snap(), 4)
    assert not feed.books[PID].synced  # "3.25" does not fit the inferred size precision
    feed.instruments.clear()
    feed.books.clear()
    feed._parsers.clear()
    feed.on_message(snap(), 4)
    assert feed.books[PID].synced
    assert feed.on_message(l2(("up", "1", "1")), 5) == []
    assert not feed.books[PID].synced  # a bad update leaves the book untrusted
    assert feed.on_message('{"type": "l2update"}', 5) == []
    assert feed.on_message('{"type": "nope"}', 5) == []
    assert feed.stats.errors == 4
    bad = json.loads(snap())
    bad["bids"][0][0] = "100.001"
    bad["asks"] = [["1e5", "1"]]
    assert feed.on_message(json.dumps(bad), 6) == []
    assert parse_time("") == 0 and parse_time("2021-04-17T16:43:30") == 1618677810000000000
    (sub,) = feed.subscribe_messages()
    assert json.loads(sub)["channels"] == ["level2", "matches", "ticker"]
