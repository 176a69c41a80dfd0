"""Coinbase Exchange frames decoded: `level2` (snapshot, l2update), `matches`, `ticker`.

Every frame carries its kind in "type", so one tagged-union Decoder reads any of them in one
pass (`message`); the Structs keep Coinbase's field names, one comment each.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from bot4.model import Side

__all__ = [
    "SIDES",
    "Control",
    "Error",
    "Heartbeat",
    "L2Update",
    "LastMatch",
    "Match",
    "Message",
    "Snapshot",
    "Ticker",
    "message",
    "parse_time",
]

_BUY = Side.BUY
_SELL = Side.SELL
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SIDES = {"buy": _BUY, "sell": _SELL}  # l2update side -> book side


class Snapshot(msgspec.Struct, tag_field="type", tag="snapshot", gc=False):
    """`level2` snapshot: the whole book of one product."""

    product_id: str  # "BTC-USD"
    bids: list[tuple[str, str]]  # [price, size], best first
    asks: list[tuple[str, str]]


class L2Update(msgspec.Struct, tag_field="type", tag="l2update", gc=False):
    """`level2` change: absolute sizes per (side, price)."""

    product_id: str
    changes: list[tuple[str, str, str]]  # [side "buy"/"sell", price, size]; size "0" deletes
    time: str = ""  # ISO 8601 UTC


class Match(msgspec.Struct, tag_field="type", tag="match", gc=False):
    """`matches`: one trade."""

    product_id: str
    trade_id: int
    side: str  # the MAKER's side: "sell" means the taker bought
    size: str
    price: str
    time: str = ""


class LastMatch(Match, tag="last_match", gc=False):
    """The last trade before subscribing, sent once per product; same fields as a match."""


class Ticker(msgspec.Struct, tag_field="type", tag="ticker", gc=False):
    """`ticker`: best bid and ask after a match."""

    product_id: str
    best_bid: str = ""
    best_ask: str = ""
    best_bid_size: str = ""  # newer feed versions only
    best_ask_size: str = ""
    time: str = ""


class Control(msgspec.Struct, tag_field="type", tag="subscriptions"):
    """Acknowledgement of a subscription (no data)."""


class Heartbeat(msgspec.Struct, tag_field="type", tag="heartbeat"):
    """Liveness message of the `heartbeat` channel (no data)."""


class Error(msgspec.Struct, tag_field="type", tag="error"):
    """An error answer (to a bad subscribe, say)."""

    message: str = ""
    reason: str = ""


Message = Snapshot | L2Update | Match | LastMatch | Ticker | Control | Heartbeat | Error
# Any Coinbase frame, by its "type" (one pass; ValueError for what does not decode). The
# Decoder's own bound method: a wrapper function would cost a call on every frame.
message = msgspec.json.Decoder(Message).decode


def parse_time(text: str) -> int:
    """Coinbase's ISO time ("2021-04-17T16:43:37.075687Z") as int ns; 0 for an empty string."""
    if not text:
        return 0
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
