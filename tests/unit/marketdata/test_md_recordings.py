"""The handlers against the real recordings, untouched and tampered with.

Untouched: every Binance book syncs with zero gaps, every Kraken checksum verifies, every Coinbase
update applies. Tampered (a line removed, altered or duplicated): the removal/alteration is caught
(gap or checksum failure -> unsynced -> resync) and the duplicate changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot4.marketdata.feeds import KrakenFeed
from bot4.marketdata.sources._offline import book_summary, replay_offline
from bot4.marketdata.sources.recording import read_records

# With the C extension and with its Python twins (conftest `impl`).
pytestmark = [pytest.mark.shared, pytest.mark.usefixtures("impl")]

BINANCE = [("binance", "BINANCE"), ("binance-futures", "BINANCE_FUTURES")]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _write(tmp_path: Path, lines: list[str]) -> Path:
    out = tmp_path / "tampered.ws.1.0"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.mark.parametrize(("exchange", "prefix"), BINANCE)
@pytest.mark.parametrize("with_header", [True, False])
def test_binance_books_sync_with_zero_gaps(
    recordings: Path, exchange: str, prefix: str, with_header: bool
) -> None:
    feed = replay_offline(
        recordings / f"{prefix}.ws.1.0",
        exchange,
        recordings / f"{prefix}.http.0.0",
        recordings / f"{prefix}.0" if with_header else None,
    )
    s = feed.stats
    assert s.errors == 0 and s.unknown == 0 and s.gaps == 0 and s.resyncs == 0
    assert s.snapshots == 4 and len(feed.books) == 4
    assert all(book.synced for book in feed.books.values())
    assert not any(book.is_crossed() for book in feed.books.values())


def _depth_lines(lines: list[str], symbol: str) -> list[int]:
    return [
        i for i, line in enumerate(lines) if '"depthUpdate"' in line and f'"s":"{symbol}"' in line
    ]


@pytest.mark.parametrize(
    ("exchange", "prefix", "symbol"),
    [
        ("binance", "BINANCE", "NKNUSDT"),
        ("binance-futures", "BINANCE_FUTURES", "SUSHIUSDT"),
    ],
)
def test_binance_tampering(
    recordings: Path, tmp_path: Path, exchange: str, prefix: str, symbol: str
) -> None:
    ws = recordings / f"{prefix}.ws.1.0"
    http = recordings / f"{prefix}.http.0.0"
    lines = _lines(ws)
    clean = replay_offline(ws, exchange, http)
    target = _depth_lines(lines, symbol)[-10]  # well after the snapshot synced the book

    removed = replay_offline(_write(tmp_path, lines[:target] + lines[target + 1 :]), exchange, http)
    assert removed.stats.gaps == 1 and removed.stats.resyncs == 1
    assert not removed.books[symbol].synced  # no second snapshot recorded: stays unsynced
    assert removed.pending_snapshots() == []  # asked for one (answered by nobody)
    others = [s for s in clean.books if s != symbol]
    assert all(removed.books[s].synced for s in others)

    # Altered ids: a first id that skips (spot U, futures pu) is a gap at once; a final id far
    # ahead makes the next diffs look already applied, and a run of those is a gap too.
    for field, delta in (("pu" if exchange == "binance-futures" else "U", 1), ("u", 1000)):
        altered = list(lines)
        frame = json.loads(altered[target].split(": ", 1)[1])
        frame["data"][field] += delta
        altered[target] = altered[target].split(": ", 1)[0] + ": " + json.dumps(frame)
        feed = replay_offline(_write(tmp_path, altered), exchange, http)
        assert feed.stats.gaps == 1 and not feed.books[symbol].synced, field

    duplicated = [*lines[: target + 1], lines[target], *lines[target + 1 :]]
    feed = replay_offline(_write(tmp_path, duplicated), exchange, http)
    assert feed.stats.gaps == 0 and feed.stats.ignored == clean.stats.ignored + 1
    assert book_summary(feed, depth=1000) == book_summary(clean, depth=1000)


def test_kraken_every_checksum_verifies(recordings: Path) -> None:
    for header in (recordings / "KRAKEN.0", None):
        feed = replay_offline(recordings / "KRAKEN.ws.50.0", "kraken", header=header)
        s = feed.stats
        updates = sum('"c":"' in r.body for r in read_records(recordings / "KRAKEN.ws.50.0"))
        assert s.checksum_ok == updates == 4269
        assert s.checksum_failed == 0 and s.errors == 0 and s.resyncs == 0
        assert len(feed.books) == 10 and all(b.synced for b in feed.books.values())
        assert not feed.wants_reconnect
    trades = replay_offline(recordings / "KRAKEN.ws.48.0", "kraken", header=recordings / "KRAKEN.0")
    assert trades.stats.errors == 0 and trades.stats.unknown == 0


def _kraken_top_update(lines: list[str]) -> int:
    """Index of the first update whose level is inside the top 10 (what the checksum covers)."""
    feed = KrakenFeed()
    for i, line in enumerate(lines):
        head, sep, body = line.partition(": ")
        if not sep or " <- " in head:
            continue
        feed.on_message(body, 0)
        msg = json.loads(body)
        if isinstance(msg, list) and "c" in msg[-3] and i > 100:
            payload = msg[1]
            side = "a" if "a" in payload else "b"
            price = feed.books[msg[-1]].instrument.price(payload[side][0][0])
            book = feed.books[msg[-1]]
            top = book.asks(10) if side == "a" else book.bids(10)
            if any(p == price for p, _ in top) and len(payload[side]) == 1:
                return i
    raise AssertionError("no top-10 update in the recording")


def test_kraken_tampering(recordings: Path, tmp_path: Path) -> None:
    ws = recordings / "KRAKEN.ws.50.0"
    lines = _lines(ws)
    clean = replay_offline(ws, "kraken")
    target = _kraken_top_update(lines)
    pair = json.loads(lines[target].split(": ", 1)[1])[-1]

    removed = replay_offline(_write(tmp_path, lines[:target] + lines[target + 1 :]), "kraken")
    assert removed.stats.checksum_failed == 1 and removed.stats.resyncs == 1
    assert not removed.books[pair].synced and removed.wants_reconnect

    frame = json.loads(lines[target].split(": ", 1)[1])
    side = "a" if "a" in frame[1] else "b"
    level = frame[1][side][0]
    level[1] = "9" + level[1]  # a different, valid quantity
    altered = list(lines)
    altered[target] = lines[target].split(": ", 1)[0] + ": " + json.dumps(frame)
    feed = replay_offline(_write(tmp_path, altered), "kraken")
    assert feed.stats.checksum_failed == 1 and not feed.books[pair].synced

    duplicated = [*lines[: target + 1], lines[target], *lines[target + 1 :]]
    feed = replay_offline(_write(tmp_path, duplicated), "kraken")
    assert feed.stats.checksum_failed == 0
    assert feed.stats.checksum_ok == clean.stats.checksum_ok + 1
    assert book_summary(feed, depth=1000) == book_summary(clean, depth=1000)


def test_coinbase_books_build_and_every_update_applies(recordings: Path) -> None:
    ws = recordings / "COINBASE.ws.28.0"
    feed = replay_offline(ws, "coinbase", header=recordings / "COINBASE.0")
    s = feed.stats
    updates = sum('"type":"l2update"' in r.body for r in read_records(ws))
    assert updates > 9000
    assert s.snapshots == 10 and s.errors == 0 and s.unknown == 0
    assert s.ignored == 0 and s.crossed == 0 and s.resyncs == 0  # every update applied
    assert all(b.synced and not b.is_crossed() for b in feed.books.values())


def test_coinbase_crossed_book_is_flagged(recordings: Path, tmp_path: Path) -> None:
    ws = recordings / "COINBASE.ws.28.0"
    lines = _lines(ws)
    clean = replay_offline(ws, "coinbase")
    book = clean.books["SKL-BTC"]
    ask = book.instrument.price_str(book.asks(1)[0][0])
    last = max(i for i, line in enumerate(lines) if '"product_id":"SKL-BTC"' in line)
    crossing = {"type": "l2update", "product_id": "SKL-BTC", "changes": [["buy", ask, "1"]]}
    tampered = [*lines[: last + 1], f"1618677999.0: {json.dumps(crossing)}", *lines[last + 1 :]]
    feed = replay_offline(_write(tmp_path, tampered), "coinbase")
    assert feed.stats.crossed == 1 and feed.stats.resyncs == 1
    assert not feed.books["SKL-BTC"].synced and feed.wants_reconnect


def test_malformed_lines_are_counted(recordings: Path, tmp_path: Path) -> None:
    lines = _lines(recordings / "BINANCE.ws.1.0")
    lines[5:5] = ["this is not a record", "1633998512.7: {broken json"]
    feed = replay_offline(_write(tmp_path, lines), "binance", recordings / "BINANCE.http.0.0")
    assert feed.stats.errors == 2 and feed.stats.gaps == 0
    assert all(b.synced for b in feed.books.values())
