"""Recordings as events: tiny hand-built sessions (Binance with REST snapshots, Coinbase with a
header) and the shared cryptofeed recordings, whose books must equal `replay_offline`'s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot4.errors import DataError
from bot4.marketdata.readers import open_data
from bot4.marketdata.sources._offline import replay_offline
from bot4.model import BookDeltas, Instrument, InstrumentId, Side, TradeTick

ABC = InstrumentId("BINANCE:ABCUSDT")
S = 1_000_000_000  # ns per s


def depth(ts: str, u_first: int, u_last: int, bids: list[list[str]], asks: list[list[str]]) -> str:
    """A recorded line holding one Binance diff-depth frame of ABCUSDT."""
    e_ms = int(float(ts) * 1000)
    data = {"e": "depthUpdate", "E": e_ms, "s": "ABCUSDT", "U": u_first, "u": u_last}
    frame = {"stream": "abcusdt@depth@100ms", "data": {**data, "b": bids, "a": asks}}
    return f"{ts}: {json.dumps(frame)}\n"


AGG_TRADE = {"e": "aggTrade", "E": 5000, "s": "ABCUSDT", "a": 7, "p": "1.50", "q": "2"}
BINANCE_WS = (
    "wss://stream.binance.com:9443/stream?streams=abcusdt@depth@100ms <-> 1.0\n"
    'wss://stream.binance.com:9443/stream <- 1.1: {"method":"SUBSCRIBE"}\n'
    + depth("2.0", 10, 11, [["1.00", "5"]], [])
    + depth("4.0", 12, 12, [], [["2.00", "3"]])
    + "5.0: "
    + json.dumps(
        {"stream": "abcusdt@aggTrade", "data": {**AGG_TRADE, "f": 1, "l": 1, "T": 5000, "m": True}}
    )
    + "\n"
)
SNAPSHOT = (
    "https://api.binance.com/api/v3/depth?symbol=ABCUSDT&limit=1000 -> {ts}: "
    '{{"lastUpdateId":11,"bids":[["1.00","5"],["0.90","1"]],"asks":[["2.10","4"]]}}\n'
)


def binance_session(tmp_path: Path, snapshot_ts: str = "3.0", ws: str = BINANCE_WS) -> Path:
    (tmp_path / "BINANCE.ws.1.0").write_text(ws, encoding="utf-8")
    # A line that is no REST response (a bad line) is not a snapshot.
    http = SNAPSHOT.format(ts=snapshot_ts) + "not a response\n"
    (tmp_path / "BINANCE.http.0.0").write_text(http, encoding="utf-8")
    return tmp_path / "BINANCE.ws.1.0"


def test_a_snapshot_is_answered_at_the_recorded_moment(tmp_path: Path) -> None:
    ws = binance_session(tmp_path)
    md = open_data([tmp_path])
    events = list(md)
    # Asked for at 2.0, recorded at 3.0: answered after the frame of 4.0, so it carries 4.0
    # (never earlier than a frame already handed out); the buffered diff u=12 is in it.
    assert events == [
        BookDeltas(
            instrument_id=ABC,
            deltas=(
                (Side.BUY, 100, 5),
                (Side.BUY, 90, 1),
                (Side.SELL, 200, 3),
                (Side.SELL, 210, 4),
            ),
            is_snapshot=True,
            sequence=12,
            ts_event=4000 * 1_000_000,
            ts_init=4 * S,
        ),
        TradeTick(
            instrument_id=ABC,
            price=150,
            qty=2,
            aggressor=Side.SELL,
            trade_id="7",
            ts_event=5 * S,
            ts_init=5 * S,
        ),
    ]
    assert md.sources[0].format == "recording"
    assert md.sources[0].venue == "BINANCE"
    assert md.sources[0].instruments_from == "inferred"
    assert md.instruments[ABC].price_precision == 2
    feed = replay_offline(ws, "binance", tmp_path / "BINANCE.http.0.0")
    assert md.books[ABC].levels() == feed.books["ABCUSDT"].levels()


def test_a_snapshot_recorded_after_the_last_frame_still_counts(tmp_path: Path) -> None:
    ws = binance_session(tmp_path, snapshot_ts="9.0")
    events = list(open_data([ws]))  # the .ws. file itself: its siblings are found
    snap = events[-1]
    assert isinstance(snap, BookDeltas) and snap.is_snapshot
    assert snap.ts_init == 9 * S
    assert [type(e) for e in events] == [TradeTick, BookDeltas]


def test_start_after_the_snapshot_yields_the_whole_book_first(tmp_path: Path) -> None:
    ws = BINANCE_WS.replace(
        "5.0: ",
        depth("4.5", 13, 13, [["0.90", "0"]], [])
        + depth("4.7", 14, 14, [["0.80", "7"]], [])
        + "5.0: ",
    )
    binance_session(tmp_path, ws=ws)
    md = open_data([tmp_path], start_ns=46 * S // 10)
    events = list(md)
    first = events[0]
    # The snapshot at 4.0 and the diff at 4.5 are before start: applied, not yielded. The first
    # book event after start (4.7) comes as the whole book.
    assert isinstance(first, BookDeltas) and first.is_snapshot and first.ts_init == 47 * S // 10
    assert first.deltas == (
        (Side.BUY, 100, 5),
        (Side.BUY, 80, 7),
        (Side.SELL, 200, 3),
        (Side.SELL, 210, 4),
    )
    assert [type(e) for e in events] == [BookDeltas, TradeTick]
    assert md.books[ABC].levels() == list(first.deltas)


def test_end_stops_reading(tmp_path: Path) -> None:
    binance_session(tmp_path)
    md = open_data([tmp_path], end_ns=5 * S)
    assert [type(e) for e in md] == [BookDeltas]


def test_bad_lines_malformed_frames_and_late_frames(tmp_path: Path) -> None:
    ws = BINANCE_WS + (
        "this is not a recording line\n"  # line 6
        '6.0: {"stream":"abcusdt@aggTrade","data":{"e":"aggTrade","p":[]}}\n'  # 7: malformed
        '4.9: {"stream":"abcusdt@aggTrade","data":{}}\n'  # 8: out of order
        "\n"
    )
    path = binance_session(tmp_path, ws=ws)
    md = open_data([tmp_path])
    assert [type(e) for e in md] == [BookDeltas, TradeTick]
    assert md.errors.messages == [
        f"{path}:6: not a recording line",
        f"{path}:7: malformed frame",
        f"{path}:8: out of order: time {49 * S // 10} ns is before {6 * S} ns",
    ]
    with pytest.raises(DataError, match=rf"^{path}:6: not a recording line"):
        list(open_data([tmp_path], on_error="stop"))


def coinbase_session(tmp_path: Path) -> Path:
    products = [
        {
            "id": "BTC-USD",
            "base_currency": "BTC",
            "quote_currency": "USD",
            "quote_increment": "0.01",
            "base_increment": "0.0001",
        },
        {
            "id": "ETH-USD",
            "base_currency": "ETH",
            "quote_currency": "USD",
            "quote_increment": "0.1",
            "base_increment": "0.001",
        },
    ]
    (tmp_path / "COINBASE.0").write_text(
        'configuration: {"l2_book":["BTC-USD"],"trades":["BTC-USD"]}\n'
        f"https://api.pro.coinbase.com/products -> 0.5: {json.dumps(products)}\n",
        encoding="utf-8",
    )
    frames = [
        {
            "type": "snapshot",
            "product_id": "BTC-USD",
            "bids": [["100.00", "1.5"]],
            "asks": [["101.00", "2"]],
        },
        {
            "type": "l2update",
            "product_id": "BTC-USD",
            "changes": [["buy", "100.50", "0.25"]],
            "time": "2021-04-17T16:43:37.075687Z",
        },
        {
            "type": "match",
            "trade_id": 9,
            "side": "sell",
            "size": "0.5",
            "price": "100.50",
            "product_id": "ETH-USD",
            "sequence": 1,
            "time": "2021-04-17T16:43:37.089723Z",
        },
    ]
    ws = tmp_path / "COINBASE.ws.3.0"
    ws.write_text(
        "".join(f"{10 + i}.0: {json.dumps(f)}\n" for i, f in enumerate(frames)), encoding="utf-8"
    )
    return ws


def test_instruments_from_the_header_and_given(tmp_path: Path) -> None:
    coinbase_session(tmp_path)
    btc, eth = InstrumentId("COINBASE:BTC-USD"), InstrumentId("COINBASE:ETH-USD")
    md = open_data([tmp_path])
    assert set(md.instruments) == {btc}  # the subscribed one is known at open
    assert md.sources[0].instruments_from == "header"
    events = list(md)
    assert [type(e) for e in events] == [BookDeltas, BookDeltas, TradeTick]
    assert set(md.instruments) == {btc, eth}  # ETH-USD: met in the data, added then
    assert md.books[btc].best_bid() == (10050, 2500)

    mine = Instrument(
        id=eth,
        exchange="COINBASE",
        symbol="ETH-USD",
        base="ETH",
        quote="USD",
        price_precision=4,
        size_precision=4,
    )
    other = Instrument(
        id=InstrumentId("KRAKEN:ETH-USD"),
        exchange="KRAKEN",
        symbol="ETH-USD",
        base="ETH",
        quote="USD",
        price_precision=1,
        size_precision=1,
    )
    md = open_data([tmp_path], instruments={"ETH-USD": mine, "X": other})
    assert md.sources[0].instruments_from == "header+given"
    assert md.instruments[eth] is mine
    trade = list(md)[-1]
    assert isinstance(trade, TradeTick) and (trade.price, trade.qty) == (1_005_000, 5000)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("OKX.ws.1.0", "not a recording of a supported exchange"),
        ("empty_dir", "no recording of"),
    ],
)
def test_unsupported_recordings(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "empty_dir" / "OKX.ws.1.0").write_text("1.0: {}\n")
    (tmp_path / "OKX.ws.1.0").write_text("1.0: {}\n")
    with pytest.raises(DataError, match=message):
        open_data([tmp_path / name])


def test_an_unreadable_connection_file_is_a_data_error(tmp_path: Path) -> None:
    ws = binance_session(tmp_path)
    md = open_data([ws])
    ws.unlink()
    with pytest.raises(DataError, match="cannot read"):
        list(md)


@pytest.mark.shared
def test_shared_recordings_give_the_books_of_replay_offline(recordings: Path) -> None:
    md = open_data([recordings])
    assert {s.venue for s in md.sources} == {"BINANCE", "BINANCE-FUTURES", "COINBASE", "KRAKEN"}
    assert all(s.instruments_from == "header" for s in md.sources)
    last = 0
    for event in md:
        assert event.ts_init >= last
        last = event.ts_init
    assert md.errors.count == 0
    for source in md.sources:
        ws = Path(source.path)
        prefix = ws.name.split(".")[0]
        http = ws.with_name(f"{prefix}.http.0.0")
        feed = replay_offline(
            ws,
            source.venue.lower(),
            http if http.is_file() else None,
            ws.with_name(f"{prefix}.0"),
        )
        for book in feed.books.values():
            assert book.synced
            assert md.books[book.instrument.id].levels() == book.levels()


def test_a_gap_leaves_the_book_unsynced_until_the_next_snapshot(tmp_path: Path) -> None:
    gap = (
        BINANCE_WS.split("5.0: ")[0]
        + depth("6.0", 20, 21, [["1.10", "1"]], [])  # U=20 after u=12: updates 13..19 lost
    )
    binance_session(tmp_path, ws=gap)
    md = open_data([tmp_path])
    events = list(md)
    assert events[-1] == BookDeltas(
        instrument_id=ABC, deltas=(), is_snapshot=True, sequence=0, ts_event=0, ts_init=6 * S
    )
    assert not md.books[ABC].synced and md.books[ABC].levels() == []
