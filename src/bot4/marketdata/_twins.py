"""The Python twin of every function of the C extension (`_native.c`), same name, same call.

Each twin is the specification its C function is held to (tests/unit/marketdata/
test_md_native.py, property-based) and what runs where the extension is not built or
`BOT4_PURE_PYTHON=1` (the choice is made once, in `marketdata._accel`). A decoding twin
answers exactly what the feeds' msgspec path makes of the same bytes, or None where that path
refuses them (then the caller's msgspec path decides, with its errors); the C function may
decline more (None) but never answers differently.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from operator import neg
from typing import Any, overload
from zlib import crc32

import msgspec

from bot4.marketdata.decode._binance_schema import (
    AggTradeFrame,
    BookTickerFrame,
    DepthSnapshot,
    KlineFrame,
    RawDepthFrame,
    TradeFrame,
)
from bot4.marketdata.decode._parse import make_parser
from bot4.marketdata.decode.binance import DEPTH_CHANNELS, KLINE_INTERVALS
from bot4.model import Side

__all__ = [
    "apply_deltas",
    "binance_frame",
    "binance_snapshot",
    "book_levels",
    "kraken_crc",
    "kraken_levels",
    "kraken_update",
    "parse_pairs",
]

_POW10 = [10**i for i in range(40)]

# precision -> `decode._parse.parse_fixed` behind a bounded memo (FixedParser): the same value
# or error for every string, and in a stream prices and sizes recur.
_fixed: dict[int, Callable[[str], int]] = {}


def parse_fixed(text: str, precision: int) -> int:
    """`decode._parse.parse_fixed`, memoised per precision."""
    parse = _fixed.get(precision)
    if parse is None:
        parse = _fixed[precision] = make_parser(precision)
    return parse(text)


_rows = msgspec.json.Decoder(list[list[str]])
_any = msgspec.json.Decoder()
# What a refused reading raises (msgspec's errors are ValueErrors; a short row an IndexError).
_REFUSED = (ValueError, IndexError, KeyError, TypeError, AttributeError)

_stream = msgspec.json.Decoder(dict[str, msgspec.Raw])
_raw_depth = msgspec.json.Decoder(RawDepthFrame)
_book_ticker = msgspec.json.Decoder(BookTickerFrame)
_agg_trade = msgspec.json.Decoder(AggTradeFrame)
_trade = msgspec.json.Decoder(TradeFrame)
_kline = msgspec.json.Decoder(KlineFrame)
_snapshot = msgspec.json.Decoder(DepthSnapshot)


@overload
def parse_pairs(buf: Any, price_precision: int, qty_precision: int, /) -> Any: ...
@overload
def parse_pairs(buf: Any, price_precision: int, qty_precision: int, side: Side, /) -> Any: ...
def parse_pairs(
    buf: Any, price_precision: int, qty_precision: int, side: Side | None = None, /
) -> list[Any] | None:
    """A JSON array of [price, qty, ...] rows of strings as (price, qty) ints, or
    (side, price, qty) when `side` is given; None where a row does not parse exactly."""
    try:
        rows = _rows.decode(buf)
        pairs = [
            (parse_fixed(r[0], price_precision), parse_fixed(r[1], qty_precision)) for r in rows
        ]
    except _REFUSED:
        return None
    if side is None:
        return pairs
    return [(side, p, q) for p, q in pairs]


@overload
def kraken_levels(buf: Any, price_precision: int, qty_precision: int, /) -> Any: ...
@overload
def kraken_levels(buf: Any, price_precision: int, qty_precision: int, side: Side, /) -> Any: ...
def kraken_levels(
    buf: Any, price_precision: int, qty_precision: int, side: Side | None = None, /
) -> tuple[list[Any], int] | None:
    """Kraken's [price, volume, timestamp, ...] rows: `parse_pairs`, plus the last row's
    timestamp in ns (-1 for no rows); None where a row or that timestamp does not parse."""
    levels = parse_pairs(buf, price_precision, qty_precision)
    if levels is None:
        return None
    try:
        rows = _rows.decode(buf)
        ts = parse_fixed(rows[-1][2], 9) if rows else -1
    except _REFUSED:
        return None
    if side is None:
        return levels, ts
    return [(side, p, q) for p, q in levels], ts


def binance_frame(
    buf: Any, precisions: dict[str, tuple[int, int]], buy: Side, sell: Side, /
) -> tuple[Any, ...] | None:
    """A combined-stream frame of a symbol in `precisions`, read whole: (0, s, E, U, u, pu,
    deltas) for a diff, (1, s, E, u, bid, bid qty, ask, ask qty) for a bookTicker, (2, s, T,
    trade id, price, qty, buyer is maker) for a trade or aggTrade, (3, s, E, interval, open
    ms, close ms, o, h, l, c, v, trades, closed) for a kline; None for anything else."""
    try:
        stream = _any.decode(_stream.decode(buf)["stream"])
        channel = stream.split("@", 1)[1]
        if channel in DEPTH_CHANNELS:
            ev = _raw_depth.decode(buf).data
            pp, qp = precisions[ev.s]
            bids = parse_pairs(ev.b, pp, qp, buy)
            asks = parse_pairs(ev.a, pp, qp, sell)
            if bids is None or asks is None:
                return None
            return (0, ev.s, ev.E, ev.U, ev.u, ev.pu, tuple(bids + asks))
        if channel == "bookTicker":
            t = _book_ticker.decode(buf).data
            pp, qp = precisions[t.s]
            bid, bid_qty = parse_fixed(t.b, pp), parse_fixed(t.B, qp)
            return (1, t.s, t.E, t.u, bid, bid_qty, parse_fixed(t.a, pp), parse_fixed(t.A, qp))
        if channel == "aggTrade":
            ag = _agg_trade.decode(buf).data
            pp, qp = precisions[ag.s]
            return (2, ag.s, ag.T, ag.a, parse_fixed(ag.p, pp), parse_fixed(ag.q, qp), ag.m)
        if channel == "trade":
            tr = _trade.decode(buf).data
            pp, qp = precisions[tr.s]
            return (2, tr.s, tr.T, tr.t, parse_fixed(tr.p, pp), parse_fixed(tr.q, qp), tr.m)
        if channel.startswith("kline_") and channel[6:] in KLINE_INTERVALS:
            kl = _kline.decode(buf).data
            pp, qp = precisions[kl.s]
            k = kl.k
            ohlc = [parse_fixed(x, pp) for x in (k.o, k.h, k.l, k.c)]
            return (3, kl.s, kl.E, k.i, k.t, k.T, *ohlc, parse_fixed(k.v, qp), k.n, k.x)
    except _REFUSED:
        return None
    return None


def binance_snapshot(
    buf: Any, price_precision: int, qty_precision: int, /
) -> tuple[int, int, dict[int, int], dict[int, int]] | None:
    """A REST depth snapshot as (lastUpdateId, E, bids, asks), each side {price: qty} with no
    level of qty 0; None where a level does not parse exactly."""
    try:
        snap = _snapshot.decode(buf)
        sides = [
            {parse_fixed(p, price_precision): parse_fixed(q, qty_precision) for p, q in rows}
            for rows in (snap.bids, snap.asks)
        ]
    except _REFUSED:
        return None
    bids, asks = ({p: q for p, q in side.items() if q} for side in sides)
    return snap.lastUpdateId, snap.E, bids, asks


def kraken_update(
    buf: Any, precisions: dict[str, tuple[int, int]], buy: Side, sell: Side, /
) -> tuple[str, list[tuple[Side, int, int]], str | None, int] | None:
    """A Kraken book update [id, payload..., "book-N", pair] of a pair in `precisions` as (pair,
    deltas (asks then bids per payload), checksum text or None, last row's timestamp in ns or
    0); None for a snapshot, any other frame, or a level that does not parse exactly."""
    try:
        msg = _any.decode(buf)
        *payloads, name, pair = msg[1:]
        if not (isinstance(name, str) and name.startswith("book-") and len(name) > 5):
            return None
        pp, qp = precisions[pair]
        deltas: list[tuple[Side, int, int]] = []
        ts, checksum = 0, None
        for payload in payloads:
            if "as" in payload or "bs" in payload:
                return None
            for key, side in (("a", sell), ("b", buy)):
                if key in payload:
                    rows = payload[key]
                    deltas += [(side, parse_fixed(r[0], pp), parse_fixed(r[1], qp)) for r in rows]
                    if rows:
                        ts = parse_fixed(rows[-1][2], 9)
            if "c" in payload:
                checksum = payload["c"]
                if not isinstance(checksum, str):
                    return None
    except _REFUSED:
        return None
    if not payloads:
        return None
    return pair, deltas, checksum, ts


def apply_deltas(
    bids: dict[int, int],
    asks: dict[int, int],
    bid_keys: list[int],
    ask_keys: list[int],
    deltas: Sequence[tuple[Side, int, int]],
    buy: Side,
    /,
) -> None:
    """`OrderBook.apply_deltas` on the book's own containers: each (side, price, qty) in order,
    qty 0 deleting the level (an absent one is no error); ask keys are negated prices."""
    for side, price, qty in deltas:
        if side is buy:
            if qty:
                if price not in bids:
                    insort(bid_keys, price)
                bids[price] = qty
            elif price in bids:
                del bids[price]
                del bid_keys[bisect_left(bid_keys, price)]
        elif qty:
            if price not in asks:
                insort(ask_keys, -price)
            asks[price] = qty
        elif price in asks:
            del asks[price]
            del ask_keys[bisect_left(ask_keys, -price)]


def book_levels(
    bids: dict[int, int],
    asks: dict[int, int],
    bid_keys: list[int],
    ask_keys: list[int],
    buy: Side,
    sell: Side,
    /,
) -> tuple[tuple[Side, int, int], ...]:
    """Every level of a book as (side, price, qty): bids best first, then asks best first."""
    bid_prices = bid_keys[::-1]
    ask_prices = list(map(neg, reversed(ask_keys)))
    return tuple(
        chain(
            zip(repeat(buy), bid_prices, map(bids.__getitem__, bid_prices)),
            zip(repeat(sell), ask_prices, map(asks.__getitem__, ask_prices)),
        )
    )


def kraken_crc(
    asks: dict[int, int],
    ask_keys: list[int],
    bids: dict[int, int],
    bid_keys: list[int],
    depth: int,
    price_shift: int,
    qty_shift: int,
    /,
) -> int:
    """Kraken's CRC32 of a book's top `depth` asks (low to high) then bids (high to low): per
    level the price then the volume as Kraken writes them, "." and leading zeros dropped.
    `price_shift`/`qty_shift`: how many more decimals Kraken writes than the book's ints carry
    (negative: fewer)."""
    top_asks = [-k for k in reversed(ask_keys[max(0, len(ask_keys) - depth) :])]
    top_bids = bid_keys[max(0, len(bid_keys) - depth) :][::-1]
    levels = [(p, asks[p]) for p in top_asks] + [(p, bids[p]) for p in top_bids]
    if price_shift >= 0 and qty_shift >= 0:
        pm, qm = _POW10[price_shift], _POW10[qty_shift]
        text = "".join([f"{p * pm}{q * qm}" for p, q in levels])
    else:
        pd, qd = _POW10[max(0, -price_shift)], _POW10[max(0, -qty_shift)]
        pm, qm = _POW10[max(0, price_shift)], _POW10[max(0, qty_shift)]
        text = "".join([f"{p * pm // pd}{q * qm // qd}" for p, q in levels])
    return crc32(text.encode("ascii"))
