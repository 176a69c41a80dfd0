"""Hot-path decimal parsing: exact, strict, equal to bot4.model.to_fixed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot4.marketdata.feeds._parse import make_parser, parse_fixed, parse_ms, wire_decimals
from bot4.model import to_fixed


@pytest.mark.parametrize(
    ("text", "precision", "value"),
    [
        ("0.35130000", 4, 3513),
        ("0.35130000", 8, 35130000),
        ("12", 3, 12000),
        ("1.5", 3, 1500),
        (".5", 1, 5),
        ("-1.25", 2, -125),
        ("7.6110", 3, 7611),
    ],
)
def test_parse_fixed_values(text: str, precision: int, value: int) -> None:
    assert parse_fixed(text, precision) == value


@pytest.mark.parametrize(
    ("text", "precision"),
    [("0.12345", 4), ("1e-5", 8), ("1_0", 0), ("x", 2), ("1.2.3", 4), ("", 2)],
)
def test_parse_fixed_refuses(text: str, precision: int) -> None:
    with pytest.raises(ValueError):
        parse_fixed(text, precision)


@given(st.decimals(min_value=0, max_value=10**9, places=8, allow_nan=False), st.integers(8, 12))
def test_parse_fixed_equals_to_fixed(value: object, precision: int) -> None:
    text = f"{value:f}"
    assert parse_fixed(text, precision) == to_fixed(text, precision)


def test_memoised_parser_is_exact_and_bounded() -> None:
    parse = make_parser(2, memo_size=2)
    assert parse("1.50") == 150
    assert parse("1.50") == 150  # from the memo
    assert parse("2") == 200
    assert parse("3.1") == 310  # memo full: cleared, still right
    with pytest.raises(ValueError):
        parse("0.001")


def test_wire_decimals_and_ms() -> None:
    assert wire_decimals("13.260800") == 6
    assert wire_decimals("13") == 0
    assert parse_ms(1633998512068) == 1633998512068000000
