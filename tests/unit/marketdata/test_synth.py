"""The synthetic session generators: valid sequencing/checksums, determinism, bundled data."""

from __future__ import annotations

import json
import random
import zlib
from collections import Counter
from pathlib import Path

import pytest
from tests.support.io import book_state, replay_offline

from bot4.marketdata.feeds import BinanceFuturesFeed, BinanceSpotFeed, CoinbaseFeed, KrakenFeed
from bot4.marketdata.sources.recording import read_records
from bot4.marketdata.synth import (
    LEVELS_HISTOGRAM,
    Ladder,
    binance_session,
    sample_levels,
    write_binance_session,
)
from bot4.marketdata.synth._ladder import BINANCE_FUTURES_LEVELS, BINANCE_SPOT_LEVELS
from bot4.marketdata.synth._session import wire
from bot4.marketdata.synth.coinbase import coinbase_session
from bot4.marketdata.synth.default import DEFAULT_DATASET, write_default_dataset
from bot4.marketdata.synth.kraken import kraken_checksum, kraken_session

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def _depth(session_frames: list[tuple[int, str]]) -> list[dict[str, object]]:
    out = []
    for _, text in session_frames:
        data = json.loads(text)["data"]
        if data["e"] == "depthUpdate":
            out.append(data)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    a = binance_session(messages=300, seed=1, depth=20)
    b = binance_session(messages=300, seed=1, depth=20)
    c = binance_session(messages=300, seed=2, depth=20)
    assert a.frames == b.frames and a.snapshots == b.snapshots
    assert a.frames != c.frames


def test_spot_diffs_chain_update_ids() -> None:
    last: dict[str, int] = {}
    for d in _depth(binance_session(messages=2000, seed=3, depth=30).frames):
        s, first, final = d["s"], d["U"], d["u"]
        assert isinstance(first, int) and isinstance(final, int) and first <= final
        if s in last:
            assert first == last[s] + 1
        last[str(s)] = final


def test_futures_diffs_chain_pu() -> None:
    last: dict[str, int] = {}
    jumps = 0
    for d in _depth(binance_session(messages=2000, seed=3, depth=30, futures=True).frames):
        s = str(d["s"])
        if s in last:
            assert d["pu"] == last[s]
            jumps += d["U"] != last[s] + 1  # type: ignore[operator]
        last[s] = d["u"]  # type: ignore[assignment]
    assert jumps > 0  # futures ids jump between messages, as on the real stream


@pytest.mark.parametrize("futures", [False, True])
def test_binance_sessions_sync_with_zero_gaps(futures: bool) -> None:
    session = binance_session(messages=3000, seed=4, depth=50, futures=futures)
    feed = (BinanceFuturesFeed if futures else BinanceSpotFeed)(SYMBOLS)
    replay_offline(feed, session.frames, session.snapshots)
    assert feed.stats.errors == 0 and feed.stats.gaps == 0 and feed.stats.unknown == 0
    assert sorted(feed.books) == SYMBOLS
    assert all(b.synced and not b.is_crossed() for b in feed.books.values())


def test_binance_resync_from_the_mid_snapshot_gives_the_same_book() -> None:
    session = binance_session(messages=3000, seed=9, depth=50)
    full = BinanceSpotFeed(SYMBOLS)
    replay_offline(full, session.frames, session.snapshots)
    # A client that joins half-way: it skips the first snapshots and the frames before them.
    url_first: dict[str, int] = {}
    late = [s for s in session.snapshots if url_first.setdefault(s[0], s[1]) != s[1]]
    start = min(ts for _, ts, _ in late)
    joined = BinanceSpotFeed(SYMBOLS)
    replay_offline(joined, [f for f in session.frames if f[0] > start], late)
    assert book_state(joined.books) == book_state(full.books)


def test_kraken_session_checksums_all_verify() -> None:
    session = kraken_session(messages=3000, seed=5)
    feed = KrakenFeed(["XBT/USD", "ETH/USD"], depth=10)
    replay_offline(feed, session.frames, [])
    assert feed.stats.errors == 0
    assert feed.stats.checksum_failed == 0
    assert feed.stats.checksum_ok > 2000
    assert all(b.synced for b in feed.books.values()) and len(feed.books) == 2


def test_kraken_checksum_strips_dots_and_leading_zeros() -> None:
    # Kraken's rule: "0.05005" -> "5005", "0.00000500" -> "500"; asks first, then bids.
    expected = zlib.crc32(b"5005" + b"500" + b"5000" + b"10000000")
    assert kraken_checksum([("0.05005", "0.00000500")], [("0.05000", "0.10000000")]) == str(
        expected
    )


def test_coinbase_session_builds_books_never_crossed() -> None:
    session = coinbase_session(messages=3000, seed=6)
    feed = CoinbaseFeed(["BTC-USD", "ETH-USD"])
    replay_offline(feed, session.frames, [])
    assert feed.stats.errors == 0 and feed.stats.crossed == 0
    assert all(b.synced for b in feed.books.values()) and len(feed.books) == 2


def test_levels_follow_the_measured_histogram() -> None:
    rng = random.Random(0)
    n = 20_000
    draws = Counter(sample_levels(rng) for _ in range(n))
    total = sum(LEVELS_HISTOGRAM.values())
    for k in (1, 2, 3):
        assert abs(draws[k] / n - LEVELS_HISTOGRAM[k] / total) < 0.02
    assert set(draws) <= set(LEVELS_HISTOGRAM)


def test_histogram_is_what_the_real_recordings_show(recordings: Path) -> None:
    for name, expected in (
        ("BINANCE.ws.1.0", BINANCE_SPOT_LEVELS),
        ("BINANCE_FUTURES.ws.1.0", BINANCE_FUTURES_LEVELS),
    ):
        counts: Counter[int] = Counter()
        for rec in read_records(recordings / name):
            if rec.kind == "recv" and '"depthUpdate"' in rec.body:
                data = json.loads(rec.body)["data"]
                counts[len(data["b"]) + len(data["a"])] += 1
        assert dict(counts) == expected


def test_ladder_never_crosses_and_wire_pads() -> None:
    lad = Ladder(random.Random(1), 10_000, 20, 100)
    for _ in range(2000):
        lad.step(sample_levels(lad.rng))
        assert max(lad.bids) < min(lad.asks)
    assert wire(4325012, 2, 8) == "43250.12000000"
    assert wire(813, 0, 0) == "813"
    assert lad.top(True, 3) == sorted(lad.bids.items(), reverse=True)[:3]


def test_bundled_default_dataset_is_what_the_generator_writes(tmp_path: Path) -> None:
    (tmp_path / "BINANCE.ws.1.0").write_text("stale\n")  # replaced, not appended to
    write_default_dataset(tmp_path)
    names = sorted(p.name for p in DEFAULT_DATASET.iterdir())
    assert names == ["BINANCE.0", "BINANCE.http.0.0", "BINANCE.ws.1.0"]
    for name in names:
        assert (tmp_path / name).read_bytes() == (DEFAULT_DATASET / name).read_bytes(), name
    size = sum((DEFAULT_DATASET / n).stat().st_size for n in names)
    assert size < 3_000_000


def test_written_session_keeps_what_the_client_sent(tmp_path: Path) -> None:
    from bot4.marketdata.sources.replay import load_session

    session = kraken_session(messages=50, seed=1)
    ws_file = session.write(tmp_path)
    assert ws_file.name == "KRAKEN.ws.1.0"
    loaded = load_session(ws_file)
    assert loaded.sent == session.sent and len(loaded.sent) == 2
    assert [t for _, t in loaded.frames] == [t for _, t in session.frames]
    assert loaded.ws_url == "wss://ws.kraken.com"


@pytest.mark.parametrize("futures", [False, True])
def test_streamed_session_is_byte_identical_to_the_in_memory_one(
    tmp_path: Path, futures: bool
) -> None:
    kwargs = {"messages": 1500, "seed": 11, "depth": 40, "futures": futures}
    binance_session(**kwargs).write(tmp_path / "mem")  # type: ignore[arg-type]
    ws_file = write_binance_session(tmp_path / "stream", **kwargs)  # type: ignore[arg-type]
    assert ws_file.parent == tmp_path / "stream"
    names = sorted(p.name for p in (tmp_path / "mem").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "stream").iterdir())
    assert len(names) == 3
    for name in names:
        assert (tmp_path / "stream" / name).read_bytes() == (tmp_path / "mem" / name).read_bytes()
