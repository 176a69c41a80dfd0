"""The one precision rule: precision = max(decimals of the step, the venue's wire precision)."""

from __future__ import annotations

from bot4.model import scale_of


def test_the_wire_precision_wins_when_it_is_finer_than_the_step() -> None:
    # Binance spot NKNUSDT: stepSize 1 but quantities on the wire with 8 decimals (11979.3 seen)
    assert scale_of("1.00000000", 8) == (8, 10**8)
    assert scale_of("0.01000000", 8) == (8, 10**6)


def test_the_step_wins_when_it_is_finer_than_the_wire_precision() -> None:
    assert scale_of("0.001", 2) == (3, 1)
    assert scale_of("0.0010", 4) == (4, 10)  # USD-M SUSHIUSDT: tick 0.001, pricePrecision 4


def test_no_step_is_one_unit_at_the_wire_precision() -> None:
    assert scale_of("", 8) == (8, 1)
    assert scale_of("0.00000000", 2) == (2, 1)
    assert scale_of("", -1) == (0, 1)  # "not stated" never gives a negative precision
