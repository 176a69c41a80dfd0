"""Helpers shared by the market-data I/O tests (connection, replay server, record)."""

from __future__ import annotations

from collections.abc import Sequence

from bot4.marketdata import FeedHandler, OrderBook
from bot4.marketdata.sources._snapshot_server import url_key

Books = dict[str, tuple[bool, list[tuple[int, int]], list[tuple[int, int]]]]


def book_state(books: dict[str, OrderBook]) -> Books:
    """Every book in full: (synced, bids, asks)."""
    return {s: (b.synced, b.bids(), b.asks()) for s, b in sorted(books.items())}


def replay_offline(
    handler: FeedHandler,
    frames: Sequence[tuple[int, str]],
    snapshots: Sequence[tuple[str, int, str]],
) -> None:
    """Drive a handler with no network: frames in order, snapshots answered in recorded order."""
    queues: dict[str, list[str]] = {}
    for url, _, body in sorted(snapshots, key=lambda s: s[1]):
        queues.setdefault(url_key(url), []).append(body)
    for ts, text in frames:
        handler.on_message(text.encode(), ts)
        for req in handler.pending_snapshots():
            bodies = queues[url_key(req.url)]
            handler.on_snapshot(req, bodies.pop(0).encode(), ts)
