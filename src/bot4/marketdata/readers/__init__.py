# bot4.marketdata.readers: data files -> Bot4's normalised events, streamed in ts_init order
# (what `bot4 backtest` and `bot4 run --data` read). Depends on feeds, book, sources.recording
# and bot4.model; nothing in marketdata depends on it except sources._offline (feed_records).
#   _datafile     DataFile, DataErrors, OnError, line streams from csv / zip / gz
#   recorded      recordings (cryptofeed raw capture, `bot4 record`): feed_records, Recording
#   _binance_csv  data.binance.vision trades, aggTrades, klines, bookTicker
#   _tardis_csv   Tardis incremental_book_L2 and trades
#   _market_data  format detection, open_data, MarketData (merge, books, start/end)
# The names below load on first use, like bot4.marketdata's.
"""Readers of market-data files (recordings, Binance public data, Tardis CSVs) for backtests."""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot4.marketdata.readers._datafile import DataErrors as DataErrors
    from bot4.marketdata.readers._datafile import DataFile as DataFile
    from bot4.marketdata.readers._datafile import Event as Event
    from bot4.marketdata.readers._datafile import OnError as OnError
    from bot4.marketdata.readers._market_data import MarketData as MarketData
    from bot4.marketdata.readers._market_data import open_data as open_data

__all__ = ["DataErrors", "DataFile", "Event", "MarketData", "OnError", "open_data"]

# Public name -> the module that defines it, imported on first access (PEP 562).
_WHERE = {
    "DataErrors": "bot4.marketdata.readers._datafile",
    "DataFile": "bot4.marketdata.readers._datafile",
    "Event": "bot4.marketdata.readers._datafile",
    "MarketData": "bot4.marketdata.readers._market_data",
    "OnError": "bot4.marketdata.readers._datafile",
    "open_data": "bot4.marketdata.readers._market_data",
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
