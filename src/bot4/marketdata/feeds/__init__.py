# bot4.marketdata.feeds: one Sans-I/O handler per exchange (depends on marketdata._book,
# marketdata._handler and bot4.model; never on ws.py or replay).
"""Exchange feed handlers: native frames in, synced books and normalised events out."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot4.errors import FeedConfigError as _FeedConfigError
from bot4.marketdata.feeds._base import BaseFeed as BaseFeed
from bot4.marketdata.feeds.binance import BinanceFuturesFeed as BinanceFuturesFeed
from bot4.marketdata.feeds.binance import BinanceSpotFeed as BinanceSpotFeed
from bot4.marketdata.feeds.coinbase import CoinbaseFeed as CoinbaseFeed
from bot4.marketdata.feeds.kraken import KrakenFeed as KrakenFeed
from bot4.model import Instrument as _Instrument

__all__ = [
    "BaseFeed",
    "BinanceFuturesFeed",
    "BinanceSpotFeed",
    "CoinbaseFeed",
    "KrakenFeed",
    "make_feed",
]

_FEEDS: dict[str, type[BaseFeed]] = {
    "binance": BinanceSpotFeed,
    "binance-futures": BinanceFuturesFeed,
    "coinbase": CoinbaseFeed,
    "kraken": KrakenFeed,
}


def make_feed(
    exchange: str,
    symbols: tuple[str, ...] | list[str] = (),
    instruments: Mapping[str, _Instrument] | None = None,
    verify: bool = True,
) -> BaseFeed:
    """A new handler for `exchange` ("binance", "binance-futures", "coinbase", "kraken")."""
    try:
        cls = _FEEDS[exchange]
    except KeyError:
        raise _FeedConfigError(
            f"unknown exchange {exchange!r}; expected one of {sorted(_FEEDS)}"
        ) from None
    return cls(symbols, instruments, verify)


if TYPE_CHECKING:  # mypy proves every handler implements the FeedHandler protocol
    from bot4.marketdata._handler import FeedHandler

    _conforms: tuple[FeedHandler, ...] = (
        BinanceSpotFeed(),
        BinanceFuturesFeed(),
        CoinbaseFeed(),
        KrakenFeed(),
    )
