"""Kraken spot v1 frames decoded: book snapshots and updates, trades, tickers.

A channel frame is `[id, payload..., name, pair]`. `book_frame` reads a book frame with its
level arrays left raw for `_accel.parse_pairs` / `_accel.kraken_levels` (C where built);
`frame` is the general route (any JSON), and the event builders turn a channel's payload into
Bot4 events with an instrument's number parsers. A whole update may also be read in one pass
by `_accel.kraken_update`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from bot4.marketdata.decode._parse import parse_fixed
from bot4.model import Instrument, Side, TopOfBook, TradeTick

__all__ = ["BookPayload", "book_frame", "first_row", "frame", "ticker", "trades"]

_BUY = Side.BUY
_SELL = Side.SELL
_EMPTY = msgspec.Raw(b"")


class BookPayload(msgspec.Struct):
    """One payload dict of a book frame, its level arrays kept as raw JSON."""

    a: msgspec.Raw = _EMPTY  # asks changed: [[price, volume, timestamp, ("r")], ...]
    b: msgspec.Raw = _EMPTY  # bids changed
    c: str | None = None  # CRC32 of the book after the update (the frame's last payload)
    as_: msgspec.Raw = msgspec.field(name="as", default=_EMPTY)  # snapshot asks
    bs: msgspec.Raw = msgspec.field(name="bs", default=_EMPTY)  # snapshot bids


# A channel frame [id, payload..., name, pair] with each element left raw, then its parts.
_parts = msgspec.json.Decoder(list[msgspec.Raw])
_name = msgspec.json.Decoder(str)
_payload = msgspec.json.Decoder(BookPayload)
_row = msgspec.json.Decoder(list[str])
_any = msgspec.json.Decoder()


def frame(data: bytes | str) -> Any:
    """Any frame as plain JSON values (dicts for events, lists for channel frames)."""
    return _any.decode(data)


def book_frame(data: bytes | str) -> tuple[str, str, list[BookPayload]] | None:
    """(name, pair, payloads) of a `book-N` frame with its levels left raw; None for any other
    frame or what does not decode so (the general route decides)."""
    try:
        parts = _parts.decode(data)
        if len(parts) < 4:
            return None
        name = _name.decode(parts[-2])
        if not name.startswith("book-"):
            return None
        pair = _name.decode(parts[-1])
        return name, pair, [_payload.decode(raw) for raw in parts[1:-2]]
    except msgspec.DecodeError:  # ValidationError included
        return None


def first_row(raw: msgspec.Raw) -> list[str]:
    """The first row of a raw level array as strings (its text widths give the checksum's
    digits); DecodeError when it does not decode."""
    text = bytes(raw)
    start = text.find(b"[", text.find(b"[") + 1)
    row: list[str] = _row.decode(text[start : text.find(b"]", start) + 1])
    return row


Parsers = tuple[Callable[[str], int], Callable[[str], int]]


def trades(inst: Instrument, parsers: Parsers, rows: list[list[str]], ts: int) -> list[object]:
    """The TradeTicks of a `trade` payload: rows [price, volume, time, side, type, misc]."""
    price, qty = parsers
    return [
        TradeTick(
            instrument_id=inst.id,
            price=price(t[0]),
            qty=qty(t[1]),
            aggressor=_BUY if t[3] == "b" else _SELL,
            trade_id="",  # Kraken v1 trades carry no id
            ts_event=parse_fixed(t[2], 9),
            ts_init=ts,
        )
        for t in rows
    ]


def ticker(inst: Instrument, parsers: Parsers, t: dict[str, list[str]], ts: int) -> TopOfBook:
    """The TopOfBook of a `ticker` payload (`b`/`a`: [price, whole lot volume, lot volume])."""
    price, qty = parsers
    bid, ask = t["b"], t["a"]
    return TopOfBook(
        instrument_id=inst.id,
        bid_price=price(bid[0]),
        bid_qty=qty(bid[2]),
        ask_price=price(ask[0]),
        ask_qty=qty(ask[2]),
        ts_event=0,
        ts_init=ts,
    )
