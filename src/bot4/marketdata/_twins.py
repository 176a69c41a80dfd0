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
from collections.abc import Sequence
from itertools import chain, repeat
from operator import neg
from typing import Any, overload
from zlib import crc32

import msgspec

from bot4.marketdata.decode._binance_schema import (
    AggTrade,
    BookTicker,
    DepthSnapshot,
    DepthUpdateRaw,
    Kline,
    Trade,
)
from bot4.marketdata.decode._parse import MEMO_SIZE, FixedParser, parse_bulk
from bot4.marketdata.decode._wire import WIRE_DECIMALS, wire_diff, wire_pairs
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
# or error for every string, and in a stream prices and sizes recur. The loops over levels
# look the memo up inline (`get`, then `miss` only for a string not seen yet), as
# `decode._parse.make_levels_parser` does: a level seen before costs no Python call.
_fixed: dict[int, FixedParser] = {}


def _parser(precision: int) -> FixedParser:
    parser = _fixed.get(precision)
    if parser is None:
        parser = _fixed[precision] = FixedParser(precision)
    return parser


def parse_fixed(text: str, precision: int) -> int:
    """`decode._parse.parse_fixed`, memoised per precision."""
    return _parser(precision).parse(text)


_rows = msgspec.json.Decoder(list[list[str]])
_any = msgspec.json.Decoder()
# What a refused reading raises (msgspec's errors are ValueErrors; a short row an IndexError).
_REFUSED = (ValueError, IndexError, KeyError, TypeError, AttributeError)


class _Frame(msgspec.Struct, gc=False):
    """A combined-stream frame read once: the stream name, and the event left as JSON text for
    the channel's decoder (a frame without "stream" is none of ours: the name "" has no "@")."""

    stream: str = ""  # "<symbol>@<channel>"
    data: msgspec.Raw = msgspec.Raw(b"")  # the event, decoded by channel (b"" does not decode)


class _WireSnapshot(msgspec.Struct, gc=False):
    """`DepthSnapshot` with its levels left as JSON text, for the float route (`decode._wire`)."""

    lastUpdateId: int  # noqa: N815 - the book is as of this update id
    bids: msgspec.Raw  # [[price, qty], ...] best first
    asks: msgspec.Raw
    E: int = 0  # futures: message time, ms


_frame = msgspec.json.Decoder(_Frame)
_depth = msgspec.json.Decoder(DepthUpdateRaw)
_wire_snapshot = msgspec.json.Decoder(_WireSnapshot)
_book_ticker = msgspec.json.Decoder(BookTicker)
_agg_trade = msgspec.json.Decoder(AggTrade)
_trade = msgspec.json.Decoder(Trade)
_kline = msgspec.json.Decoder(Kline)
_snapshot = msgspec.json.Decoder(DepthSnapshot)


def _levels(
    rows: list[Any], price_precision: int, qty_precision: int, side: Side
) -> list[tuple[Side, int, int]]:
    """Rows [price, qty, ...] of strings as (side, price, qty) ints; raises what a refused
    reading raises (see _REFUSED)."""
    price, qty = _parser(price_precision), _parser(qty_precision)
    pget, pmiss, qget, qmiss = price.get, price.miss, qty.get, qty.miss
    return [
        (
            side,
            px if (px := pget(r[0])) is not None else pmiss(r[0]),
            qx if (qx := qget(r[1])) is not None else qmiss(r[1]),
        )
        for r in rows
    ]


def _pairs(rows: list[Any], price_precision: int, qty_precision: int) -> list[tuple[int, int]]:
    """`_levels` without the side."""
    price, qty = _parser(price_precision), _parser(qty_precision)
    pget, pmiss, qget, qmiss = price.get, price.miss, qty.get, qty.miss
    return [
        (
            px if (px := pget(r[0])) is not None else pmiss(r[0]),
            qx if (qx := qget(r[1])) is not None else qmiss(r[1]),
        )
        for r in rows
    ]


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
        if side is None:
            return _pairs(rows, price_precision, qty_precision)
        return _levels(rows, price_precision, qty_precision, side)
    except _REFUSED:
        return None


@overload
def kraken_levels(buf: Any, price_precision: int, qty_precision: int, /) -> Any: ...
@overload
def kraken_levels(buf: Any, price_precision: int, qty_precision: int, side: Side, /) -> Any: ...
def kraken_levels(
    buf: Any, price_precision: int, qty_precision: int, side: Side | None = None, /
) -> tuple[list[Any], int] | None:
    """Kraken's [price, volume, timestamp, ...] rows: `parse_pairs`, plus the last row's
    timestamp in ns (-1 for no rows); None where a row or that timestamp does not parse."""
    try:
        rows = _rows.decode(buf)
        levels = (
            _pairs(rows, price_precision, qty_precision)
            if side is None
            else _levels(rows, price_precision, qty_precision, side)
        )
        ts = parse_fixed(rows[-1][2], 9) if rows else -1
    except _REFUSED:
        return None
    return levels, ts


def binance_frame(
    buf: Any, precisions: dict[str, tuple[int, int]], buy: Side, sell: Side, /
) -> tuple[Any, ...] | None:
    """A combined-stream frame of a symbol in `precisions`, read whole: (0, s, E, U, u, pu,
    deltas) for a diff, (1, s, E, u, bid, bid qty, ask, ask qty) for a bookTicker, (2, s, T,
    trade id, price, qty, buyer is maker) for a trade or aggTrade, (3, s, E, interval, open
    ms, close ms, o, h, l, c, v, trades, closed) for a kline; None for anything else."""
    try:
        frame = _frame.decode(buf)
        channel = frame.stream.split("@", 1)[1]
        if channel in DEPTH_CHANNELS:
            ev = _depth.decode(frame.data)
            pp, qp = precisions[ev.s]
            deltas = None
            if pp == qp == WIRE_DECIMALS:  # the float route, where the text vouches for it
                deltas = wire_diff(frame.data, ev.b, ev.a, buy, sell)
            if deltas is None:
                deltas = _levels(_rows.decode(ev.b), pp, qp, buy)
                deltas += _levels(_rows.decode(ev.a), pp, qp, sell)
            return (0, ev.s, ev.E, ev.U, ev.u, ev.pu, tuple(deltas))
        if channel == "bookTicker":
            t = _book_ticker.decode(frame.data)
            pp, qp = precisions[t.s]
            bid, bid_qty = parse_fixed(t.b, pp), parse_fixed(t.B, qp)
            return (1, t.s, t.E, t.u, bid, bid_qty, parse_fixed(t.a, pp), parse_fixed(t.A, qp))
        if channel == "aggTrade":
            ag = _agg_trade.decode(frame.data)
            pp, qp = precisions[ag.s]
            return (2, ag.s, ag.T, ag.a, parse_fixed(ag.p, pp), parse_fixed(ag.q, qp), ag.m)
        if channel == "trade":
            tr = _trade.decode(frame.data)
            pp, qp = precisions[tr.s]
            return (2, tr.s, tr.T, tr.t, parse_fixed(tr.p, pp), parse_fixed(tr.q, qp), tr.m)
        if channel.startswith("kline_") and channel[6:] in KLINE_INTERVALS:
            kl = _kline.decode(frame.data)
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
    if price_precision == qty_precision == WIRE_DECIMALS:  # the float route, if it vouches
        try:
            wire = _wire_snapshot.decode(buf)
        except _REFUSED:
            return None
        wire_bids, wire_asks = wire_pairs(wire.bids), wire_pairs(wire.asks)
        if wire_bids is not None and wire_asks is not None:
            # A later row of a price wins (even a qty 0), as below.
            bids, asks = (
                {p: q for p, q in dict(side).items() if q} for side in (wire_bids, wire_asks)
            )
            return wire.lastUpdateId, wire.E, bids, asks
    try:
        snap = _snapshot.decode(buf)
        # In bulk (`parse_bulk`), the prices remembered for the diffs that follow; a later row
        # of a price wins, as in a dict display.
        price_many = _parser(price_precision).parse_many
        sides = [
            dict(
                zip(
                    price_many([p for p, _ in rows]),
                    parse_bulk([q for _, q in rows], qty_precision),
                    strict=True,
                )
            )
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
                    deltas += _levels(rows, pp, qp, side)
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
    top_asks = ask_keys[-depth:] if depth > 0 else []
    top_bids = bid_keys[-depth:] if depth > 0 else []
    digits = _crc_digits.get((price_shift, qty_shift))
    if digits is None:
        digits = _crc_digits[price_shift, qty_shift] = _LevelDigits(price_shift, qty_shift)
    memo = digits.memo
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    get, miss = memo.get, digits.miss
    levels = [(-k, asks[-k]) for k in reversed(top_asks)]
    levels += [(k, bids[k]) for k in reversed(top_bids)]
    # A level's digits are never empty, so `or` only ever means "not remembered".
    text = "".join([get(level) or miss(level) for level in levels])
    return crc32(text.encode("ascii"))


class _LevelDigits:
    """Kraken's digits of levels (the price then the volume, no dot, no leading zeros) at one
    pair of shifts, remembered: between two updates most of the top levels are unchanged, so
    their digits are looked up, not rebuilt."""

    __slots__ = ("memo", "scale")

    def __init__(self, price_shift: int, qty_shift: int) -> None:
        # Multipliers then divisors of prices and volumes, of the shifts or of their opposites.
        self.scale = (
            _POW10[max(0, price_shift)],
            _POW10[max(0, qty_shift)],
            _POW10[max(0, -price_shift)],
            _POW10[max(0, -qty_shift)],
        )
        # (price, qty) -> digits; cleared when it reaches MEMO_SIZE.
        self.memo: dict[tuple[int, int], str] = {}

    def miss(self, level: tuple[int, int]) -> str:
        """The digits of a level not remembered yet."""
        pm, qm, pd, qd = self.scale
        p, q = level
        digits = self.memo[level] = f"{p * pm // pd}{q * qm // qd}"
        return digits


# (price_shift, qty_shift) -> the digits of levels at those shifts.
_crc_digits: dict[tuple[int, int], _LevelDigits] = {}
