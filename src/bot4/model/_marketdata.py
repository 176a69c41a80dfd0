"""Normalised market-data events: what a feed hands to strategies, whatever the exchange.

Every event is a frozen msgspec Struct (hashable, safe to share on the hot path). Prices and
quantities are fixed-point ints per the instrument (`Instrument.price_precision` /
`size_precision`); `ts_event` is the exchange's time for the event and `ts_init` the local receipt
time of the frame that carried it, both int ns since the Unix epoch.
"""

from __future__ import annotations

import msgspec

from bot4.model._enums import Side
from bot4.model._instrument import InstrumentId

__all__ = ["BookDelta", "BookDeltas", "Candle", "TopOfBook", "TradeTick"]

# One level change of an L2 book: (side, price units, size units); size 0 removes the level.
# A plain tuple, not a Struct, because a depth message carries many and they are built per level.
BookDelta = tuple[Side, int, int]


class TradeTick(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One public trade (or one aggregated trade on Binance `aggTrade`)."""

    instrument_id: InstrumentId
    price: int  # price units
    qty: int  # size units
    aggressor: Side | None  # the taker's side; None when the venue does not say
    trade_id: str  # the venue's id, as text
    ts_event: int  # exchange trade time, ns
    ts_init: int  # local receipt time, ns


class BookDeltas(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Level changes applied to a synced book, in the order applied.

    `is_snapshot` marks the full book published when a book (re)gains sync: a consumer drops what
    it held and takes these levels. Only books in sync produce this event.
    """

    instrument_id: InstrumentId
    deltas: tuple[BookDelta, ...]
    is_snapshot: bool
    sequence: int  # the venue's last update id for Binance; 0 where the venue has none
    ts_event: int  # exchange time of the update, ns (0 when the venue gives none)
    ts_init: int  # local receipt time, ns


class TopOfBook(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Best bid and ask as the venue publishes them (Binance `bookTicker`, Coinbase `ticker`).

    A quantity of 0 means the venue did not publish it (Coinbase's ticker has prices only).
    """

    instrument_id: InstrumentId
    bid_price: int  # price units
    bid_qty: int  # size units
    ask_price: int  # price units
    ask_qty: int  # size units
    ts_event: int  # ns; 0 when the venue gives none (Binance spot bookTicker)
    ts_init: int  # local receipt time, ns


class Candle(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An OHLCV bar (Binance `kline`); `closed` is False while the bar is still forming."""

    instrument_id: InstrumentId
    interval: str  # the venue's interval code, e.g. "1m"
    open: int  # price units
    high: int  # price units
    low: int  # price units
    close: int  # price units
    volume: int  # base volume, size units
    trades: int  # number of trades in the bar
    closed: bool  # True once the bar is final
    ts_open: int  # bar start, ns
    ts_close: int  # bar end, ns
    ts_event: int  # exchange event time, ns
    ts_init: int  # local receipt time, ns
