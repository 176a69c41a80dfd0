"""Cut PostgreSQL off (resets, a stall, refusals) in the middle of a 200,000-row write.

A loopback proxy sits between the writer and the real server. Every row must arrive exactly
once, in order per instrument, and the breaker must have opened and closed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from tests.support.pg_proxy import PgProxy
from tests.support.storage import fresh_database
from tests.support.waiting import until

from bot4.clock import LiveClock
from bot4.model import InstrumentId, Side, TradeTick
from bot4.resilience import CircuitBreaker, CircuitConfig, CircuitEvent, CircuitState
from bot4.storage import BatchWriter, PostgresBackend, StorageConfig

# A slow host (CI shares 2 cores) needs minutes here: the waits below are upper bounds only.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(900)]

ROWS = 200_000
INSTRUMENTS = [InstrumentId(f"BINANCE:SYM{i}") for i in range(4)]
WAIT_S = 120  # bound on each wait for the writer/breaker: generous, a loaded CI host is slow


def via(proxy: PgProxy, dsn: str) -> str:
    parts = urlsplit(dsn)
    netloc = f"{parts.username}@{proxy.dsn_host}" if parts.username else proxy.dsn_host
    return urlunsplit(parts._replace(netloc=netloc))


async def test_outage_every_row_exactly_once_in_order(tmp_path: Path) -> None:
    clock = LiveClock()
    async with fresh_database() as dsn:
        proxy = PgProxy(urlsplit(dsn).port or 5432)
        await proxy.start()
        cfg = StorageConfig(
            dsn=via(proxy, dsn),
            data_dir=str(tmp_path),
            # Short enough that a stall opens the breaker in seconds, long enough that a healthy
            # 5,000-row write through the proxy (which shares this loop) fits on a loaded host.
            connect_timeout_s=5.0,
            write_timeout_s=5.0,
            max_queue_rows=10_000,
            close_timeout_s=600.0,
        )
        backend = await PostgresBackend.open(cfg, clock)
        events: list[CircuitEvent] = []
        breaker = CircuitBreaker(
            "postgres",
            CircuitConfig(consecutive_failures=2, open_s=0.2, half_open_successes=1),
            clock=clock,
            on_event=events.append,
        )
        writer = BatchWriter(backend, breaker, clock, cfg)
        await writer.start()
        outages = [(40_000, proxy.reset), (80_000, proxy.stall), (120_000, proxy.refuse)]
        n = 0

        def produce(count: int) -> None:
            nonlocal n
            for _ in range(min(count, ROWS - n)):
                writer.put(
                    TradeTick(
                        instrument_id=INSTRUMENTS[n % 4],
                        price=n,
                        qty=1,
                        aggressor=Side.SELL,
                        trade_id=str(n),
                        ts_event=1_700_000_000_000_000_000 + n,
                        ts_init=n,
                    )
                )
                n += 1

        try:
            while n < ROWS:
                produce(5_000)
                await asyncio.sleep(0.01)  # a feed's pace, and the proxy shares this loop
                if not outages or n < outages[0][0]:
                    continue
                _, cut = outages.pop(0)
                # Cut while the writer is busy: keep feeding it until it has written again (a
                # writer that had caught up would otherwise never write, and this wait would hang).
                written = writer.stats.rows_written
                async with asyncio.timeout(WAIT_S):
                    while writer.stats.rows_written == written:
                        produce(1_000)
                        await asyncio.sleep(0.005)
                await cut()
                # Keep producing while the database is away: rows queue, then spill (bounded: the
                # queue holds 10,000 rows, so a spill needs at most that many more).
                for _ in range(4):
                    produce(5_000)
                    await asyncio.sleep(0.01)
                await until(
                    lambda: breaker.state is CircuitState.OPEN, "the breaker to open", WAIT_S
                )
                spilled = writer.stats.rows_spilled
                async with asyncio.timeout(WAIT_S):
                    while writer.stats.rows_spilled == spilled:
                        produce(1_000)
                        await asyncio.sleep(0.005)
                await proxy.restore()
                await until(
                    lambda: breaker.state is CircuitState.CLOSED, "the breaker to close", WAIT_S
                )
            await writer.close()
        finally:
            await proxy.close()
            await backend.close()
        check = await PostgresBackend.open(StorageConfig(dsn=dsn, data_dir=str(tmp_path)), clock)
        try:
            rows = await check.fetch_market("trades")
            conn = await asyncpg.connect(dsn)
            landed = [
                r[0]
                for r in await conn.fetch(
                    "SELECT batch_id FROM bot4_batches ORDER BY landed_at, batch_id"
                )
            ]
            await conn.close()
        finally:
            await check.close()
    assert writer.stats.write_failures > 0
    opened = [e for e in events if e.to_state is CircuitState.OPEN]
    closed = [e for e in events if e.to_state is CircuitState.CLOSED]
    assert len(opened) >= 3 and len(closed) >= 3
    assert writer.stats.rows_spilled > 0
    assert landed == sorted(landed), "batches must land in the order they were sealed"
    ids = [r[7] for r in rows]
    assert len(ids) == ROWS
    assert len(ids) == len(set(ids))
    for iid in INSTRUMENTS:
        mine = [r for r in rows if r[0] == iid]
        assert [r[1] for r in mine] == list(range(mine[0][1], mine[0][1] + len(mine)))
        assert [int(r[7]) for r in mine] == sorted(int(r[7]) for r in mine)
