from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot4.clock import Clock, LiveClock, TestClock
from bot4.errors import ClockError

SRC = Path(__file__).resolve().parents[2] / "src" / "bot4"


def test_test_clock_moves_only_when_told() -> None:
    clock = TestClock(start_ns=5)
    assert clock.monotonic_ns() == 5
    wall = clock.time_ns()
    clock.advance(1.5)
    assert clock.monotonic_ns() == 5 + 1_500_000_000
    assert clock.time_ns() - wall == 1_500_000_000
    clock.advance_ns(7)
    assert clock.monotonic_ns() == 1_500_000_012
    assert clock.perf_ns() == clock.monotonic_ns()


def test_test_clock_refuses_to_go_backwards() -> None:
    clock = TestClock()
    with pytest.raises(ClockError, match="backwards"):
        clock.advance_ns(-1)
    with pytest.raises(ClockError, match="start_ns"):
        TestClock(start_ns=-1)


def test_live_clock_is_monotonic_and_a_clock() -> None:
    clock = LiveClock()
    assert isinstance(clock, Clock)
    assert isinstance(TestClock(), Clock)
    a = clock.monotonic_ns()
    b = clock.monotonic_ns()
    assert b >= a
    assert clock.time_ns() > 1_600_000_000 * 10**9
    assert clock.perf_ns() > 0


def test_nothing_outside_clock_reads_time() -> None:
    """Every time-dependent part takes a Clock: no direct reads of the system clocks."""
    pattern = re.compile(
        r"\btime\.(time|time_ns|monotonic|monotonic_ns|perf_counter|perf_counter_ns)\b"
        r"|\bdatetime\.(now|utcnow|today)\b|\bloop\.time\(\)"
    )
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "clock.py":
            continue
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(SRC)}:{no}: {line.strip()}")
    assert offenders == []


def test_advance_to_moves_forward_only() -> None:
    clock = TestClock(start_ns=100, wall_offset_ns=0)
    clock.advance_to_ns(250)
    assert clock.monotonic_ns() == 250 and clock.time_ns() == 250
    clock.advance_to_ns(200)  # earlier: stays
    assert clock.monotonic_ns() == 250
