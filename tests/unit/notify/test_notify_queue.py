"""NoticeQueue overflow (oldest lowest priority first, never a kill trip) and TokenBucket."""

from __future__ import annotations

from bot4.notify import Notice, Priority
from bot4.notify._bucket import TokenBucket
from bot4.notify._queue import NoticeQueue


def _n(text: str, priority: Priority = Priority.LOW) -> Notice:
    return Notice(kind="fill", priority=priority, text=text, ts_ns=0)


def test_overflow_drops_the_oldest_of_the_lowest_priority() -> None:
    q = NoticeQueue(3)
    a, b, c = _n("a"), _n("b", Priority.NORMAL), _n("c")
    for n in (a, b, c):
        assert q.put(n) is None
    assert q.put(_n("d")) is a and q.dropped == 1  # the oldest LOW
    assert q.put(_n("e", Priority.NORMAL)) is c  # the only LOW left goes
    assert [n.text for n in q.take(10, 10_000)] == ["b", "d", "e"] and not q


def test_an_incoming_lower_one_is_dropped_and_critical_ones_never_are() -> None:
    q = NoticeQueue(2)
    q.put(_n("x", Priority.NORMAL))
    q.put(_n("y", Priority.CRITICAL))
    low = _n("low")
    assert q.put(low) is low and q.dropped == 1 and len(q) == 2
    q = NoticeQueue(1)
    q.put(_n("k1", Priority.CRITICAL))
    assert q.put(_n("k2", Priority.CRITICAL)) is None  # grows past its size
    assert q.put(_n("n", Priority.NORMAL)) is not None  # everything queued outranks it
    assert len(q) == 2 and q.dropped == 1


def test_take_respects_count_and_size_and_push_front_restores_order() -> None:
    q = NoticeQueue(10)
    for t in ("aaaa", "bbbb", "cccc", "dddd"):
        q.put(_n(t))
    assert [n.text for n in q.take(3, 14)] == ["aaaa", "bbbb"]  # 7 chars each with "- " + \n
    big = q.take(1, 1)  # at least one, however long
    assert [n.text for n in big] == ["cccc"]
    q.push_front(big)
    assert [n.text for n in q.take(5, 100)] == ["cccc", "dddd"]
    q.push_front([])
    assert q.take(5, 100) == []


def test_token_bucket_rate_and_burst() -> None:
    b = TokenBucket(rate_per_s=2.0, burst=2, now_ns=0)
    assert b.take(0) and b.take(0) and not b.take(0)
    assert b.delay_s(0) == 0.5
    assert b.delay_s(250_000_000) == 0.25
    assert b.take(500_000_000) and not b.take(500_000_000)
    assert b.delay_s(10_000_000_000) == 0.0  # refilled, capped at the burst
    assert b.take(10_000_000_000) and b.take(10_000_000_000) and not b.take(10_000_000_000)
    assert b.delay_s(9_000_000_000) == 0.5  # a clock read from the past refills nothing
