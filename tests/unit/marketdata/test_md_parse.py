"""Hot-path decimal parsing: exact, strict, equal to bot4.model.to_fixed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot4.marketdata.decode._parse import (
    FixedParser,
    make_levels_parser,
    make_parser,
    make_snapshot_parser,
    parse_bulk,
    parse_fixed,
    parse_ms,
    wire_decimals,
)
from bot4.model import Side, to_fixed


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


def test_parse_bulk_fast_and_fallback_paths() -> None:
    assert parse_bulk([], 2) == []
    assert parse_bulk(["1.50", "2.25"], 2) == [150, 225]  # uniform, same precision
    assert parse_bulk(["1.5", "2.2"], 3) == [1500, 2200]  # uniform, fewer decimals
    assert parse_bulk(["1.500", "2.200"], 1) == [15, 22]  # uniform, zeros cut
    assert parse_bulk(["1.5", "2.25"], 2) == [150, 225]  # mixed widths: one by one
    assert parse_bulk(["3", "4"], 1) == [30, 40]  # no dots: whole numbers in bulk
    assert parse_bulk(["332200000", "7"], 0) == [332200000, 7]
    assert parse_bulk(["3", "4.5"], 1) == [30, 45]  # a dot after all: one by one
    with pytest.raises(ValueError):
        parse_bulk(["3", ""], 1)  # an empty string is no number
    assert parse_bulk(["3", "-4"], 1) == [30, -40]  # a sign: one by one, as parse_fixed
    with pytest.raises(ValueError):
        parse_bulk(["3", "x"], 1)
    with pytest.raises(ValueError):
        parse_bulk(["1.55", "2.25"], 1)  # a non-zero digit would be cut
    with pytest.raises(ValueError):
        parse_bulk(["1.5_0", "2.250"], 3)


def test_fixed_parser_many_and_levels() -> None:
    price, qty = FixedParser(2), FixedParser(1, memo_size=3)
    assert price.parse_many(["1.00", "2.50"]) == [100, 250]
    assert price.get("2.50") == 250  # remembered
    assert qty.parse_many(["1.0", "2.0", "3.0", "4.0"]) == [10, 20, 30, 40]  # memo overflow
    levels = make_levels_parser(price, qty)
    assert levels([("1.00", "0.5"), ("3", "7")], Side.BUY) == [
        (Side.BUY, 100, 5),
        (Side.BUY, 300, 70),
    ]
    snapshot = make_snapshot_parser(price, qty)
    assert snapshot([["1.00", "0.5", "ts"], ["2.00", "1.5", "ts"]]) == [(100, 5), (200, 15)]
