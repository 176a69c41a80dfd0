"""Types of the C extension (src/bot4/marketdata/_native.c); its docstring is the reference."""

from collections.abc import Sequence
from typing import Any, overload

from typing_extensions import Buffer

from bot4.model import Side

@overload
def parse_pairs(
    buf: Buffer, price_precision: int, qty_precision: int, /
) -> list[tuple[int, int]] | None: ...
@overload
def parse_pairs(
    buf: Buffer, price_precision: int, qty_precision: int, side: Side, /
) -> list[tuple[Side, int, int]] | None: ...
@overload
def kraken_levels(
    buf: Buffer, price_precision: int, qty_precision: int, /
) -> tuple[list[tuple[int, int]], int] | None: ...
@overload
def kraken_levels(
    buf: Buffer, price_precision: int, qty_precision: int, side: Side, /
) -> tuple[list[tuple[Side, int, int]], int] | None: ...
def binance_frame(
    buf: Buffer, precisions: dict[str, tuple[int, int]], buy: Side, sell: Side, /
) -> tuple[Any, ...] | None:
    """(0, s, E, U, u, pu, deltas), (1, s, E, u, bid, bid qty, ask, ask qty), (2, s, T, trade
    id, price, qty, buyer is maker) or (3, s, E, interval, open ms, close ms, o, h, l, c, v,
    trades, closed); None for what the msgspec path must judge."""

def binance_snapshot(
    buf: Buffer, price_precision: int, qty_precision: int, /
) -> tuple[int, int, dict[int, int], dict[int, int]] | None: ...
def kraken_update(
    buf: Buffer, precisions: dict[str, tuple[int, int]], buy: Side, sell: Side, /
) -> tuple[str, list[tuple[Side, int, int]], str | None, int] | None: ...
def apply_deltas(
    bids: dict[int, int],
    asks: dict[int, int],
    bid_keys: list[int],
    ask_keys: list[int],
    deltas: Sequence[tuple[Side, int, int]],
    buy: Side,
    /,
) -> None: ...
def book_levels(
    bids: dict[int, int],
    asks: dict[int, int],
    bid_keys: list[int],
    ask_keys: list[int],
    buy: Side,
    sell: Side,
    /,
) -> tuple[tuple[Side, int, int], ...]: ...
def kraken_crc(
    asks: dict[int, int],
    ask_keys: list[int],
    bids: dict[int, int],
    bid_keys: list[int],
    depth: int,
    price_shift: int,
    qty_shift: int,
    /,
) -> int: ...
