# bot4.marketdata: market data in, books and normalised events out, in three layers.
#   decode/      bytes -> typed frames and events, one function per channel (depends on model)
#   sync/        one pure state machine per venue protocol: Binance update ids, Kraken's
#                checksum, Coinbase's crossed-book guard (depends on _handler's counters)
#   book         OrderBook: apply levels, top-N, checksum input (depends on model, _accel)
#   _accel       the one switch between the C extension (_native) and its Python twins
#                (_twins), which decode, sync and the book call through
#   _handler     FeedHandler protocol, FeedStats, SnapshotRequest
#   feeds/       one Sans-I/O handler per exchange: decode + sync + book glued
#   sources/     where frames come from: ws (live), recording (files), replay (loopback server)
#   recorder     RecordingWriter (the recordings format); synth/ seeded synthetic sessions
#   readers/     data files (recordings, Binance public data, Tardis CSVs) -> events in ts_init
#                order, for backtests: open_data, MarketData (depends on feeds, sources.recording)
#   cli/         `bot4 replay` and `bot4 record`
# The re-exports below load on first use, so `import bot4.marketdata` for the OrderBook pulls in
# neither asyncio nor the network stack (tests/unit/marketdata/test_md_imports.py).
"""Market data: L2 order books, Sans-I/O exchange feed handlers, recordings."""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot4.marketdata._handler import FeedHandler as FeedHandler
    from bot4.marketdata._handler import FeedStats as FeedStats
    from bot4.marketdata._handler import SnapshotRequest as SnapshotRequest
    from bot4.marketdata.book import OrderBook as OrderBook
    from bot4.marketdata.feeds import BinanceFuturesFeed as BinanceFuturesFeed
    from bot4.marketdata.feeds import BinanceSpotFeed as BinanceSpotFeed
    from bot4.marketdata.feeds import CoinbaseFeed as CoinbaseFeed
    from bot4.marketdata.feeds import KrakenFeed as KrakenFeed
    from bot4.marketdata.feeds import make_feed as make_feed
    from bot4.marketdata.recorder import RecordingWriter as RecordingWriter
    from bot4.marketdata.sources._offline import book_summary as book_summary
    from bot4.marketdata.sources._offline import replay_offline as replay_offline
    from bot4.marketdata.sources._ws_config import ConnectionConfig as ConnectionConfig
    from bot4.marketdata.sources.ws import FeedConnection as FeedConnection

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

# Public name -> the module that defines it, imported on first access (PEP 562).
_WHERE = {
    "BinanceFuturesFeed": "bot4.marketdata.feeds",
    "BinanceSpotFeed": "bot4.marketdata.feeds",
    "CoinbaseFeed": "bot4.marketdata.feeds",
    "ConnectionConfig": "bot4.marketdata.sources._ws_config",
    "FeedConnection": "bot4.marketdata.sources.ws",
    "FeedHandler": "bot4.marketdata._handler",
    "FeedStats": "bot4.marketdata._handler",
    "KrakenFeed": "bot4.marketdata.feeds",
    "OrderBook": "bot4.marketdata.book",
    "RecordingWriter": "bot4.marketdata.recorder",
    "SnapshotRequest": "bot4.marketdata._handler",
    "book_summary": "bot4.marketdata.sources._offline",
    "make_feed": "bot4.marketdata.feeds",
    "replay_offline": "bot4.marketdata.sources._offline",
}


def __getattr__(name: str) -> object:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(where), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
