"""sync/binance.DiffSync alone: Binance's update-id rules, no feed, no book, no JSON."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot4.marketdata._handler import FeedStats
from bot4.marketdata.sync.binance import (
    APPLY,
    BRIDGE,
    HELD,
    MAX_STALE_RUN,
    RESYNC,
    DiffSync,
)


@dataclass(frozen=True)
class D:
    U: int
    u: int
    pu: int = -1


def machine(futures: bool = False, verify: bool = True) -> DiffSync[D]:
    return DiffSync(futures, verify, FeedStats())


def synced(futures: bool = False, verify: bool = True, last: int = 105) -> DiffSync[D]:
    """A machine whose snapshot (lastUpdateId 100) was bridged by a diff ending at `last`."""
    m = machine(futures, verify)
    assert m.step(D(95, 99, 94)) == HELD
    assert m.request() and not m.request()
    m.answered()
    assert m.loaded(100) == [D(95, 99, 94)]
    bridge = D(100, last, 99) if futures else D(101, last, 99)
    assert m.step(bridge) == BRIDGE
    m.applied(last)
    return m


def test_diffs_are_buffered_until_a_snapshot_and_one_is_asked_for() -> None:
    m = machine()
    assert m.step(D(1, 2)) == HELD and m.step(D(3, 4)) == HELD
    assert m.want and m.stats.buffered == 2
    assert m.request() is True
    assert m.step(D(5, 6)) == HELD and not m.want  # asked already: no second request
    assert [d.u for d in m.loaded(3)] == [2, 4, 6]
    assert m.stats.snapshots == 1 and not m.synced


@pytest.mark.parametrize("futures", [False, True])
def test_stale_diffs_after_a_snapshot_are_ignored_and_the_bridge_syncs(futures: bool) -> None:
    m = machine(futures)
    m.loaded(100)
    assert m.step(D(90, 99, 89)) == HELD  # u < L
    assert m.step(D(95, 100, 94)) == (BRIDGE if futures else HELD)  # u == L: futures bridge
    assert m.stats.ignored == (1 if futures else 2)
    assert m.step(D(100, 105, 100)) == BRIDGE
    m.applied(105)
    assert m.synced and m.last_u == 105


@pytest.mark.parametrize("futures", [False, True])
def test_a_snapshot_older_than_the_stream_is_refetched(futures: bool) -> None:
    m = machine(futures)
    m.loaded(100)
    assert m.step(D(102, 110, 101)) == RESYNC
    assert m.want and m.last_u == -1 and list(m.buffer) == [D(102, 110, 101)]
    assert m.stats.resyncs == 1 and m.stats.gaps == 0


def test_spot_follows_on_u_plus_one_and_allows_an_overlap() -> None:
    m = synced()
    assert m.follows(106, 110, -1) and m.step(D(106, 110)) == APPLY
    m.applied(110)
    assert m.step(D(105, 112)) == APPLY  # U <= last < u: quantities are absolute
    m.applied(112)
    assert m.step(D(114, 120)) == RESYNC  # a gap
    assert m.stats.gaps == 1 and not m.synced and m.want


def test_futures_follow_on_pu_only() -> None:
    m = synced(futures=True)
    assert m.step(D(500, 510, 105)) == APPLY  # pu == last, whatever U
    m.applied(510)
    assert m.step(D(511, 520, 509)) == RESYNC


def test_a_run_of_stale_diffs_is_a_gap() -> None:
    m = synced()
    for _ in range(MAX_STALE_RUN - 1):
        assert m.step(D(90, 100)) == HELD
    assert m.step(D(90, 100)) == RESYNC
    assert m.stats.ignored == MAX_STALE_RUN and m.stats.gaps == 1


def test_without_verify_gaps_and_stale_runs_are_let_through() -> None:
    m = synced(verify=False)
    assert m.step(D(150, 160)) == APPLY
    m.applied(160)
    for _ in range(MAX_STALE_RUN + 1):
        assert m.step(D(150, 160)) == HELD
    assert m.stats.resyncs == 0


def test_an_unusable_snapshot_is_asked_for_again() -> None:
    m = machine()
    m.step(D(1, 2))
    assert m.request()
    m.answered()
    m.retry()
    assert m.request()
