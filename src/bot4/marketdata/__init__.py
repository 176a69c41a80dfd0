# bot4.marketdata: market data in, books and normalised events out.
#   _book        OrderBook (pure; depends on bot4.model only)
#   _handler     FeedHandler protocol, FeedStats, SnapshotRequest
#   feeds/       one Sans-I/O handler per exchange (depends on _book, _handler, model)
#   recording    reader of recorded sessions (no dependency on feeds)
"""Market data: L2 order books, Sans-I/O exchange feed handlers, recordings."""

from bot4.marketdata._book import OrderBook as OrderBook
from bot4.marketdata._handler import FeedHandler as FeedHandler
from bot4.marketdata._handler import FeedStats as FeedStats
from bot4.marketdata._handler import SnapshotRequest as SnapshotRequest

__all__ = [
    "FeedHandler",
    "FeedStats",
    "OrderBook",
    "SnapshotRequest",
]
