"""Exact fixed-point levels from float-decoded numbers, when the frame's text vouches for them.

Parsing a level's "0.35130000" in Python (even memoised) costs about three times what msgspec
pays to decode it to a float in C (lax mode) plus one `round(x * 1e8)`. The float route is exact
only under conditions, so it is taken only when they hold and the exact string path
(`feeds._parse`) runs otherwise:

1. Text (checked per frame by `plain_numbers`): no number has more than `WIRE_DECIMALS` digits
   after its dot and none is in exponent form. msgspec's lax str -> float accepts JSON-number
   syntax (sign, digits, dot, exponent) and inf/nan only; anything else (".5", "+1") fails the
   decode, so each number is then -?D+(.D{0,8})? and its value v has v * 10**8 integral.
2. Range (checked per number where floats are converted): 0 <= x < WIRE_LIMIT = 2**49 / 10**8
   for the float x that msgspec returns (inf and nan fail the comparison).

Claim: then `round(x * 1e8) == v * 10**8` exactly. Proof: x is v rounded to binary64; allowing
even a full ulp, |x - v| <= 2**-52 v. 1e8 is a binary64 integer, so the product's only other
error is its own rounding, 2**-53 relative. Hence |fl(x * 1e8) - v * 1e8| < 2**-51 * v * 1e8.
From x < 2**49 / 1e8 and v <= x (1 + 2**-51), v * 1e8 < 2**49 (1 + 2**-51), so the error is
below 2**-2 (1 + 2**-51) < 1/2 and rounding to the nearest integer gives v * 10**8 itself.
(test_md_parse.py checks this, property-based, against the exact string path.)

The values are "wire units" (scale 10**8). `rescale` turns them into an instrument's units:
identity at precision 8 (Binance spot, the common case), a multiplication above it, and below it
a division that must leave no remainder: a remainder means a non-zero digit beyond the
precision, which the string path refuses too, so the same ValueError is raised.
"""

from __future__ import annotations

import re
from itertools import repeat
from operator import floordiv, mod, mul

from bot4.model import Side

__all__ = [
    "WIRE_DECIMALS",
    "WIRE_LIMIT",
    "NotExact",
    "WireLevels",
    "plain_numbers",
    "snapshot_pairs",
    "to_units",
    "wire_to_units",
    "wire_value",
]

# Digits after the dot that the float route accepts (Binance writes 8).
WIRE_DECIMALS = 8
_SCALE = float(10**WIRE_DECIMALS)
# Largest float (exclusive) the float route converts: see the proof in the module docstring.
WIRE_LIMIT = 2.0**49 / _SCALE

_POW10: list[int] = [10**i for i in range(40)]

# (side, price, qty) in wire units (price and qty scaled by 10**8).
WireLevels = list[tuple[Side, int, int]]

_LONG_FRACTION_B = re.compile(rb"\.[0-9]{9}").search  # WIRE_DECIMALS + 1 digits
_LONG_FRACTION_S = re.compile(r"\.[0-9]{9}").search


def plain_numbers(data: bytes | str) -> bool:
    """Condition 1 for a frame whose arrays are its levels (a Binance diff): no number has more
    than 8 decimals, and from the first array on (the levels, whose only letters are their keys)
    there is no "e"/"E", so no exponent, and no "-", so no negative number: every float from
    there is >= 0 (or nan/inf, which fail `x < WIRE_LIMIT`), half of condition 2.

    Conservative: a false alarm (say an "e" in a key after the levels) only costs the slow path.
    """
    if isinstance(data, bytes):
        if _LONG_FRACTION_B(data) is not None:
            return False
        start = max(data.find(b'":['), 0)
        return (
            data.find(b"e", start) < 0 and data.find(b"E", start) < 0 and data.find(b"-", start) < 0
        )
    if _LONG_FRACTION_S(data) is not None:
        return False
    start = max(data.find('":['), 0)
    return data.find("e", start) < 0 and data.find("E", start) < 0 and data.find("-", start) < 0


class NotExact(Exception):  # noqa: N818 - a signal: take the exact string path instead
    """A number outside the float route's range (condition 2): parse the strings instead."""


def wire_value(x: float) -> int:
    """One number in wire units (a top of book, a trade); NotExact outside the range."""
    if 0.0 <= x < WIRE_LIMIT:
        return round(x * _SCALE)
    raise NotExact(f"{x!r} is outside the float route's exact range")


def to_units(values: list[int], precision: int) -> list[int]:
    """Wire-unit values in units of `precision`; ValueError when a digit would be cut."""
    if precision == WIRE_DECIMALS:
        return values
    if precision > WIRE_DECIMALS:
        return list(map(mul, values, repeat(_POW10[precision - WIRE_DECIMALS])))
    factor = _POW10[WIRE_DECIMALS - precision]
    if any(map(mod, values, repeat(factor))):
        raise ValueError(f"a number has more than {precision} decimals")
    return list(map(floordiv, values, repeat(factor)))


def snapshot_pairs(
    rows: list[tuple[float, float]], price_precision: int, size_precision: int
) -> list[tuple[int, int]]:
    """A snapshot side's (price, qty) in the instrument's units through the float route;
    NotExact outside the range, ValueError when a digit would be cut (as the string path)."""
    limit = WIRE_LIMIT
    scale = _SCALE
    pairs = [
        (round(p * scale), round(q * scale))
        for p, q in rows
        if 0.0 <= p < limit and 0.0 <= q < limit
    ]
    if len(pairs) != len(rows):
        raise NotExact("a level is outside the float route's exact range")
    if not pairs or (price_precision == WIRE_DECIMALS and size_precision == WIRE_DECIMALS):
        return pairs
    prices, qtys = zip(*pairs, strict=True)
    return list(
        zip(
            to_units(list(prices), price_precision),
            to_units(list(qtys), size_precision),
            strict=True,
        )
    )


def wire_to_units(x: int, precision: int) -> int:
    """One wire-unit value in units of `precision` (ValueError if digits would be cut)."""
    if precision == WIRE_DECIMALS:
        return x
    if precision > WIRE_DECIMALS:
        return x * _POW10[precision - WIRE_DECIMALS]
    value, rest = divmod(x, _POW10[WIRE_DECIMALS - precision])
    if rest:
        raise ValueError("a number has more decimals than its precision allows")
    return value
