"""Exact conversion between exchange decimal strings and the core's fixed-point integers.

A price with precision p is the integer `round(price * 10**p)`; the conversion refuses, never
rounds, a string with more decimals than the precision allows. No `Decimal` on this path: the
string is split on the dot and the digits joined, which is exact and fast.
"""

from __future__ import annotations

from bot4.errors import PrecisionError

__all__ = ["decimals_of", "from_fixed", "to_fixed"]

_POW10: list[int] = [10**i for i in range(40)]


def to_fixed(text: str | bytes, precision: int) -> int:
    """Parse a decimal string ("123.4500", "-1e-05" is refused) into an int scaled by 10**precision.

    Extra decimal digits are allowed only when they are zeros; otherwise PrecisionError (a
    ValueError), since silently rounding an exchange's number would change it.
    """
    s = text.decode("ascii") if isinstance(text, bytes) else text
    neg = s.startswith("-")
    if neg or s.startswith("+"):
        s = s[1:]
    whole, dot, frac = s.partition(".")
    if not whole and frac:
        whole = "0"
    if len(frac) > precision:
        extra = frac[precision:]
        if extra.strip("0"):
            raise PrecisionError(f"{s!r} has more than {precision} decimals")
        frac = frac[:precision]
    if not (whole.isdigit() and (not frac or frac.isdigit())) or (dot and not frac and not whole):
        raise PrecisionError(f"not a plain decimal number: {text!r}")
    value = int(whole) * _POW10[precision] + (
        int(frac) * _POW10[precision - len(frac)] if frac else 0
    )
    return -value if neg else value


def from_fixed(value: int, precision: int) -> str:
    """Format a fixed-point int as a plain decimal string with exactly `precision` decimals."""
    if precision == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    q, r = divmod(abs(value), _POW10[precision])
    return f"{sign}{q}.{r:0{precision}d}"


def decimals_of(text: str) -> int:
    """Decimal places a string needs, ignoring trailing zeros ("0.0100" -> 2, "100" -> 0)."""
    _, _, frac = text.partition(".")
    return len(frac.rstrip("0"))
