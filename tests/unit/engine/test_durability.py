"""GroupCommit behind the node's "journal" breaker: failed commits open it, an open breaker
holds the records back (never drops them), a recovered database takes them on the next commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot4.clock import LiveClock, TestClock
from bot4.engine._durability import GroupCommit
from bot4.engine._node import STORAGE_BREAKER
from bot4.oms import TradingHalted
from bot4.resilience import CircuitBreaker, CircuitState
from bot4.storage import SqliteJournal, StorageConfig


def _halt(i: int) -> TradingHalted:
    return TradingHalted(source="test", reason=f"r{i}", ts_event=i)


async def test_failed_commits_open_the_journal_breaker_and_keep_the_records(
    tmp_path: Path,
) -> None:
    config = StorageConfig(data_dir=str(tmp_path))
    journal = await SqliteJournal.open(config, LiveClock())
    clock = TestClock()
    breaker = CircuitBreaker("journal", STORAGE_BREAKER, clock)
    loop = asyncio.get_running_loop()
    group = GroupCommit(journal, loop, lambda _: None, LiveClock().perf_ns, breaker=breaker)
    group.append(_halt(0))
    await group.drain()
    assert journal.committed_seq == 1 and breaker.state is CircuitState.CLOSED
    await journal.backend.close()  # the database goes away: every commit fails
    for i in range(1, 4):
        group.append(_halt(i))
        await group.drain()
    assert group.failures == 3 and breaker.state is CircuitState.OPEN
    assert breaker.metrics().failures == 3
    group.append(_halt(4))  # open: not even tried, counted as a failure of the group commit
    await group.drain()
    assert group.failures == 4 and breaker.metrics().rejections == 1
    assert journal.committed_seq == 1 and len(journal) == 5, "nothing dropped"
    # The database is back and the breaker's open time has passed: the next commit is a trial.
    journal.backend = (await SqliteJournal.open(config, LiveClock())).backend
    clock.advance(int(STORAGE_BREAKER.open_s * 1e9))
    group.append(_halt(5))
    await group.drain()
    assert journal.committed_seq == 6 and breaker.state is CircuitState.CLOSED
    assert [r.reason for r in journal.records()] == [f"r{i}" for i in range(6)]  # type: ignore[attr-defined]
    await journal.backend.close()
