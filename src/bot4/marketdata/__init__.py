# bot4.marketdata: market data in, books and normalised events out.
#   _book        OrderBook (pure; depends on bot4.model only)
#   _handler     FeedHandler protocol, FeedStats, SnapshotRequest
#   feeds/       one Sans-I/O handler per exchange (depends on _book, _handler, model)
#   recording    reader of recorded sessions (no dependency on feeds)
#   _offline     offline replay of a recording through a handler (feeds + recording)
#   ws           FeedConnection: the network shell driving a handler (picows, aiohttp, breakers)
#   replay       ReplayServer / SnapshotServer: a recording served over loopback (test and
#                bench infrastructure: import bot4.marketdata.replay, not exported here)
#   recorder     RecordingWriter (the recordings format); synth/ seeded synthetic sessions
"""Market data: L2 order books, Sans-I/O exchange feed handlers, recordings."""

from bot4.marketdata._book import OrderBook as OrderBook
from bot4.marketdata._handler import FeedHandler as FeedHandler
from bot4.marketdata._handler import FeedStats as FeedStats
from bot4.marketdata._handler import SnapshotRequest as SnapshotRequest
from bot4.marketdata._offline import book_summary as book_summary
from bot4.marketdata._offline import replay_offline as replay_offline
from bot4.marketdata._ws_config import ConnectionConfig as ConnectionConfig
from bot4.marketdata.feeds import BinanceFuturesFeed as BinanceFuturesFeed
from bot4.marketdata.feeds import BinanceSpotFeed as BinanceSpotFeed
from bot4.marketdata.feeds import CoinbaseFeed as CoinbaseFeed
from bot4.marketdata.feeds import KrakenFeed as KrakenFeed
from bot4.marketdata.feeds import make_feed as make_feed
from bot4.marketdata.recorder import RecordingWriter as RecordingWriter
from bot4.marketdata.ws import FeedConnection as FeedConnection

__all__ = [
    "BinanceFuturesFeed",
    "BinanceSpotFeed",
    "CoinbaseFeed",
    "ConnectionConfig",
    "FeedConnection",
    "FeedHandler",
    "FeedStats",
    "KrakenFeed",
    "OrderBook",
    "RecordingWriter",
    "SnapshotRequest",
    "book_summary",
    "make_feed",
    "replay_offline",
]
