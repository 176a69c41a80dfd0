"""Binance spot and USD-M frames decoded: one function per channel, bytes or text in.

A combined-stream frame starts `{"stream":"<symbol>@<channel>"`, so `stream_head` picks the
channel from its head and the frame is decoded in one pass into that channel's Struct
(decode/_binance_schema.py); `envelope` is the general route for everything else (raw streams,
the answer to SUBSCRIBE). The event builders turn a decoded frame into Bot4 events with an
instrument's number parsers; `frame_event` does the same for what `_accel.binance_frame` reads
whole (C where built, else its twin in marketdata/_twins.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from bot4.errors import UnknownMessage
from bot4.marketdata.decode._binance_schema import (
    AggTrade,
    AggTradeFrame,
    BookTicker,
    BookTickerFrame,
    DepthFrame,
    DepthSnapshot,
    DepthUpdate,
    DepthUpdateRaw,
    Envelope,
    Kline,
    KlineFrame,
    RawDepthFrame,
    Trade,
    TradeFrame,
)
from bot4.model import Candle, Instrument, InstrumentId, Side, TopOfBook, TradeTick

__all__ = [
    "DEPTH_CHANNELS",
    "KLINE_INTERVALS",
    "agg_trade",
    "book_ticker",
    "candle",
    "depth_diff",
    "depth_diff_raw",
    "envelope",
    "frame_event",
    "kline",
    "snapshot",
    "stream_head",
    "top_of_book",
    "trade",
    "trade_tick",
]

_BUY = Side.BUY
_SELL = Side.SELL

# Binance's kline intervals (stream `<symbol>@kline_<interval>`).
KLINE_INTERVALS = (
    *("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h"),
    *("4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"),
)
# Channels of a diff-depth stream, as text and as bytes (the head of a combined-stream frame).
DEPTH_CHANNELS = frozenset(
    c
    for name in ("depth", "depth@100ms", "depth@250ms", "depth@500ms")
    for c in (name, name.encode())
)
# Event type ("e") of a raw-stream frame -> the channel name of a combined-stream frame.
_RAW_CHANNELS = {"depthUpdate": "depth", "kline": "kline"}

_envelope = msgspec.json.Decoder(Envelope)
_depth_frame = msgspec.json.Decoder(DepthFrame)
_raw_depth_frame = msgspec.json.Decoder(RawDepthFrame)
_agg_trade_frame = msgspec.json.Decoder(AggTradeFrame)
_trade_frame = msgspec.json.Decoder(TradeFrame)
_book_ticker_frame = msgspec.json.Decoder(BookTickerFrame)
_kline_frame = msgspec.json.Decoder(KlineFrame)
_snapshot = msgspec.json.Decoder(DepthSnapshot)
# The same events outside a combined-stream frame (the `envelope` route).
_depth = msgspec.json.Decoder(DepthUpdate)
_agg_trade = msgspec.json.Decoder(AggTrade)
_trade = msgspec.json.Decoder(Trade)
_book_ticker = msgspec.json.Decoder(BookTicker)
_kline = msgspec.json.Decoder(Kline)


def stream_head(data: bytes | str) -> tuple[bytes | str, bytes | str] | None:
    """(lower-case symbol, channel) from the head of a combined-stream frame, in the frame's
    own type; None when the frame does not start like one."""
    if isinstance(data, bytes):
        if not data.startswith(b'{"stream":"'):
            return None
        end = data.find(b'"', 11)
        at = data.find(b"@", 11, end)
    else:
        if not data.startswith('{"stream":"'):
            return None
        end = data.find('"', 11)
        at = data.find("@", 11, end)
    return data[11:at], data[at + 1 : end]


def depth_diff(data: bytes | str) -> DepthUpdate:
    """A combined-stream diff, its levels as strings."""
    return _depth_frame.decode(data).data


def depth_diff_raw(data: bytes | str) -> DepthUpdateRaw:
    """A combined-stream diff, its levels left as JSON text (for `_accel.parse_pairs`)."""
    return _raw_depth_frame.decode(data).data


def agg_trade(data: bytes | str) -> AggTrade:
    """A combined-stream aggTrade."""
    return _agg_trade_frame.decode(data).data


def trade(data: bytes | str) -> Trade:
    """A combined-stream trade."""
    return _trade_frame.decode(data).data


def book_ticker(data: bytes | str) -> BookTicker:
    """A combined-stream bookTicker."""
    return _book_ticker_frame.decode(data).data


def kline(data: bytes | str) -> Kline:
    """A combined-stream kline."""
    return _kline_frame.decode(data).data


def snapshot(body: bytes) -> DepthSnapshot:
    """A REST depth snapshot, its levels as strings."""
    return _snapshot.decode(body)


# The decoder of each channel's event outside a combined-stream frame.
_BY_CHANNEL: dict[str, msgspec.json.Decoder[Any]] = {
    "depth": _depth,
    "aggTrade": _agg_trade,
    "trade": _trade,
    "bookTicker": _book_ticker,
    "kline": _kline,
}


def envelope(data: bytes | str) -> DepthUpdate | AggTrade | Trade | BookTicker | Kline | None:
    """Any frame the head route did not take: a combined-stream frame of any form, a
    raw-stream event, or None for the answer to SUBSCRIBE. ValueError (msgspec's) for what
    does not decode, UnknownMessage for a channel Bot4 does not handle."""
    env = _envelope.decode(data)
    stream = env.stream
    if stream:
        channel = stream[stream.find("@") + 1 :]
        raw: bytes | str = env.data
    elif env.e:
        channel = _RAW_CHANNELS.get(env.e, env.e)
        raw = data
    elif b'"result"' in (data if isinstance(data, bytes) else data.encode()):
        return None  # {"result": null, "id": 1}: the answer to SUBSCRIBE
    else:
        channel = "bookTicker"  # the one raw-stream event without "e"
        raw = data
    if channel.startswith("depth"):
        if channel != "depth" and not channel.startswith("depth@"):
            raise UnknownMessage(f"partial depth stream {stream!r} is not handled")
        channel = "depth"
    elif channel.startswith("kline"):
        channel = "kline"
    decoder = _BY_CHANNEL.get(channel)
    if decoder is None:
        raise UnknownMessage(f"channel {channel!r}")
    decoded: DepthUpdate | AggTrade | Trade | BookTicker | Kline = decoder.decode(raw)
    return decoded


# An instrument with its memoised price and qty parsers (BaseFeed.parsers).
Parsers = tuple[Instrument, Callable[[str], int], Callable[[str], int]]


def trade_tick(found: Parsers, t: AggTrade | Trade, ts_init: int) -> TradeTick:
    """The TradeTick of an aggTrade or a trade."""
    inst, price, qty = found
    return TradeTick(
        instrument_id=inst.id,
        price=price(t.p),
        qty=qty(t.q),
        aggressor=_SELL if t.m else _BUY,
        trade_id=str(t.a if isinstance(t, AggTrade) else t.t),
        ts_event=t.T * 1_000_000,
        ts_init=ts_init,
    )


def top_of_book(found: Parsers, t: BookTicker, ts_init: int) -> TopOfBook:
    """The TopOfBook of a bookTicker."""
    inst, price, qty = found
    return TopOfBook(
        instrument_id=inst.id,
        bid_price=price(t.b),
        bid_qty=qty(t.B),
        ask_price=price(t.a),
        ask_qty=qty(t.A),
        ts_event=t.E * 1_000_000,
        ts_init=ts_init,
    )


def candle(found: Parsers, kl: Kline, ts_init: int) -> Candle:
    """The Candle of a kline."""
    inst, price, qty = found
    k = kl.k
    return Candle(
        instrument_id=inst.id,
        interval=k.i,
        open=price(k.o),
        high=price(k.h),
        low=price(k.l),
        close=price(k.c),
        volume=qty(k.v),
        trades=k.n,
        closed=k.x,
        ts_open=k.t * 1_000_000,
        ts_close=k.T * 1_000_000,
        ts_event=kl.E * 1_000_000,
        ts_init=ts_init,
    )


def frame_event(
    got: tuple[Any, ...], instrument_id: InstrumentId, ts_init: int
) -> TopOfBook | TradeTick | Candle:
    """The event of a bookTicker, trade or kline frame as `_accel.binance_frame` reads it."""
    kind = got[0]
    if kind == 1:  # (1, s, E, u, bid, bid qty, ask, ask qty)
        return TopOfBook(
            instrument_id=instrument_id,
            bid_price=got[4],
            bid_qty=got[5],
            ask_price=got[6],
            ask_qty=got[7],
            ts_event=got[2] * 1_000_000,
            ts_init=ts_init,
        )
    if kind == 2:  # (2, s, T, trade id, price, qty, the buyer is the maker)
        return TradeTick(
            instrument_id=instrument_id,
            price=got[4],
            qty=got[5],
            aggressor=_SELL if got[6] else _BUY,
            trade_id=str(got[3]),
            ts_event=got[2] * 1_000_000,
            ts_init=ts_init,
        )
    # (3, s, E, interval, open time, close time, open, high, low, close, volume, trades, closed)
    return Candle(
        instrument_id=instrument_id,
        interval=got[3],
        open=got[6],
        high=got[7],
        low=got[8],
        close=got[9],
        volume=got[10],
        trades=got[11],
        closed=got[12],
        ts_open=got[4] * 1_000_000,
        ts_close=got[5] * 1_000_000,
        ts_event=got[2] * 1_000_000,
        ts_init=ts_init,
    )
