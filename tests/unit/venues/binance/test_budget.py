"""RequestBudget: weight and order counts in Binance's fixed windows, with a margin."""

from __future__ import annotations

from bot4.venues.binance._budget import RequestBudget


def test_sends_while_under_the_cap_then_waits_for_the_next_window() -> None:
    b = RequestBudget(100, 10, 0.1)  # caps 90 weight / 9 orders
    now = 60_000 * 5 + 1_000  # one second into a minute
    assert b.wait_ms(now, 80) == 0
    b.reserve(now, 80)
    assert b.wait_ms(now, 10) == 0
    assert b.wait_ms(now, 11) == 59_000  # would pass 90: wait for the next minute
    assert b.wait_ms(now + 59_000, 11) == 0  # a new window starts empty


def test_headers_are_the_truth_but_never_lower_our_count() -> None:
    b = RequestBudget(100, 10, 0.0)
    now = 10_000
    b.reserve(now, 5)
    b.observe(now, 50, None)  # another client on the IP used weight too
    assert b.weight.used == 50
    b.observe(now, 20, None)  # an older answer arriving late
    assert b.weight.used == 50
    b.observe(now, None, 9)
    assert b.orders.used == 9
    assert b.wait_ms(now, 1, 2) == 10_000 - now % 10_000  # orders: next 10 s window


def test_429_blocks_and_418_bans() -> None:
    b = RequestBudget(100, 10, 0.1)
    b.block(5_000)
    assert b.wait_ms(1_000, 1) == 4_000
    assert not b.banned(1_000)
    b.ban(100_000)
    assert b.banned(99_999) and not b.banned(100_000)
    assert b.wait_ms(1_000, 1) == 99_000


def test_zero_cost_always_fits_and_tiny_limits_keep_a_cap_of_one() -> None:
    b = RequestBudget(1, 1, 0.5)
    assert b.weight.cap == 1 and b.orders.cap == 1
    b.reserve(0, 1, 1)
    assert b.wait_ms(0, 0, 0) == 0
