"""Binance spot and USD-M futures handlers on small inline frames: the documented sync rules,
gaps, duplicates, cryptofeed's three failure modes, and the non-book channels."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot4.marketdata import SnapshotRequest
from bot4.marketdata.decode._parse import parse_fixed
from bot4.marketdata.feeds import BinanceFuturesFeed, BinanceSpotFeed, make_feed
from bot4.model import BookDeltas, Candle, Instrument, InstrumentId, Side, TopOfBook, TradeTick

INST = Instrument(
    id=InstrumentId("BINANCE:BTCUSDT"),
    exchange="BINANCE",
    symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    price_precision=2,
    size_precision=3,
)

# Each test runs with the C extension and with its Python twins (conftest `impl`), and with
# frames as text and as bytes (conftest `wire`).
pytestmark = pytest.mark.usefixtures("impl", "wire")


def depth(first: int, last: int, bids=(), asks=(), pu: int | None = None, sym="BTCUSDT") -> str:
    data = {"e": "depthUpdate", "E": 1000, "s": sym, "U": first, "u": last}
    data["b"] = [list(level) for level in bids]
    data["a"] = [list(level) for level in asks]
    if pu is not None:
        data["pu"] = pu
    # Compact, as Binance writes it (the one-pass path keys on the exact head).
    return json.dumps({"stream": f"{sym.lower()}@depth@100ms", "data": data}, separators=(",", ":"))


def snapshot(last_id: int, bids=(("100.00", "1.000"),), asks=(("101.00", "1.000"),)) -> bytes:
    body = {"lastUpdateId": last_id, "bids": [list(b) for b in bids]}
    body["asks"] = [list(a) for a in asks]
    return json.dumps(body).encode()


def spot(**kw: object) -> BinanceSpotFeed:
    return BinanceSpotFeed(["BTCUSDT"], {"BTCUSDT": INST}, **kw)  # type: ignore[arg-type]


def sync_spot(feed: BinanceSpotFeed, last_id: int = 10) -> list[object]:
    """Buffer one diff, answer the snapshot request, return the events of the snapshot."""
    feed.on_message(depth(last_id - 2, last_id - 1, bids=[("99.00", "1")]), 1)
    (req,) = feed.pending_snapshots()
    assert req == SnapshotRequest(
        "BTCUSDT", "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000"
    )
    assert feed.pending_snapshots() == []  # handed out once
    events = feed.on_snapshot(req, snapshot(last_id), 2)
    feed.on_message(depth(last_id + 1, last_id + 1, bids=[("99.50", "2")]), 3)
    return events


def test_sync_from_snapshot_and_first_bridging_event() -> None:
    feed = spot()
    assert feed.on_message(depth(5, 7, bids=[("99.00", "1")]), 1) == []  # buffered
    assert not feed.books["BTCUSDT"].synced
    (req,) = feed.pending_snapshots()
    # Snapshot at 10: the buffered diff (u=7 <= 10) is stale and dropped, not applied.
    assert feed.on_snapshot(req, snapshot(10), 2) == []
    book = feed.books["BTCUSDT"]
    assert not book.synced and book.level(Side.BUY, 9900) == 0
    # Diff 9..12 bridges 10+1: applied, the book syncs and publishes itself whole.
    (ev,) = feed.on_message(depth(9, 12, bids=[("100.00", "2.5")]), 3)
    assert isinstance(ev, BookDeltas) and ev.is_snapshot and ev.sequence == 12
    assert book.synced and book.best_bid() == (10000, 2500)
    # The next diff must start at 13 (bytes frames, as picows delivers them, work the same).
    frame = depth(13, 14, asks=[("101.00", "0")], bids=[("99.5", "1")]).encode()
    (ev,) = feed.on_message(frame, 4)
    assert isinstance(ev, BookDeltas) and not ev.is_snapshot
    assert ev.deltas == ((Side.BUY, 9950, 1000), (Side.SELL, 10100, 0))
    assert ev.ts_event == 1_000_000_000 and ev.ts_init == 4
    assert book.best_ask() is None
    assert feed.stats.gaps == 0 and feed.stats.snapshots == 1


def test_buffered_events_bridge_inside_on_snapshot() -> None:
    feed = spot()
    feed.on_message(depth(1, 5, bids=[("98.00", "1")]), 1)
    feed.on_message(depth(6, 12, bids=[("98.50", "1")]), 1)
    feed.on_message(depth(13, 13, bids=[("99.00", "3")]), 1)
    (req,) = feed.pending_snapshots()
    (ev,) = feed.on_snapshot(req, snapshot(10), 2)
    assert isinstance(ev, BookDeltas) and ev.is_snapshot and ev.sequence == 13
    book = feed.books["BTCUSDT"]
    assert book.bids() == [(10000, 1000), (9900, 3000), (9850, 1000)]  # 98.00 was stale
    assert feed.stats.buffered == 3 and feed.stats.ignored == 1


def test_failure_mode_updates_before_snapshot_are_never_applied() -> None:
    """cryptofeed applied diffs to a book that had no snapshot yet."""
    feed = spot()
    for i in range(3):
        assert feed.on_message(depth(i + 1, i + 1, bids=[("50.00", "1")]), 1) == []
    book = feed.books["BTCUSDT"]
    assert book.depth() == (0, 0) and not book.synced


def test_failure_mode_updates_during_snapshot_fetch_are_kept() -> None:
    """cryptofeed lost the diffs that arrived while the snapshot was being fetched."""
    feed = spot()
    feed.on_message(depth(1, 3), 1)
    (req,) = feed.pending_snapshots()
    # While the request is in flight, diffs 4..20 arrive; the snapshot is as of 10.
    feed.on_message(depth(4, 9, bids=[("97.00", "1")]), 1)
    feed.on_message(depth(10, 15, bids=[("99.00", "4")]), 1)
    feed.on_message(depth(16, 20, asks=[("102.00", "6")]), 1)
    events = feed.on_snapshot(req, snapshot(10), 2)
    book = feed.books["BTCUSDT"]
    assert book.synced and events
    assert book.level(Side.BUY, 9900) == 4000 and book.level(Side.SELL, 10200) == 6000
    assert book.level(Side.BUY, 9700) == 0  # older than the snapshot: dropped


def test_failure_mode_levels_deeper_than_snapshot_do_not_survive_a_resync() -> None:
    """cryptofeed kept levels from before a resync that the new snapshot no longer had."""
    feed = spot()
    sync_spot(feed)
    book = feed.books["BTCUSDT"]
    feed.on_message(depth(12, 12, bids=[("50.00", "9")]), 4)  # a deep level
    assert book.level(Side.BUY, 5000) == 9000
    feed.on_message(depth(20, 21), 5)  # gap 13..19
    assert not book.synced and book.depth() == (0, 0)
    assert feed.stats.gaps == 1 and feed.stats.resyncs == 1
    (req,) = feed.pending_snapshots()
    feed.on_snapshot(req, snapshot(21, bids=[("99.00", "1")]), 6)
    feed.on_message(depth(22, 22), 7)
    assert book.synced and book.level(Side.BUY, 5000) == 0
    assert book.bids() == [(9900, 1000)]


def test_gap_unsyncs_and_publishes_nothing_until_resynced() -> None:
    feed = spot()
    sync_spot(feed)
    assert feed.on_message(depth(13, 13, bids=[("99.00", "1")]), 4) == []  # 12 missing
    assert feed.stats.gaps == 1
    assert feed.on_message(depth(14, 14, bids=[("99.00", "1")]), 5) == []  # buffered
    (req,) = feed.pending_snapshots()
    (ev,) = feed.on_snapshot(req, snapshot(13), 6)
    assert isinstance(ev, BookDeltas) and ev.is_snapshot and feed.books["BTCUSDT"].synced


def test_duplicates_are_ignored_and_overlaps_applied() -> None:
    feed = spot()
    sync_spot(feed)
    book = feed.books["BTCUSDT"]
    before = (book.bids(), book.asks())
    frame = depth(11, 11, bids=[("99.50", "7")])  # the diff already applied
    assert feed.on_message(frame, 4) == []
    assert (book.bids(), book.asks()) == before and feed.stats.ignored >= 1
    assert book.synced and feed.stats.gaps == 0
    (ev,) = feed.on_message(depth(10, 13, bids=[("99.50", "3")]), 5)  # overlaps 10..11
    assert isinstance(ev, BookDeltas) and book.level(Side.BUY, 9950) == 3000


def test_snapshot_older_than_the_stream_is_refetched() -> None:
    feed = spot()
    feed.on_message(depth(50, 55), 1)
    (req,) = feed.pending_snapshots()
    assert feed.on_snapshot(req, snapshot(10), 2) == []  # 11..49 were never seen
    assert not feed.books["BTCUSDT"].synced
    assert feed.stats.resyncs == 1 and feed.stats.gaps == 0
    (again,) = feed.pending_snapshots()
    (ev,) = feed.on_snapshot(again, snapshot(52), 3)
    assert isinstance(ev, BookDeltas) and ev.sequence == 55


def test_snapshot_then_stale_live_then_late_bridge_rejected() -> None:
    feed = spot()
    feed.on_message(depth(1, 2), 1)
    (req,) = feed.pending_snapshots()
    feed.on_snapshot(req, snapshot(10), 2)
    assert feed.on_message(depth(9, 10), 3) == []  # stale (u <= 10)
    assert feed.on_message(depth(15, 16), 4) == []  # does not bridge 11: refetch
    assert feed.stats.resyncs == 1 and len(feed.pending_snapshots()) == 1


def test_futures_rules_use_pu_and_inclusive_bridge() -> None:
    inst = Instrument(
        id=InstrumentId("BINANCE-FUTURES:BTCUSDT"),
        exchange="BINANCE-FUTURES",
        symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        price_precision=2,
        size_precision=3,
    )
    feed = BinanceFuturesFeed(["BTCUSDT"], {"BTCUSDT": inst})
    feed.on_message(depth(1, 5, pu=0), 1)
    (req,) = feed.pending_snapshots()
    assert req.url == "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000"
    assert feed.on_snapshot(req, snapshot(10), 2) == []  # u=5 < 10 dropped
    # Futures: the first event has U <= 10 <= u (u == lastUpdateId counts).
    (ev,) = feed.on_message(depth(8, 10, bids=[("100.00", "3")], pu=7), 3)
    assert isinstance(ev, BookDeltas) and ev.is_snapshot
    book = feed.books["BTCUSDT"]
    (ev,) = feed.on_message(depth(14, 20, bids=[("100.00", "4")], pu=10), 4)  # pu chains
    assert book.best_bid() == (10000, 4000)
    assert feed.on_message(depth(14, 20, pu=10), 5) == []  # duplicate: ignored
    assert book.synced and feed.stats.gaps == 0
    assert feed.on_message(depth(25, 30, pu=22), 6) == []  # pu != 20: gap
    assert not book.synced and feed.stats.gaps == 1


def test_verify_off_applies_without_gap_checks() -> None:
    feed = spot(verify=False)
    sync_spot(feed)
    (ev,) = feed.on_message(depth(30, 31, bids=[("99.00", "5")]), 4)
    assert isinstance(ev, BookDeltas) and feed.stats.gaps == 0


def test_disconnect_drops_everything() -> None:
    feed = spot()
    sync_spot(feed)
    feed.on_message(depth(12, 12), 4)
    feed.on_disconnect()
    assert not feed.books["BTCUSDT"].synced and feed.books["BTCUSDT"].depth() == (0, 0)
    assert feed.pending_snapshots() == []
    feed.on_message(depth(100, 101), 5)
    assert len(feed.pending_snapshots()) == 1


def test_other_channels() -> None:
    feed = spot()
    agg = {"e": "aggTrade", "E": 5, "s": "BTCUSDT", "a": 7, "p": "100.50", "q": "0.25"}
    agg |= {"f": 1, "l": 1, "T": 6, "m": True, "M": True}
    (t,) = feed.on_message(json.dumps({"stream": "btcusdt@aggTrade", "data": agg}), 9)
    assert t == TradeTick(
        instrument_id=INST.id,
        price=10050,
        qty=250,
        aggressor=Side.SELL,
        trade_id="7",
        ts_event=6_000_000,
        ts_init=9,
    )
    trade = {"e": "trade", "E": 5, "s": "BTCUSDT", "t": 8, "p": "1", "q": "2", "T": 6, "m": False}
    compact = json.dumps({"stream": "btcusdt@trade", "data": trade}, separators=(",", ":"))
    for frame in (compact.encode(), compact):
        (t,) = feed.on_message(frame, 9)
        assert isinstance(t, TradeTick) and t.aggressor is Side.BUY and t.trade_id == "8"
    ticker = {"u": 1, "s": "BTCUSDT", "b": "99.00", "B": "1", "a": "99.50", "A": "2"}
    (tob,) = feed.on_message(json.dumps({"stream": "btcusdt@bookTicker", "data": ticker}), 9)
    assert tob == TopOfBook(
        instrument_id=INST.id,
        bid_price=9900,
        bid_qty=1000,
        ask_price=9950,
        ask_qty=2000,
        ts_event=0,
        ts_init=9,
    )
    k = {"t": 0, "T": 59999, "s": "BTCUSDT", "i": "1m", "o": "1", "c": "2", "h": "3", "l": "0.5"}
    k |= {"v": "10", "n": 4, "x": True}
    kline = {"e": "kline", "E": 60000, "s": "BTCUSDT", "k": k}
    (c,) = feed.on_message(json.dumps({"stream": "btcusdt@kline_1m", "data": kline}), 9)
    assert isinstance(c, Candle) and (c.open, c.high, c.low, c.close) == (100, 300, 50, 200)
    assert c.volume == 10000 and c.closed and c.ts_close == 59_999_000_000
    # Raw-stream frames (no envelope) too.
    (t,) = feed.on_message(json.dumps(agg), 9)
    assert isinstance(t, TradeTick)
    (tob,) = feed.on_message(json.dumps(ticker).encode(), 9)
    assert isinstance(tob, TopOfBook)
    raw_depth = json.loads(depth(1, 2))["data"]
    assert feed.on_message(json.dumps(raw_depth), 9) == []  # buffered
    assert feed.on_message('{"result": null, "id": 1}', 9) == []
    assert feed.stats.errors == 0 and feed.stats.unknown == 0


def test_malformed_and_unknown_frames_are_counted_never_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    feed = spot()
    sync_spot(feed)
    assert feed.on_message(b"not json", 1) == []
    assert feed.on_message('{"stream": "btcusdt@depth@100ms", "data": {"s": 1}}', 1) == []
    assert feed.on_message(depth(12, 12, bids=[("1.234", "1")]), 1) == []  # too many decimals
    assert feed.on_message('{"stream": "btcusdt@depth5", "data": {}}', 1) == []
    assert feed.on_message('{"stream": "btcusdt@markPrice", "data": {}}', 1) == []
    assert feed.on_message(b'{"stream":"btcusdt@markPrice","data":{}}', 1) == []
    assert feed.on_message('{"stream":"btcusdt@depth@100ms","data":{"s":1}}', 1) == []
    assert feed.stats.errors == 4 and feed.stats.unknown == 3
    assert feed.stats.messages == feed.stats.parsed + 7
    assert "malformed" in caplog.text
    # The refused diff (12) never applied: the next diff (13) is a gap, caught.
    feed.on_message(depth(13, 13), 2)
    assert feed.stats.gaps == 1 and not feed.books["BTCUSDT"].synced


def test_bad_snapshots_are_counted_and_asked_again() -> None:
    feed = spot()
    feed.on_message(depth(1, 2), 1)
    (req,) = feed.pending_snapshots()
    assert feed.on_snapshot(req, b"{oops", 2) == []
    (req,) = feed.pending_snapshots()
    assert feed.on_snapshot(req, snapshot(5, bids=[("1.001", "1")]), 2) == []
    assert feed.stats.errors == 2 and len(feed.pending_snapshots()) == 1


def test_inferred_instrument_and_subscription() -> None:
    feed = make_feed("binance", ["BTCUSDT", "ETHBTC"])
    (msg,) = feed.subscribe_messages()
    assert json.loads(msg)["params"][:3] == [
        "btcusdt@depth@100ms",
        "btcusdt@aggTrade",
        "btcusdt@bookTicker",
    ]
    feed.on_message(depth(1, 2), 1)
    assert "BTCUSDT" not in feed.books  # no instrument yet: created from the snapshot
    (req,) = feed.pending_snapshots()
    feed.on_snapshot(req, snapshot(1, bids=[("100.00000000", "1.00000000")]), 2)
    assert feed.books["BTCUSDT"].instrument.price_precision == 8
    assert feed.books["BTCUSDT"].synced
    with pytest.raises(ValueError, match="unknown exchange"):
        make_feed("okx")
    assert feed.on_snapshot(SnapshotRequest("NEW", "u"), snapshot(1), 3) == []


def test_a_run_of_stale_diffs_is_a_gap() -> None:
    feed = spot()
    sync_spot(feed)  # at 11
    feed.on_message(depth(12, 1000), 4)  # a corrupt final id, far ahead
    for i in range(13, 17):
        assert feed.on_message(depth(i, i), 5) == []
    assert feed.books["BTCUSDT"].synced and feed.stats.gaps == 0  # four could be duplicates
    feed.on_message(depth(17, 17), 6)
    assert not feed.books["BTCUSDT"].synced and feed.stats.gaps == 1


def test_a_snapshot_for_a_synced_book_is_ignored() -> None:
    feed = spot()
    sync_spot(feed)
    book = feed.books["BTCUSDT"]
    before = (book.bids(), book.asks())
    req = SnapshotRequest("BTCUSDT", "late")
    assert feed.on_snapshot(req, snapshot(5, bids=[("1.00", "1")]), 9) == []
    assert book.synced and (book.bids(), book.asks()) == before


# --- the parsed route (`_accel.parse_pairs`) and its fallbacks to the exact string path -----

WIRE = Instrument(
    id=InstrumentId("BINANCE:NKNUSDT"),
    exchange="BINANCE",
    symbol="NKNUSDT",
    base="NKN",
    quote="USDT",
    price_precision=8,
    size_precision=8,
)


def compact_snapshot(last_id: int, bids, asks) -> bytes:
    """A snapshot as Binance writes it (no spaces)."""
    body = {"lastUpdateId": last_id, "bids": [list(b) for b in bids]}
    body["asks"] = [list(a) for a in asks]
    return json.dumps(body, separators=(",", ":")).encode()


def _synced(feed: BinanceSpotFeed, sym: str, bids, asks) -> None:
    feed.on_message(depth(9, 10, sym=sym), 1)
    (req,) = feed.pending_snapshots()
    assert feed.on_snapshot(req, compact_snapshot(10, bids, asks), 2) == []
    feed.on_message(depth(11, 11, sym=sym), 3)
    assert feed.books[sym].synced


@pytest.mark.parametrize("as_bytes", [True, False])
def test_parsed_route_in_wire_units(as_bytes: bool) -> None:
    feed = BinanceSpotFeed(["NKNUSDT"], {"NKNUSDT": WIRE})
    _synced(feed, "NKNUSDT", [("0.35210000", "672.00000000")], [("0.35300000", "1.50000000")])
    book = feed.books["NKNUSDT"]
    assert book.bids() == [(35210000, 67200000000)] and book.asks() == [(35300000, 150000000)]
    frame = depth(12, 12, bids=[("0.35220000", "6195.00000000")], asks=[("0.35300000", "0")],
                  sym="NKNUSDT")  # fmt: skip
    (ev,) = feed.on_message(frame.encode() if as_bytes else frame, 4)
    assert ev.deltas == ((Side.BUY, 35220000, 619500000000), (Side.SELL, 35300000, 0))
    assert book.best_bid() == (35220000, 619500000000) and book.best_ask() is None
    # Numbers beyond a float's exact range (>= 2**49 / 1e8): still exact.
    (ev,) = feed.on_message(depth(13, 13, bids=[("9000000.00000001", "1")], sym="NKNUSDT"), 5)
    assert ev.deltas == ((Side.BUY, 900000000000001, 100000000),)
    (ev,) = feed.on_message(depth(14, 14, asks=[("9000000.5", "1")], sym="NKNUSDT"), 5)
    assert ev.deltas == ((Side.SELL, 900000050000000, 100000000),)  # asks too
    # A negative quantity is out of the parsed route; the string path decides, as it always did.
    (ev,) = feed.on_message(depth(15, 15, asks=[("1.5", "-0.1")], sym="NKNUSDT"), 6)
    assert ev.deltas == ((Side.SELL, 150000000, -10000000),)
    assert feed.stats.errors == 0 and feed.stats.gaps == 0


def test_parsed_route_refuses_what_the_strings_refuse() -> None:
    feed = BinanceSpotFeed(["NKNUSDT"], {"NKNUSDT": WIRE})
    _synced(feed, "NKNUSDT", [("0.35210000", "1")], [("0.35300000", "1")])
    # Nine decimals, and an exponent: neither is rounded, both are malformed frames.
    assert feed.on_message(depth(12, 12, bids=[("0.352100001", "1")], sym="NKNUSDT"), 4) == []
    assert feed.on_message(depth(12, 12, bids=[("1e-9", "1")], sym="NKNUSDT"), 4) == []
    assert feed.stats.errors == 2 and feed.books["NKNUSDT"].best_bid() == (35210000, 100000000)
    # So is a snapshot with a number of nine decimals (the strings refuse it; asked again).
    feed.on_message(depth(30, 30, sym="NKNUSDT"), 5)  # a gap: resync
    (req,) = feed.pending_snapshots()
    assert feed.on_snapshot(req, compact_snapshot(40, [("0.352100001", "1")], []), 6) == []
    assert feed.stats.errors == 3 and len(feed.pending_snapshots()) == 1


def test_parsed_route_at_other_precisions() -> None:
    feed = spot()  # BTCUSDT: price precision 2, size 3
    _synced(feed, "BTCUSDT", [("100.00", "1.000")], [("101.00", "2.5")])
    book = feed.books["BTCUSDT"]
    assert book.bids() == [(10000, 1000)] and book.asks() == [(10100, 2500)]
    (ev,) = feed.on_message(depth(12, 12, bids=[("100.50", "0.5")], asks=[("101.0", "0")]), 4)
    assert ev.deltas == ((Side.BUY, 10050, 500), (Side.SELL, 10100, 0))
    # A digit beyond the precision: the parsed route steps aside, the strings refuse it.
    assert feed.on_message(depth(13, 13, bids=[("100.505", "1")]), 5) == []
    assert feed.stats.errors == 1
    # A snapshot with such a digit is refused the same way, and asked for again.
    feed.on_message(depth(20, 20), 6)  # a gap: resync
    (req,) = feed.pending_snapshots()
    assert feed.on_snapshot(req, compact_snapshot(30, [("100.001", "1")], []), 7) == []
    assert feed.stats.errors == 2 and len(feed.pending_snapshots()) == 1


def test_snapshot_beyond_the_float_range_loads_exactly() -> None:
    feed = BinanceSpotFeed(["NKNUSDT"], {"NKNUSDT": WIRE})
    _synced(feed, "NKNUSDT", [("7000000.00000000", "1")], [("7000001.00000000", "20000000")])
    book = feed.books["NKNUSDT"]
    assert book.best_bid() == (700000000000000, 100000000)
    assert book.best_ask() == (700000100000000, 2000000000000000)


def test_numbers_the_parsed_route_declines_go_to_the_strings() -> None:
    feed = BinanceSpotFeed(["NKNUSDT"], {"NKNUSDT": WIRE})
    _synced(feed, "NKNUSDT", [("0.35210000", "1")], [("0.35300000", "1")])
    # ".5" (no integer digits): the parsed route declines it, the string path reads it exactly.
    (ev,) = feed.on_message(depth(12, 12, bids=[(".5", "1")], sym="NKNUSDT"), 4)
    assert ev.deltas == ((Side.BUY, 50000000, 100000000),)


_numbers = st.one_of(
    st.decimals(min_value=0, max_value=10**8, places=8, allow_nan=False).map(lambda d: f"{d:f}"),
    st.decimals(min_value=0, max_value=100, places=10, allow_nan=False).map(lambda d: f"{d:f}"),
    st.sampled_from(["0", "1e-9", "1E5", "-1.5", "0.00000000", "5629499.53421312", "12.5000"]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_numbers, _numbers), max_size=8),
    st.lists(st.tuples(_numbers, _numbers), max_size=8),
)
def test_a_diff_is_read_exactly_whatever_route_it_takes(bids, asks) -> None:
    """Property: a diff's levels are the exact string-path values (parse_fixed at precision
    8), or, when some string would not be exact, the frame is refused as malformed."""
    feed = BinanceSpotFeed(["NKNUSDT"], {"NKNUSDT": WIRE})
    _synced(feed, "NKNUSDT", [("0.1", "1")], [("1000000000", "1")])
    try:
        expected = tuple(
            [(Side.BUY, parse_fixed(p, 8), parse_fixed(q, 8)) for p, q in bids]
            + [(Side.SELL, parse_fixed(p, 8), parse_fixed(q, 8)) for p, q in asks]
        )
    except ValueError:
        expected = None
    events = feed.on_message(depth(12, 12, bids=bids, asks=asks, sym="NKNUSDT").encode(), 4)
    if expected is None:
        assert events == [] and feed.stats.errors == 1
    else:
        (ev,) = events
        assert ev.deltas == expected and feed.stats.errors == 0
