"""RequestBudget: weight and order counts kept under their caps, whatever Binance's windows."""

from __future__ import annotations

from bot4.venues.binance._budget import RequestBudget


def test_our_sends_count_for_a_full_window() -> None:
    b = RequestBudget(100, 10, 0.1)  # caps 90 weight / 9 orders
    assert b.wait_ms(1_000, 80) == 0
    b.reserve(1_000, 80)
    assert b.wait_ms(30_000, 10) == 0
    b.reserve(30_000, 10)
    assert b.wait_ms(30_000, 1) == 31_000  # the 80 leave the window at 61_000
    assert b.wait_ms(61_000, 80) == 0  # they left; the 10 of 30_000 remain
    assert b.wait_ms(61_000, 81) == 29_000
    assert b.weight.used(90_000) == 0


def test_a_header_holds_for_a_window_plus_what_we_sent_since() -> None:
    b = RequestBudget(100, 10, 0.0)
    b.reserve(1_000, 5)
    b.observe(2_000, 50, None)  # another client on the IP used weight too
    assert b.weight.used(2_000) == 50
    b.reserve(3_000, 10)
    assert b.weight.used(3_000) == 60
    assert b.wait_ms(3_000, 41) == 58_000  # the oldest count to leave: our send of 1_000
    assert b.weight.used(61_500) == 60  # our 5 left; the header (50) and the 10 remain
    assert b.weight.used(62_000) == 10  # the header expired: only our own send is left
    b.observe(62_000, None, 9)
    assert b.orders.used(62_000) == 9
    assert b.wait_ms(62_000, 1, 2) == 10_000  # orders: until the header leaves its window


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
    assert b.wait_ms(0, 1, 0) == 60_000
    b.orders.sends.clear()
    b.orders.sent = 0
    b.orders.cap = 0  # nothing pending to expire and no header: re-check soon
    assert b.orders.wait_ms(5, 1) == 1
