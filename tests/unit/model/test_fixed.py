from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot4.errors import PrecisionError
from bot4.model import Instrument, decimals_of, from_fixed, instrument_id, to_fixed


@pytest.mark.parametrize(
    ("text", "precision", "expected"),
    [
        ("123.45", 2, 12345),
        ("123.4500", 2, 12345),
        ("0.00001", 8, 1000),
        ("5", 3, 5000),
        ("-0.5", 1, -5),
        ("+1.0", 0, 1),
        (".5", 1, 5),
        (b"1.25", 2, 125),
    ],
)
def test_to_fixed(text: str, precision: int, expected: int) -> None:
    assert to_fixed(text, precision) == expected


@pytest.mark.parametrize("text", ["1.234", "abc", "1e-5", "1.2.3", "", "."])
def test_to_fixed_refuses_what_it_cannot_represent(text: str) -> None:
    with pytest.raises(PrecisionError):
        to_fixed(text, 2)
    assert issubclass(PrecisionError, ValueError), "parsers catch it as a ValueError"


@given(st.integers(-(10**20), 10**20), st.integers(0, 18))
def test_round_trip_exact(value: int, precision: int) -> None:
    text = from_fixed(value, precision)
    assert to_fixed(text, precision) == value
    assert Decimal(text) == Decimal(value).scaleb(-precision)


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=8, allow_nan=False))
def test_parse_matches_decimal(d: Decimal) -> None:
    text = format(d, "f")
    assert to_fixed(text, 8) == int(d.scaleb(8))


def test_decimals_of_and_instrument() -> None:
    assert decimals_of("0.0100") == 2
    assert decimals_of("100") == 0
    inst = Instrument(
        id=instrument_id("binance", "BTCUSDT"),
        exchange="BINANCE",
        symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        price_precision=2,
        size_precision=6,
    )
    assert inst.id == "BINANCE:BTCUSDT"
    assert inst.price("50000.10") == 5000010
    assert inst.qty("0.001") == 1000
    assert inst.price_str(5000010) == "50000.10"
    assert inst.qty_str(1000) == "0.001000"
    assert inst.notional_scale() == 8
