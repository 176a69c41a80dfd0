"""Exact fixed-point levels from float-decoded numbers, where the text vouches for them.

For the pure-Python twins (`marketdata._twins`) of Binance's diffs and snapshots at 8 decimals
("wire units", Binance spot): parsing "0.35130000" in Python, even memoised, costs several times
what msgspec pays to decode it to a float in C (lax mode) plus one `round(x * 1e8)`, and the
quantities of a stream rarely recur. The route answers exactly what the string path
(`decode._parse`) answers, or None where it cannot vouch for that (then the strings decide).

Conditions, on one JSON array of [price, qty] rows (`wire_diff` and `wire_pairs` check them all):
1. Text: no number has more than `WIRE_DECIMALS` digits after its dot; no "e"/"E" (no exponent),
   no "-" (no sign) and no backslash (no escape could spell either). msgspec's lax str -> float
   accepts JSON-number syntax and inf/nan only, so each string is D+(.D{1,8})? (or inf/nan),
   its value v >= 0 and v * 10**8 integral; it is what `parse_fixed(s, 8)` reads too.
2. Strings: every row is two strings (4 quotes a row; lax mode would also take bare numbers).
3. Range: x < WIRE_LIMIT = 2**49 / 10**8 for the float x msgspec returns (inf and nan fail).

Claim: then `round(x * 1e8) == v * 10**8` exactly. Proof: x is v rounded to binary64; allowing
even a full ulp, |x - v| <= 2**-52 v. 1e8 is a binary64 integer, so the product's only other
error is its own rounding, 2**-53 relative. Hence |fl(x * 1e8) - v * 1e8| < 2**-51 * v * 1e8.
From x < 2**49 / 1e8 and v <= x (1 + 2**-51), v * 1e8 < 2**49 (1 + 2**-51), so the error is
below 2**-2 (1 + 2**-51) < 1/2 and rounding to the nearest integer gives v * 10**8 itself.
(tests/unit/marketdata/test_md_wire.py checks this against the string path, property-based.)
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from bot4.model import Side

__all__ = ["WIRE_DECIMALS", "WIRE_LIMIT", "wire_diff", "wire_pairs"]

# Digits after the dot the route reads: the precision of the ints it answers (Binance spot).
WIRE_DECIMALS = 8
_SCALE = float(10**WIRE_DECIMALS)
# Largest float (exclusive) the route converts: see the proof in the module docstring.
WIRE_LIMIT = 2.0**49 / _SCALE

_long_fraction = re.compile(rb"\.[0-9]{9}").search  # WIRE_DECIMALS + 1 digits
_floats = msgspec.json.Decoder(list[tuple[float, float]], strict=False)


class _Levels(msgspec.Struct, gc=False):
    """A diff's levels as floats (lax mode: number strings read as numbers)."""

    b: list[tuple[float, float]]  # bids [price, qty]
    a: list[tuple[float, float]]  # asks


_diff_floats = msgspec.json.Decoder(_Levels, strict=False)


def _plain(text: bytes) -> bool:
    """Condition 1 on the levels' JSON text."""
    return (
        b"-" not in text
        and b"e" not in text
        and b"E" not in text
        and b"\\" not in text
        and _long_fraction(text) is None
    )


def _exact(rows: list[tuple[float, float]], side: Side) -> list[tuple[Side, int, int]] | None:
    """Condition 3 and the conversion."""
    limit, scale = WIRE_LIMIT, _SCALE
    levels = [(side, round(p * scale), round(q * scale)) for p, q in rows if p < limit > q]
    return levels if len(levels) == len(rows) else None


def wire_diff(
    event: Any, raw_b: Any, raw_a: Any, buy: Side, sell: Side
) -> list[tuple[Side, int, int]] | None:
    """A diff's levels (bids then asks) at 8 decimals, exactly what the string path reads from
    its [price, qty] rows `raw_b` and `raw_a` (JSON text, both in the JSON text `event`); None
    where the route does not vouch for that."""
    text = bytes(raw_b) + bytes(raw_a)
    if not _plain(text):
        return None
    try:
        levels = _diff_floats.decode(event)
    except msgspec.ValidationError:  # a row not of two numbers (or number strings)
        return None
    rows_b, rows_a = levels.b, levels.a
    if text.count(b'"') != 4 * (len(rows_b) + len(rows_a)):
        return None  # a bare number the strings would refuse (condition 2)
    bids = _exact(rows_b, buy)
    asks = _exact(rows_a, sell) if bids is not None else None
    return bids + asks if bids is not None and asks is not None else None


def wire_pairs(raw: Any) -> list[tuple[int, int]] | None:
    """[price, qty] rows of strings (JSON text) as (price, qty) at 8 decimals, exactly what
    the string path reads; None where the route does not vouch for that."""
    text = bytes(raw)
    if not _plain(text):
        return None
    try:
        rows = _floats.decode(text)
    except msgspec.ValidationError:  # a row not of two numbers (or number strings)
        return None
    if text.count(b'"') != 4 * len(rows):
        return None  # a bare number the strings would refuse (condition 2)
    limit, scale = WIRE_LIMIT, _SCALE
    pairs = [(round(p * scale), round(q * scale)) for p, q in rows if p < limit > q]
    return pairs if len(pairs) == len(rows) else None
