"""Binance spot and USD-M futures: a diff-depth book kept in sync exactly as Binance documents.

"How to manage a local order book correctly" (spot and USD-M futures pages), as `DiffSync`
implements it for one symbol:

1. Diffs are buffered from the first one seen; the first also asks for a REST snapshot
   (`want`, handed out by the feed's `pending_snapshots`).
2. From the snapshot (`lastUpdateId` = L), buffered diffs are dropped when stale
   (spot: `u <= L`; futures: `u < L`). The first diff applied must bridge the snapshot
   (spot: `U <= L + 1 <= u`; futures: `U <= L <= u`). If the oldest remaining diff starts after
   that, the snapshot is older than the stream: it is discarded and another one asked for.
3. Then every diff must follow the previous one (spot: `U == prev u + 1`; futures:
   `pu == prev u`). Anything else is a gap: the book is cleared and unsynced, the diff buffered,
   and a new snapshot asked for (a resync). A diff whose `u` is not past the book's (a duplicate
   or a replay) is ignored: quantities are absolute, so skipping it loses nothing. A run of
   MAX_STALE_RUN such diffs means our update id is ahead of the stream (a corrupt `u`): a gap.
4. Quantities are absolute; 0 deletes the level, and a delete of an absent level is normal.

A book publishes events only while synced; until the bridging diff applies it is not trusted, so
"updates applied before the snapshot" and "updates lost during the snapshot fetch" cannot happen,
and the snapshot replaces every level, so no level deeper than it survives a resync.

The machine is pure: it sees update ids and holds the diffs it buffers, but never the levels or
the book; the feed applies what `step` says and reports it with `applied`.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, Protocol, TypeVar

from bot4.marketdata._handler import FeedStats

__all__ = [
    "APPLY",
    "BRIDGE",
    "HELD",
    "MAX_BUFFER",
    "MAX_STALE_RUN",
    "RESYNC",
    "Diff",
    "DiffSync",
]

# Diffs in a row that may be ignored as already applied before the book is distrusted: one
# duplicate is normal, a run means our update id ran ahead of the stream (a corrupt `u`).
MAX_STALE_RUN = 5

# Diffs buffered per symbol while waiting for a snapshot; the oldest go first (if one of them was
# needed, the bridge check fails and another snapshot is fetched: safe, just slower).
MAX_BUFFER = 10_000

# What `step` tells the feed to do with a diff.
APPLY = 0  # the next diff of a synced book: apply it, then `applied`
BRIDGE = 1  # the diff that bridges a loaded snapshot: apply it, then `applied` (now synced)
HELD = 2  # nothing to apply: buffered, or ignored as stale
RESYNC = 3  # a resync began: clear the book (the diff is buffered, a snapshot wanted)


class Diff(Protocol):
    """The update ids of one diff, as decoded (strings or parsed levels alike)."""

    @property
    def U(self) -> int: ...  # noqa: N802 - first update id in the event
    @property
    def u(self) -> int: ...  # final update id in the event
    @property
    def pu(self) -> int: ...  # futures: final update id of the previous event (-1 on spot)


D = TypeVar("D", bound=Diff)


class DiffSync(Generic[D]):
    """Sync state of one symbol's diff book: the last update id applied, the buffer, and
    whether a snapshot is wanted or asked for. Counters go to the feed's `stats`."""

    __slots__ = (
        "asked",
        "buffer",
        "futures",
        "last_u",
        "stale_run",
        "stats",
        "synced",
        "verify",
        "want",
    )

    def __init__(self, futures: bool, verify: bool, stats: FeedStats) -> None:
        # USD-M futures rules (pu chaining, `U <= L <= u`) instead of spot's.
        self.futures = futures
        # Gaps resync the book; off only for an offline replay that asks for it.
        self.verify = verify
        # The feed's counters: buffered, ignored, gaps, resyncs, snapshots.
        self.stats = stats
        # Update id the book is at; -1 while no snapshot is loaded.
        self.last_u = -1
        # True from the bridging diff until the next resync: the book may be published.
        self.synced = False
        # Diffs held while no snapshot is loaded, oldest first.
        self.buffer: deque[D] = deque(maxlen=MAX_BUFFER)
        # A snapshot is needed and not yet handed out (`request`).
        self.want = False
        # A snapshot was handed out and is not answered yet.
        self.asked = False
        # Diffs ignored in a row as already applied (see MAX_STALE_RUN).
        self.stale_run = 0

    def follows(self, first: int, u: int, pu: int) -> bool:
        """Whether a diff (U = `first`, u, pu) is the next one of a synced book: the common
        case, which `step` answers APPLY too (spot allows `U <= last < u`, an overlap:
        quantities are absolute, so it is safe)."""
        last = self.last_u
        return self.synced and u > last and (pu == last if self.futures else last + 1 >= first)

    def step(self, diff: D) -> int:
        """What to do with `diff` under the rules (module docstring): APPLY, BRIDGE, HELD or
        RESYNC."""
        u = diff.u
        if self.follows(diff.U, u, diff.pu):
            return APPLY
        stats = self.stats
        last = self.last_u
        if last < 0:  # no snapshot yet: buffer, and ask for one
            self.buffer.append(diff)
            stats.buffered += 1
            if not self.asked:
                self.want = True
            return HELD
        if not self.synced:  # snapshot loaded: this diff must be stale or bridge it
            if u < last or (u == last and not self.futures):
                stats.ignored += 1
                return HELD
            if (last if self.futures else last + 1) < diff.U:
                # The snapshot is older than the stream: fetch another (Binance step 3).
                return self._resync(diff, gap=False)
            return BRIDGE
        if u <= last:  # a duplicate or an old diff: already in the book
            stats.ignored += 1
            self.stale_run += 1
            if self.stale_run >= MAX_STALE_RUN and self.verify:
                return self._resync(diff, gap=True)
            return HELD
        if self.verify:  # u > last, yet it does not follow: a gap
            return self._resync(diff, gap=True)
        return APPLY

    def applied(self, u: int) -> None:
        """The diff `step` answered APPLY or BRIDGE for is in the book: the book is at `u`."""
        self.last_u = u
        self.stale_run = 0
        self.synced = True

    def loaded(self, last_u: int) -> list[D]:
        """A snapshot as of `last_u` is loaded (unsynced until a diff bridges it); returns the
        buffered diffs, oldest first, for the feed to put through `step` again."""
        self.stats.snapshots += 1
        self.last_u = last_u
        self.synced = False
        buffered = list(self.buffer)
        self.buffer.clear()
        return buffered

    def request(self) -> bool:
        """Hand out the wanted snapshot: True once per want, while none is outstanding."""
        if self.want and not self.asked:
            self.want = False
            self.asked = True
            return True
        return False

    def answered(self) -> None:
        """The snapshot asked for came back (usable or not)."""
        self.asked = False

    def retry(self) -> None:
        """The snapshot that came back is unusable: want another."""
        self.want = True

    def _resync(self, diff: D, gap: bool) -> int:
        """Distrust the book, keep `diff` buffered, and ask for a new snapshot."""
        stats = self.stats
        if gap:
            stats.gaps += 1
        stats.resyncs += 1
        self.synced = False
        self.last_u = -1
        self.stale_run = 0
        self.buffer.clear()
        self.buffer.append(diff)
        if not self.asked:
            self.want = True
        return RESYNC
