"""Binance spot and USD-M futures wire formats (only the fields Bot4 uses), as msgspec Structs.

Field names are Binance's; each is commented. Frames come through the combined-stream endpoint
(`/stream?streams=...`) as `{"stream": "<symbol>@<channel>", "data": {...}}`; the channel picks the
Struct the data is decoded into (spot `bookTicker` has no `"e"` field, so the event type cannot
serve as a tag).
"""

from __future__ import annotations

import msgspec

__all__ = [
    "AggTrade",
    "AggTradeFrame",
    "BookTicker",
    "BookTickerFrame",
    "DepthFrame",
    "DepthSnapshot",
    "DepthUpdate",
    "DepthUpdateRaw",
    "Envelope",
    "Kline",
    "KlineData",
    "KlineFrame",
    "RawDepthFrame",
    "Trade",
    "TradeFrame",
]


class Envelope(msgspec.Struct):
    """Combined-stream wrapper; a raw-stream frame has neither field."""

    stream: str = ""  # "nknusdt@depth@100ms", "nknusdt@aggTrade", ...
    data: msgspec.Raw = msgspec.Raw(b"")  # the event, decoded by channel
    e: str = ""  # event type of a raw-stream frame ("depthUpdate", ...)


class DepthUpdate(msgspec.Struct, gc=False):
    """`<symbol>@depth[@100ms]`: changed levels with absolute quantities (diff depth stream)."""

    s: str  # symbol
    U: int  # first update id in the event
    u: int  # final update id in the event
    b: list[tuple[str, str]]  # bids [price, qty]; qty "0" removes the level
    a: list[tuple[str, str]]  # asks
    E: int = 0  # event time, ms
    pu: int = -1  # futures: final update id of the previous event (-1 on spot)


class DepthUpdateRaw(msgspec.Struct, gc=False):
    """`DepthUpdate` with the levels left as JSON text, for `_accel.parse_pairs`."""

    s: str  # symbol
    U: int  # first update id in the event
    u: int  # final update id in the event
    b: msgspec.Raw  # bids [[price, qty], ...] as written
    a: msgspec.Raw  # asks
    E: int = 0  # event time, ms
    pu: int = -1  # futures: final update id of the previous event (-1 on spot)


class RawDepthFrame(msgspec.Struct, gc=False):
    """A combined-stream depth frame decoded for `_accel.parse_pairs`."""

    data: DepthUpdateRaw


class DepthFrame(msgspec.Struct, gc=False):
    """A combined-stream frame known (from its head) to carry a diff-depth event."""

    stream: str  # "<symbol>@depth@100ms"
    data: DepthUpdate


class AggTradeFrame(msgspec.Struct, gc=False):
    """A combined-stream frame known (from its stream name) to carry an aggTrade."""

    stream: str
    data: AggTrade


class TradeFrame(msgspec.Struct, gc=False):
    """A combined-stream frame known to carry a trade."""

    stream: str
    data: Trade


class BookTickerFrame(msgspec.Struct, gc=False):
    """A combined-stream frame known to carry a bookTicker."""

    stream: str
    data: BookTicker


class KlineFrame(msgspec.Struct, gc=False):
    """A combined-stream frame known to carry a kline."""

    stream: str
    data: Kline


class DepthSnapshot(msgspec.Struct, gc=False):
    """REST `GET /api/v3/depth` (spot) or `/fapi/v1/depth` (futures)."""

    lastUpdateId: int  # noqa: N815 - the book is as of this update id
    bids: list[tuple[str, str]]  # best first
    asks: list[tuple[str, str]]
    E: int = 0  # futures: message time, ms


class AggTrade(msgspec.Struct, gc=False):
    """`<symbol>@aggTrade`: trades of one taker order at one price, aggregated."""

    s: str  # symbol
    a: int  # aggregate trade id
    p: str  # price
    q: str  # quantity
    T: int  # trade time, ms
    m: bool  # the buyer is the maker (so the taker sold)


class Trade(msgspec.Struct, gc=False):
    """`<symbol>@trade`: one trade."""

    s: str  # symbol
    t: int  # trade id
    p: str  # price
    q: str  # quantity
    T: int  # trade time, ms
    m: bool  # the buyer is the maker


class BookTicker(msgspec.Struct, gc=False):
    """`<symbol>@bookTicker`: best bid/ask, pushed on every change."""

    s: str  # symbol
    b: str  # best bid price
    B: str  # best bid qty
    a: str  # best ask price
    A: str  # best ask qty
    u: int = 0  # order book update id
    E: int = 0  # futures: event time, ms (absent on spot)


class KlineData(msgspec.Struct, gc=False):
    """The `k` object of a kline event."""

    t: int  # bar open time, ms
    T: int  # bar close time, ms
    i: str  # interval, "1m"
    o: str  # open
    c: str  # close
    h: str  # high
    l: str  # low  # noqa: E741
    v: str  # base volume
    n: int  # number of trades
    x: bool  # the bar is closed


class Kline(msgspec.Struct, gc=False):
    """`<symbol>@kline_<interval>`: the current bar."""

    s: str  # symbol
    E: int  # event time, ms
    k: KlineData
