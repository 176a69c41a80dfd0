"""Every event of every real recording is the same with the C extension and without it.

The frames go in as bytes, as a WebSocket delivers them (the offline replay hands the feeds
text, which some C routes leave to msgspec), with the recorded REST snapshots answered in
order; events, final books and counters must be equal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot4.marketdata import _accel
from bot4.marketdata.feeds import make_feed
from bot4.marketdata.sources._snapshot_server import url_key
from bot4.marketdata.sources.recording import read_header, read_records
from bot4.model import instruments_from_header

pytestmark = pytest.mark.shared

FEEDS = [
    ("binance", "BINANCE"),
    ("binance-futures", "BINANCE_FUTURES"),
    ("coinbase", "COINBASE"),
    ("kraken", "KRAKEN"),
]


def _replay(recordings: Path, exchange: str, prefix: str) -> tuple[list[Any], Any, Any]:
    frames = [
        (r.ts_ns, r.body.encode())
        for ws in sorted(recordings.glob(f"{prefix}.ws.*"))
        for r in read_records(ws)
        if r.kind == "recv"
    ]
    queues: dict[str, deque[bytes]] = {}
    http = recordings / f"{prefix}.http.0.0"
    if http.is_file():
        for r in sorted(read_records(http), key=lambda r: r.ts_ns):
            if r.kind == "http":
                queues.setdefault(url_key(r.url), deque()).append(r.body.encode())
    header = read_header(recordings / f"{prefix}.0")
    feed = make_feed(exchange, (), instruments_from_header(header, exchange))
    events: list[Any] = []
    for ts, data in frames:
        events += feed.on_message(data, ts)
        for req in feed.pending_snapshots():
            q = queues.get(url_key(req.url))
            if q:
                events += feed.on_snapshot(req, q.popleft() if len(q) > 1 else q[0], ts)
    books = {s: (b.synced, b.levels()) for s, b in feed.books.items()}
    return events, books, feed.stats.as_dict()


@pytest.mark.skipif(not _accel.NATIVE, reason="the C extension is not built here")
@pytest.mark.parametrize(("exchange", "prefix"), FEEDS)
def test_every_event_is_the_same_with_and_without_the_c_extension(
    recordings: Path, exchange: str, prefix: str, to_python: Callable[[], None]
) -> None:
    with_c = _replay(recordings, exchange, prefix)
    to_python()
    without = _replay(recordings, exchange, prefix)
    assert with_c[2] == without[2]
    assert with_c[2]["errors"] == 0 and with_c[2]["parsed"] == with_c[2]["messages"]
    assert with_c[1] == without[1]
    assert len(with_c[0]) == len(without[0]) > 0
    assert with_c[0] == without[0]
