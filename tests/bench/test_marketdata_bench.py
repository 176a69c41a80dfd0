"""The market-data benchmark's drivers work (small inputs): they must not rot between runs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import marketdata  # noqa: E402
from bot4.marketdata.sources.replay import load_session  # noqa: E402
from bot4.marketdata.synth import binance_session  # noqa: E402
from bot4.marketdata.synth.default import DEFAULT_DATASET  # noqa: E402


def test_drive_syncs_the_bundled_dataset() -> None:
    s = load_session(DEFAULT_DATASET / "BINANCE.ws.1.0", DEFAULT_DATASET / "BINANCE.http.0.0")
    frames = [(ts, text.encode()) for ts, text in s.frames]
    elapsed, feed = marketdata._drive("binance", frames, s.snapshots, None)
    assert elapsed > 0
    assert feed.stats.messages == 2000 and feed.stats.gaps == 0
    assert sorted(feed.books) == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert all(b.synced for b in feed.books.values())


def test_loopback_once_over_two_processes() -> None:
    session = binance_session(messages=3000, seed=1, depth=50, duration_s=1)
    elapsed, counters = marketdata._loopback_once(session, 3000, count_only=False)
    assert elapsed > 0
    assert counters["messages"] == 3000 and counters["connects"] == 1
    t_only, c_only = marketdata._loopback_once(session, 3000, count_only=True)
    assert t_only > 0 and c_only["messages"] == 3000


def test_count_only_handler_is_inert() -> None:
    h = marketdata._CountOnly()
    assert h.subscribe_messages() == [] and h.pending_snapshots() == []
    assert h.on_message(b"x", 1) == [] and h.on_snapshot(None, b"", 1) == []
    h.on_disconnect()
    assert h.stats.messages == 1 and not asyncio.iscoroutinefunction(h.on_message)
