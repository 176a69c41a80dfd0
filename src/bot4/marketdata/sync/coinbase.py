"""Coinbase Exchange `level2` book sync: what can be checked without sequence numbers.

A `snapshot` message per product starts the book; `l2update` changes follow, quantities
absolute ("0" deletes). Updates before the snapshot are ignored, a disconnect drops every book
until the next snapshot (which the resubscription after reconnect brings).

Caveat, by design of the venue: the `level2` channel carries **no sequence number and no
checksum**, so a lost or reordered update cannot be detected from the stream. What can be done,
`ProductSync` does: a book found crossed (best bid >= best ask, impossible on a correct book) is
counted (`stats.crossed`) and, by default, dropped and resynced; and `resnapshot_interval_s`
bounds how long an undetectable error can live by asking for a reconnect (fresh snapshot)
periodically. A REST snapshot cannot help: its `sequence` does not appear in `level2`.
"""

from __future__ import annotations

from bot4.marketdata._handler import FeedStats
from bot4.marketdata.book import OrderBook

__all__ = ["DROP", "KEEP", "RENEW", "ProductSync"]

# What `ProductSync.updated` tells the feed to do after an update is applied.
KEEP = 0  # publish it
DROP = 1  # the book is crossed: drop it and reconnect for a fresh snapshot
RENEW = 2  # publish it, and reconnect: the snapshot is older than resnapshot_interval_s


class ProductSync:
    """The crossed-book guard and the snapshot age of every product of one connection."""

    __slots__ = ("resnapshot_interval_s", "resync_on_crossed", "snapshot_ns", "stats")

    def __init__(
        self, resnapshot_interval_s: float | None, resync_on_crossed: bool, stats: FeedStats
    ) -> None:
        # Ask for a reconnect (fresh snapshots) when a book's snapshot is older than this.
        self.resnapshot_interval_s = resnapshot_interval_s
        # Drop and resync a book found crossed (otherwise only count it).
        self.resync_on_crossed = resync_on_crossed
        # The feed's counters (crossed).
        self.stats = stats
        # Local receipt time (ns) of each product's last snapshot.
        self.snapshot_ns: dict[str, int] = {}

    def loaded(self, product: str, ts_recv_ns: int) -> None:
        """A snapshot of `product` was loaded at `ts_recv_ns`."""
        self.snapshot_ns[product] = ts_recv_ns

    def updated(self, product: str, book: OrderBook, ts_recv_ns: int) -> int:
        """After an update is applied to `book`: KEEP, DROP or RENEW (module docstring)."""
        if book.is_crossed():
            self.stats.crossed += 1
            if self.resync_on_crossed:
                return DROP
        if self.resnapshot_interval_s is not None:
            age_ns = ts_recv_ns - self.snapshot_ns.get(product, ts_recv_ns)
            if age_ns >= self.resnapshot_interval_s * 1e9:
                return RENEW
        return KEEP
