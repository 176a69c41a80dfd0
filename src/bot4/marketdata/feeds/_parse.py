"""Decimal strings to fixed-point ints on the feed hot path, exactly and without `Decimal`.

`parse_fixed` is the strict, exact conversion (same contract as `bot4.model.to_fixed`: extra
decimals only when they are zeros, never rounding) written for speed: one `find`, one slice join,
one `int`. `make_parser` wraps it with a per-instrument memo: in a depth stream the same price
strings (and "0.00000000") recur constantly, and a dict hit (~40 ns) is ten times cheaper than
parsing. The memo is bounded; when full it is cleared, which costs one refill, never correctness.
"""

from __future__ import annotations

from collections.abc import Callable

from bot4.model import to_fixed

__all__ = ["MEMO_SIZE", "make_parser", "parse_fixed", "parse_ms", "wire_decimals"]

_POW10: list[int] = [10**i for i in range(40)]

# Distinct strings remembered per parser before the memo is cleared.
MEMO_SIZE = 1 << 16


def parse_fixed(text: str, precision: int) -> int:
    """`text` ("0.35130000", "12", ".5") as an int scaled by 10**precision; ValueError if it is
    not a plain decimal or needs more than `precision` decimals (non-zero digits would be lost)."""
    i = text.find(".")
    if i < 0:
        if text.isascii() and text.isdigit():
            return int(text) * _POW10[precision]
        return to_fixed(text, precision)  # signs, and the precise error message
    digits = text[:i] + text[i + 1 :]
    if not (digits.isascii() and digits.isdigit()):
        return to_fixed(text, precision)
    value = int(digits)
    decimals = len(text) - i - 1
    if decimals == precision:
        return value
    if decimals < precision:
        return value * _POW10[precision - decimals]
    value, rest = divmod(value, _POW10[decimals - precision])
    if rest:
        raise ValueError(f"{text!r} has more than {precision} decimals")
    return value


def make_parser(precision: int, memo_size: int = MEMO_SIZE) -> Callable[[str], int]:
    """A `parse_fixed(text, precision)` with a bounded memo of the strings already seen."""
    memo: dict[str, int] = {}
    get = memo.get  # bound once: the memo is cleared in place, never replaced

    def parse(text: str) -> int:
        value = get(text)
        if value is None:
            value = parse_fixed(text, precision)
            if len(memo) >= memo_size:
                memo.clear()
            memo[text] = value
        return value

    return parse


def wire_decimals(text: str) -> int:
    """Decimals as written, trailing zeros included ("13.260800" -> 6): Kraken pads its numbers
    to a fixed width per pair, and its checksum is over the padded digits."""
    i = text.find(".")
    return 0 if i < 0 else len(text) - i - 1


def parse_ms(ms: int) -> int:
    """Milliseconds since the epoch (Binance `E`/`T`) as ns."""
    return ms * 1_000_000
