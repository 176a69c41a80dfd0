"""Benchmark family `storage`: trade rows into PostgreSQL and the embedded default; journal commits.

Cases (rows/s unless noted; all in one run, on the local PostgreSQL 15, a fresh database):
- `pg_insert_row`   one INSERT per row (asyncpg `execute`, autocommit): a small sample.
- `pg_executemany`  asyncpg `executemany` of the INSERT, one transaction.
- `pg_copy`         Bot4's own `BatchWriter` (events in, rows out): TradeTick objects -> rows ->
                    idempotent COPY batches of `batch_rows`, timed from the first put to flush.
- `pg_copy_raw`     (peer) asyncpg `copy_records_to_table` of ready-made tuples in batches of the
                    same size, one transaction each: the floor Bot4's writer is compared with.
- `embedded_market_data` the same BatchWriter into the embedded SQLite backend.
- `pg_journal_commit` / `embedded_journal_commit`: latency (ns) of one `append` + `commit` of an
  OrderFilled (fsync on: PostgreSQL's default synchronous_commit; SQLite synchronous=FULL).

Targets (issue 6): pg_copy >= 250,000 rows/s, >= 70 % of pg_copy_raw at the same batch size,
>= 50x pg_insert_row. `extra` holds the ratios. `--quick` uses 200,000 rows instead of 1,000,000.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

from bench.harness import Case, latency_case, new_histogram, no_gc, throughput_case
from bot4.clock import LiveClock
from bot4.model import ClientOrderId, InstrumentId, Side, TradeTick
from bot4.oms import LiquiditySide, OrderFilled
from bot4.resilience import CircuitBreaker
from bot4.storage import (
    BatchWriter,
    DurableJournal,
    PostgresBackend,
    SqliteBackend,
    StorageConfig,
)
from bot4.storage._rows import MARKET_TABLES

ADMIN_DSN = os.environ.get("BOT4_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
BATCH = 5_000
# Events between two yields of the producer to the event loop. A live feed yields after every
# WebSocket message (1-100 events); yielding only once per 5,000 events would make each of the
# sender's round trips wait for a whole 5,000-event chunk of producer work.
YIELD_EVERY = 200
COLS = MARKET_TABLES["trades"].columns
INSERT = f"INSERT INTO trades ({', '.join(COLS)}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
IIDS = [InstrumentId(f"BINANCE:SYM{i}") for i in range(8)]
_perf = time.perf_counter


def _events(n: int) -> list[TradeTick]:
    base = 1_764_000_000_000_000_000
    return [
        TradeTick(
            instrument_id=IIDS[i & 7],
            price=9_000_000 + (i % 1000),
            qty=1 + i % 13,
            aggressor=Side.BUY if i & 1 else Side.SELL,
            trade_id=str(i),
            ts_event=base + i * 1000,
            ts_init=base + i * 1000 + 500,
        )
        for i in range(n)
    ]


def _tuples(n: int) -> list[tuple[Any, ...]]:
    return [
        (
            e.instrument_id,
            i + 1,
            e.ts_event,
            e.ts_init,
            e.price,
            e.qty,
            e.aggressor.value,
            e.trade_id,
        )  # type: ignore[union-attr]
        for i, e in enumerate(_events(n))
    ]


async def _truncate(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    await conn.execute("TRUNCATE trades, bot4_batches")
    await conn.close()


async def _writer_rate(backend: Any, cfg: StorageConfig, events: list[TradeTick]) -> float:
    clock = LiveClock()
    # The queue holds the whole run: a pre-built list outruns any database, and this case
    # measures the batch path (rows -> COPY), not the spill file (tested in tests/unit/storage).
    cfg = msgspec.structs.replace(cfg, max_queue_rows=len(events))
    writer = BatchWriter(backend, CircuitBreaker("bench", clock=clock), clock, cfg)
    await writer.start()
    put = writer.put
    with no_gc():
        t0 = _perf()
        for i, ev in enumerate(events):
            put(ev)
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a feed yields after each message
        await writer.flush()
        elapsed = _perf() - t0
    await writer.close()
    assert writer.stats.rows_written == len(events), writer.stats
    return elapsed


async def _pg(quick: bool, tmp: Path) -> tuple[list[Case], list[Case], dict[str, Any]]:
    n = 200_000 if quick else 1_000_000
    name = f"bot4_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{name}"))
    results: list[Case] = []
    peers: list[Case] = []
    try:
        clock = LiveClock()
        cfg = StorageConfig(dsn=dsn, data_dir=str(tmp / "pg"), batch_rows=BATCH)
        backend = await PostgresBackend.open(cfg, clock)
        # Partitions for the bench's timestamps exist before any timing starts.
        await backend.maintain(1_764_000_000_000_000_000)
        rows = _tuples(n)
        conn = await asyncpg.connect(dsn)

        # Per-row INSERT: a small sample (it is ~100x slower than COPY).
        sample = 2_000 if quick else 5_000
        t0 = _perf()
        for r in rows[:sample]:
            await conn.execute(INSERT, *r)
        results.append(throughput_case("pg_insert_row", "rows/s", sample, [_perf() - t0]))
        await _truncate(dsn)

        m = min(n, 200_000)
        t0 = _perf()
        async with conn.transaction():
            await conn.executemany(INSERT, rows[:m])
        results.append(throughput_case("pg_executemany", "rows/s", m, [_perf() - t0]))
        await _truncate(dsn)

        raw_times, writer_times = [], []
        events = _events(n)
        for _ in range(2 if quick else 3):  # alternated, medians: the machine is shared
            t0 = _perf()
            for i in range(0, n, BATCH):
                async with conn.transaction():
                    await conn.copy_records_to_table(
                        "trades", records=rows[i : i + BATCH], columns=COLS
                    )
            raw_times.append(_perf() - t0)
            await _truncate(dsn)
            writer_times.append(await _writer_rate(backend, cfg, events))
            await _truncate(dsn)
        peers.append(throughput_case("pg_copy_raw", "rows/s", n, raw_times))
        results.append(throughput_case("pg_copy", "rows/s", n, writer_times))

        # Journal commit latency: one fill appended and committed, one at a time.
        journal = await DurableJournal.load(backend)
        results.append(
            await _journal_latency("pg_journal_commit", journal, 300 if quick else 2_000)
        )
        await conn.close()
        await backend.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return results, peers, {}


async def _journal_latency(case: str, journal: DurableJournal, samples: int) -> Case:
    hist = new_histogram()
    t_all = time.perf_counter_ns()
    for i in range(samples):
        rec = OrderFilled(
            client_order_id=ClientOrderId(f"o{i}"),
            instrument_id=IIDS[0],
            venue_order_id=f"v{i}",
            fill_id=f"f{i}",
            side=Side.BUY,
            last_qty=1,
            last_price=100,
            fee=0,
            liquidity=LiquiditySide.MAKER,
            ts_event=i,
        )
        t0 = time.perf_counter_ns()
        journal.append(rec)
        await journal.commit()
        hist.record_value(max(1, time.perf_counter_ns() - t0))
    return latency_case(case, hist, time.perf_counter_ns() - t_all)


async def _embedded(quick: bool, tmp: Path) -> list[Case]:
    n = 200_000 if quick else 1_000_000
    clock = LiveClock()
    cfg = StorageConfig(data_dir=str(tmp / "embedded"), batch_rows=BATCH)
    backend = await SqliteBackend.open(cfg, clock)
    try:
        elapsed = await _writer_rate(backend, cfg, _events(n))
        journal = await DurableJournal.load(backend)
        lat = await _journal_latency("embedded_journal_commit", journal, 300 if quick else 2_000)
    finally:
        await backend.close()
    return [throughput_case("embedded_market_data", "rows/s", n, [elapsed]), lat]


def run(quick: bool) -> tuple[list[Case], list[Case], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bot4-bench-storage-") as d:
        tmp = Path(d)
        results, peers, extra = asyncio.run(_pg(quick, tmp))
        results += asyncio.run(_embedded(quick, tmp))
    rate = {c["case"]: c["throughput_per_s"] for c in results + peers}
    extra.update(
        {
            "batch_rows": BATCH,
            "rows": 200_000 if quick else 1_000_000,
            "metrics": {
                "pg_copy_rows_per_s": rate["pg_copy"],
                "copy_vs_raw": rate["pg_copy"] / rate["pg_copy_raw"],
                "copy_vs_insert_row": rate["pg_copy"] / rate["pg_insert_row"],
            },
            "targets": {
                "pg_copy_rows_per_s": 250_000,
                "copy_vs_raw": 0.70,
                "copy_vs_insert_row": 50,
            },
            "note": "GC off in the timed market-data sections; journal commits fsync (SQLite "
            "synchronous=FULL, PostgreSQL synchronous_commit=on).",
        }
    )
    return results, peers, extra
