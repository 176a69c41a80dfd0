"""The batched market-data writer: events in, COPY batches out, nothing dropped.

    put(event) ──► per-table buffer ──seal (5,000 rows or 100 ms)──► ready deque ──► backend
                                                    │ queue full / spilling          ▲
                                                    └──────────► spill file ─────────┘

- A buffer is sealed into a `Batch` with a fresh id when it reaches `batch_rows` or its oldest
  row reaches `max_age_ms` (by the injected Clock), whichever comes first.
- Back-pressure is explicit: when the in-memory queue holds `max_queue_rows`, sealed batches go
  to an append-only spill file instead (counted in `stats`, logged once per episode) and `put`
  returns False. While the spill holds anything, every new batch goes there too and the sender
  reads it back in order, so the FIFO order is never broken.
- The sender sends one batch at a time through the `CircuitBreaker`; on a failure or an open
  circuit the batch stays at the head and is retried with the same id. The backend records the
  id in the same transaction as the rows, so a retry after an unknown commit outcome is told
  "already landed": every row lands exactly once, in order.
- Per-(table, instrument) sequence numbers on every row let anyone check completeness and order.
- `close()` flushes everything; if the database does not take it within `close_timeout_s`, the
  rest is written to the spill file, which the next start sends first.
- The database's ledger of landed batch ids stays bounded: every `prune_every` batches sent,
  ids more than `ledger_keep` below the oldest unsent batch are forgotten. The writer never
  sends an id below its oldest unsent batch again (a retry is always of the head batch; the
  spill keeps order across restarts), so the ids it forgets can never be asked about.

The journal never goes through this queue: it has its own lane (see `journal.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from bot4.clock import Clock
from bot4.errors import CircuitOpenError, ConfigValueError, StorageDataError, StorageError
from bot4.resilience import CircuitBreaker
from bot4.storage._backend import Backend, Batch
from bot4.storage._rows import MARKET_TABLES, Converter, Row, Seqs, converter_for
from bot4.storage._spill import SpillFile
from bot4.storage.config import StorageConfig

__all__ = ["BatchWriter", "WriterStats"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
_RETRY_S = 0.05  # pause after a failed write; the breaker decides when to stop trying
_MAINTAIN_EVERY_NS = 3600 * _NS  # partitions ahead / retention, once an hour
# Ledger pruning: every 1,000 batches sent, keep the latest 10,000 ids below the oldest unsent
# batch (ample for an operator's look; at 5,000 rows a batch that is 50 million rows).
PRUNE_EVERY_BATCHES = 1000
LEDGER_KEEP_BATCHES = 10_000


@dataclass(slots=True)
class WriterStats:
    """Counters for metrics (all only grow, except the gauges marked so)."""

    rows_in: int = 0  # rows sealed into batches
    rows_written: int = 0  # rows that landed in the database
    batches_written: int = 0  # batches that landed
    batches_already_landed: int = 0  # retries the database answered "already there"
    write_failures: int = 0  # batch writes that failed (each retried)
    batches_rejected: int = 0  # batches refused for their content, set aside on disk
    rows_rejected: int = 0  # rows in those batches
    breaker_rejections: int = 0  # sends refused by the open circuit (each retried)
    backpressure_episodes: int = 0  # times the queue filled up and spilling began
    rows_spilled: int = 0  # rows that went through the spill file
    queued_rows: int = 0  # gauge: rows in memory (buffers + ready batches)
    buffered_rows: int = 0  # gauge: rows put but not yet sealed into a batch
    spilled_pending_rows: int = 0  # gauge: rows in the spill file not yet written
    ledger_pruned: int = 0  # landed-batch ids forgotten by the database's ledger


class BatchWriter:
    """Writes market-data events to a `Backend` in idempotent batches (see the module doc)."""

    def __init__(
        self,
        backend: Backend,
        breaker: CircuitBreaker,
        clock: Clock,
        config: StorageConfig,
        spill_path: Path | None = None,
        *,
        prune_every: int = PRUNE_EVERY_BATCHES,
        ledger_keep: int = LEDGER_KEEP_BATCHES,
    ) -> None:
        if prune_every < 1 or ledger_keep < 0:
            raise ConfigValueError(
                f"prune_every >= 1 and ledger_keep >= 0 ({prune_every}, {ledger_keep})"
            )
        self._prune_every = prune_every
        self._ledger_keep = ledger_keep
        self._sent_since_prune = 0
        self._backend = backend
        self._breaker = breaker
        self._clock = clock
        self._writer_id = config.writer_id
        self._batch_rows = config.batch_rows
        self._max_age_ns = config.max_age_ms * 1_000_000
        self._max_queue_rows = config.max_queue_rows
        self._close_timeout_s = config.close_timeout_s
        path = spill_path or Path(config.data_dir) / f"spill-{config.writer_id}.bin"
        self.stats = WriterStats()
        self._spill = SpillFile(path)  # batches waiting on disk, oldest first
        # Batches the database refused for their content, one JSON object per line for an
        # operator (JSON, not the spill's msgpack: the bad value may be an int msgpack cannot hold).
        self.rejected_path = path.with_name(f"rejected-{config.writer_id}.jsonl")
        # Rows not yet sealed, per table, and when each buffer's first row came (monotonic ns).
        self._buffers: dict[str, list[Row]] = {t: [] for t in MARKET_TABLES}
        self._first_ns: dict[str, int] = {}
        # Last seq per instrument, per table.
        self._seqs: dict[str, Seqs] = {t: {} for t in MARKET_TABLES}
        self._ready: deque[Batch] = deque()  # sealed batches in memory, oldest first
        self._ready_rows = 0  # rows in _ready
        self._spilling = self._spill.pending > 0  # True while new batches must go to the spill
        self._next_id = 0  # set by start(): after the highest id in the database and the spill
        self._seq_base = clock.time_ns()  # first seq of a new key is this + 1 (see _rows.py)
        self._routes: dict[type, tuple[str, Converter, Seqs]] = {}  # event type -> where to
        self._wake = asyncio.Event()  # set when a batch is sealed or close() begins
        self._idle = asyncio.Event()  # set when nothing is buffered, ready or spilled
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._last_maintain_ns = clock.time_ns()

    # -- producer side (the event loop's hot path; no await, no I/O unless spilling) -------

    def put(self, event: Any) -> bool:
        """Queue one market-data event; False when back-pressure is on (rows go to the spill).

        Raises KeyError for an event type that has no table, StorageError after close().
        """
        if self._closed:
            raise StorageError("BatchWriter.put() after close()")
        route = self._routes.get(type(event))
        if route is None:
            table, conv = converter_for(type(event))
            route = self._routes[type(event)] = (table, conv, self._seqs[table])
        table, conv, seqs = route
        buf = self._buffers[table]
        if not buf:
            self._first_ns[table] = self._clock.monotonic_ns()
        conv(event, seqs, self._seq_base, buf)
        if len(buf) >= self._batch_rows:
            self._seal(table)
        return not self._spilling

    def tick(self) -> None:
        """Seal buffers whose oldest row reached max_age (the sender also does this itself)."""
        now = self._clock.monotonic_ns()
        for table, first in list(self._first_ns.items()):
            if now - first >= self._max_age_ns:
                self._seal(table)

    def _seal(self, table: str) -> None:
        rows = self._buffers[table]
        if not rows:
            return
        self._buffers[table] = []
        self._first_ns.pop(table, None)
        self._next_id += 1
        batch = Batch(self._next_id, table, rows)
        n = len(rows)
        self.stats.rows_in += n
        if not self._spilling and self._ready_rows + n > self._max_queue_rows:
            self._spilling = True
            self.stats.backpressure_episodes += 1
            log.warning(
                "storage: writer queue full (%d rows); spilling to %s until the database "
                "catches up",
                self._ready_rows,
                self._spill.path,
            )
        if self._spilling:
            self._spill.append(batch)
            self.stats.rows_spilled += n
        else:
            self._ready.append(batch)
            self._ready_rows += n
        self._idle.clear()
        self._wake.set()

    # -- sender side -----------------------------------------------------------------------

    async def start(self) -> None:
        """Learn the next batch id, run maintenance, start the sender task."""
        last = await self._backend.last_batch_id(self._writer_id)
        self._next_id = max(last, self._spill.max_batch_id)
        if self._spill.pending:
            log.info(
                "storage: %d spilled batches from a previous run go first", self._spill.pending
            )
        await self._maintain()
        self._task = asyncio.create_task(self._run(), name=f"storage-writer-{self._writer_id}")

    def _head(self) -> tuple[Batch | None, bool]:
        """The next batch to send and whether it comes from memory."""
        if self._ready:
            return self._ready[0], True
        batch = self._spill.peek()
        if batch is not None:
            return batch, False
        if self._spilling:
            self._spilling = False
            log.info("storage: spill drained; back to the in-memory queue")
        return None, False

    async def _run(self) -> None:
        while True:
            batch, in_memory = self._head()
            if batch is None:
                if not any(self._buffers.values()):
                    self._idle.set()
                await self._wait_for_work()
                continue
            await self._send(batch)
            if in_memory:
                self._ready.popleft()
                self._ready_rows -= len(batch.rows)
            else:
                self._spill.pop()
            self._sent_since_prune += 1
            if self._sent_since_prune >= self._prune_every:
                await self._prune()
            if self._clock.time_ns() - self._last_maintain_ns >= _MAINTAIN_EVERY_NS:
                await self._maintain()

    async def _wait_for_work(self) -> None:
        """Sleep until a batch is sealed or the oldest buffer comes of age."""
        self._wake.clear()
        timeout = None
        if self._first_ns:
            due = min(self._first_ns.values()) + self._max_age_ns
            timeout = max(0.0, (due - self._clock.monotonic_ns()) / _NS)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        self.tick()

    async def _send(self, batch: Batch) -> None:
        """Write one batch, retrying (same id) until it has landed."""
        while True:
            try:
                async with self._breaker.acquire():
                    wrote = await self._backend.write_batch(self._writer_id, batch)
            except CircuitOpenError as exc:
                self.stats.breaker_rejections += 1
                await asyncio.sleep(max(exc.remaining_s, 0.01))
                continue
            except StorageDataError as exc:
                self._reject(batch, exc)
                return
            except StorageError as exc:
                self.stats.write_failures += 1
                log.warning("storage: batch %d not written, will retry: %s", batch.batch_id, exc)
                await asyncio.sleep(_RETRY_S)
                continue
            except Exception:
                # Not the database's answer but a bug: a dead sender would stop every write
                # silently, so keep the batch, say it loudly, and retry like a failure.
                self.stats.write_failures += 1
                log.exception("storage: batch %d hit an unexpected error", batch.batch_id)
                await asyncio.sleep(_RETRY_S)
                continue
            if wrote:
                self.stats.batches_written += 1
                self.stats.rows_written += len(batch.rows)
            else:
                self.stats.batches_already_landed += 1
            return

    def _reject(self, batch: Batch, exc: Exception) -> None:
        """Set aside a batch the database refuses for its content (kept on disk, never lost)."""
        line = msgspec.json.encode(
            {
                "batch_id": batch.batch_id,
                "table": batch.table,
                "error": str(exc),
                "rows": batch.rows,
            }
        )
        # Rare and small: appended on the loop like the spill (page cache, no fsync).
        self.rejected_path.parent.mkdir(parents=True, exist_ok=True)
        with self.rejected_path.open("ab") as f:
            f.write(line + b"\n")
        self.stats.batches_rejected += 1
        self.stats.rows_rejected += len(batch.rows)
        log.error(
            "storage: batch %d (%d rows of %s) set aside in %s: %s",
            batch.batch_id,
            len(batch.rows),
            batch.table,
            self.rejected_path,
            exc,
        )

    async def _prune(self) -> None:
        """Forget ledger ids well below the oldest batch not yet sent (see the module doc)."""
        self._sent_since_prune = 0
        heads = [b.batch_id for b in (self._ready[0] if self._ready else None, self._spill.peek())
                 if b is not None]  # fmt: skip
        oldest_unsent = min(heads, default=self._next_id + 1)
        below = oldest_unsent - self._ledger_keep
        if below <= 1:
            return
        try:
            self.stats.ledger_pruned += await self._backend.prune_batches(self._writer_id, below)
        except StorageError as exc:
            log.warning("storage: batch ledger not pruned (retried later): %s", exc)

    async def _maintain(self) -> None:
        self._last_maintain_ns = self._clock.time_ns()
        try:
            await self._backend.maintain(self._last_maintain_ns)
        except StorageError as exc:
            log.warning("storage: maintenance failed (retried in an hour): %s", exc)

    # -- flushing and shutdown -------------------------------------------------------------

    async def flush(self) -> None:
        """Seal every buffer and wait until everything queued or spilled has landed."""
        for table in MARKET_TABLES:
            self._seal(table)
        if self._ready or self._spill.pending:
            self._idle.clear()
            self._wake.set()
            await self._idle.wait()

    async def close(self) -> None:
        """Flush within close_timeout_s; what the database did not take goes to the spill file.

        Idempotent. After it, `put` raises.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if self._task is not None:
                async with asyncio.timeout(self._close_timeout_s):
                    await self.flush()
        except TimeoutError:
            log.error(
                "storage: database did not take %d queued rows in %gs; kept in %s for next start",
                self._ready_rows + self._spill.pending_rows,
                self._close_timeout_s,
                self._spill.path,
            )
        finally:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._keep_unsent()
            self._spill.close()

    def _keep_unsent(self) -> None:
        """Unsent batches to disk: in-memory (older) first, then what the spill already held."""
        for table in MARKET_TABLES:
            self._seal(table)
        if not self._ready:
            return
        batches = [*self._ready, *self._spill.drain()]
        self._spill.rewrite(batches)
        self._ready.clear()
        self._ready_rows = 0

    def snapshot_stats(self) -> WriterStats:
        """The counters, with the gauges filled in now."""
        buffered = sum(len(b) for b in self._buffers.values())
        self.stats.queued_rows = self._ready_rows + buffered
        self.stats.buffered_rows = buffered
        self.stats.spilled_pending_rows = self._spill.pending_rows
        return self.stats
