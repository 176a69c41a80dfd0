"""Exact fixed-point levels from float-decoded numbers, when the frame's text vouches for them.

Parsing a level's "0.35130000" in Python (even memoised) costs about three times what msgspec
pays to decode it to a float in C (lax mode) plus one `round(x * 1e8)`. The float route is exact
only under conditions, so it is taken only when they hold and the exact string path
(`feeds._parse`) runs otherwise:

1. Text (checked per frame by `plain_numbers`): no number has more than `WIRE_DECIMALS` digits
   after its dot, none is in exponent form and none has a minus sign. msgspec's lax
   str -> float accepts JSON-number syntax (sign, digits, dot, exponent) and inf/nan only;
   anything else (".5", "+1") fails the decode, so each number is then D+(.D{0,8})? (or
   inf/nan), its value v >= 0 and v * 10**8 integral.
2. Range (checked per number where floats are converted): x < WIRE_LIMIT = 2**49 / 10**8 for
   the float x that msgspec returns (inf and nan fail the comparison).

Claim: then `round(x * 1e8) == v * 10**8` exactly. Proof: x is v rounded to binary64; allowing
even a full ulp, |x - v| <= 2**-52 v. 1e8 is a binary64 integer, so the product's only other
error is its own rounding, 2**-53 relative. Hence |fl(x * 1e8) - v * 1e8| < 2**-51 * v * 1e8.
From x < 2**49 / 1e8 and v <= x (1 + 2**-51), v * 1e8 < 2**49 (1 + 2**-51), so the error is
below 2**-2 (1 + 2**-51) < 1/2 and rounding to the nearest integer gives v * 10**8 itself.
(test_md_parse.py checks this, property-based, against the exact string path.)

The values are "wire units" (scale 10**8): an instrument's units when its precisions are 8
(Binance spot), the only books the feeds send this way. Elsewhere the memoised strings were
as fast (USD-M, whose prices and sizes recur) and fill the memo the diffs then hit.
"""

from __future__ import annotations

import re

from bot4.model import Side

__all__ = [
    "WIRE_DECIMALS",
    "WIRE_LIMIT",
    "NotExact",
    "WireLevels",
    "plain_numbers",
    "snapshot_pairs",
]

# Digits after the dot that the float route accepts (Binance writes 8).
WIRE_DECIMALS = 8
_SCALE = float(10**WIRE_DECIMALS)
# Largest float (exclusive) the float route converts: see the proof in the module docstring.
WIRE_LIMIT = 2.0**49 / _SCALE

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


def snapshot_pairs(rows: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """A snapshot side's (price, qty) in wire units through the float route; NotExact when a
    number is outside the range (the caller checked condition 1 with `plain_numbers`)."""
    limit = WIRE_LIMIT
    scale = _SCALE
    pairs = [(round(p * scale), round(q * scale)) for p, q in rows if p < limit and q < limit]
    if len(pairs) != len(rows):
        raise NotExact("a level is outside the float route's exact range")
    return pairs
