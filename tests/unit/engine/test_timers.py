"""TimerQueue: due order, repeats, cancel and reset from inside a callback, the wake hook."""

from __future__ import annotations

import pytest

from bot4.clock import TestClock
from bot4.engine import TimerQueue
from bot4.errors import ConfigValueError


def test_timers_fire_in_due_then_insertion_order() -> None:
    q = TimerQueue()
    fired: list[str] = []
    q.schedule("b", 20, lambda: fired.append("b"))
    q.schedule("a", 10, lambda: fired.append("a"))
    q.schedule("c", 20, lambda: fired.append("c"))  # same due as b, scheduled after it
    assert q.next_due_ns() == 10 and len(q) == 3 and "a" in q
    assert q.fire_due(9) == 0 and fired == []
    assert q.fire_due(20) == 3
    assert fired == ["a", "b", "c"]
    assert q.next_due_ns() is None and len(q) == 0


def test_a_repeating_timer_reschedules_at_due_plus_interval_and_catches_up() -> None:
    q = TimerQueue()
    clock = TestClock()
    seen: list[int] = []
    q.schedule("tick", 100, lambda: seen.append(clock.monotonic_ns()), interval_ns=100, repeat=True)
    # The backtest's way: step the clock to each due time, then fire.
    while (due := q.next_due_ns()) is not None and due <= 350:
        clock.advance_to_ns(due)
        q.fire_due(clock.monotonic_ns())
    assert seen == [100, 200, 300]
    assert q.next_due_ns() == 400
    # Far behind: one firing per missed period, in order.
    assert q.fire_due(700) == 4
    assert q.next_due_ns() == 800


def test_cancel_and_reset_leave_stale_entries_that_never_fire() -> None:
    q = TimerQueue()
    fired: list[str] = []
    q.schedule("x", 10, lambda: fired.append("x1"))
    q.schedule("x", 30, lambda: fired.append("x2"))  # replaces the first
    q.schedule("y", 5, lambda: fired.append("y"))
    assert q.cancel("y") is True and q.cancel("y") is False
    assert q.next_due_ns() == 30
    q.fire_due(100)
    assert fired == ["x2"]


def test_a_callback_may_cancel_or_reset_its_own_repeating_timer() -> None:
    q = TimerQueue()
    count = {"n": 0}

    def once_more() -> None:
        count["n"] += 1
        if count["n"] == 2:
            q.cancel("r")

    q.schedule("r", 10, once_more, interval_ns=10, repeat=True)
    q.fire_due(100)
    assert count["n"] == 2 and "r" not in q

    def reset() -> None:
        q.schedule("s", 1000, lambda: None)  # a one-shot far later replaces the repeat

    q.schedule("s", 10, reset, interval_ns=10, repeat=True)
    assert q.fire_due(100) == 1
    assert q.next_due_ns() == 1000


def test_cancel_where_drops_matching_timers() -> None:
    q = TimerQueue()
    for key in (("timer", "a", "x"), ("timer", "a", "y"), ("timer", "b", "x")):
        q.schedule(key, 10, lambda: None)
    assert q.cancel_where(lambda k: isinstance(k, tuple) and k[1] == "a") == 2
    assert len(q) == 1 and ("timer", "b", "x") in q


def test_on_earlier_is_called_only_when_the_head_moves_earlier() -> None:
    q = TimerQueue()
    woken: list[int] = []
    q.on_earlier = lambda: woken.append(q.next_due_ns() or -1)
    q.schedule("a", 50, lambda: None)
    q.schedule("b", 70, lambda: None)
    q.schedule("c", 20, lambda: None)
    assert woken == [50, 20]


def test_a_repeating_timer_needs_a_positive_interval() -> None:
    with pytest.raises(ConfigValueError, match="interval > 0"):
        TimerQueue().schedule("r", 0, lambda: None, interval_ns=0, repeat=True)
