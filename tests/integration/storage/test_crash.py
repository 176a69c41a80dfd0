"""A child journaling orders and fills is SIGKILLed at a random moment, 50 times per backend.

Recovery must give acknowledged ⊆ recovered ⊆ journaled: every fill whose commit returned
before the kill is there, and nothing that was never appended. The child is forked (cheap:
the modules are already imported) and reports on a pipe, unbuffered: "J n" before it appends
fill n, "A n" after the commit holding it returned.
"""

from __future__ import annotations

import asyncio
import os
import random
import select
import signal
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tests.support.storage import create_database, drop_database

from bot4.clock import LiveClock
from bot4.model import ClientOrderId, InstrumentId, OrderType, Side, TimeInForce
from bot4.oms import LiquiditySide, OrderFilled, OrderSubmitted
from bot4.storage import DurableJournal, PostgresJournal, SqliteJournal, StorageConfig, fills

REPEATS = 50
IID = InstrumentId("BINANCE:BTCUSDT")


def _child(cfg: StorageConfig, wfd: int) -> None:
    async def main() -> None:
        opener = PostgresJournal if cfg.dsn else SqliteJournal
        journal = await opener.open(cfg, LiveClock())
        os.write(wfd, b"R\n")
        n = 0
        while True:
            n += 1
            os.write(wfd, f"J {n}\n".encode())
            journal.append(
                OrderSubmitted(
                    client_order_id=ClientOrderId(f"o{n}"),
                    instrument_id=IID,
                    side=Side.BUY,
                    order_type=OrderType.LIMIT,
                    time_in_force=TimeInForce.GTC,
                    qty=1,
                    price=100,
                    ts_event=n,
                )
            )
            journal.append(
                OrderFilled(
                    client_order_id=ClientOrderId(f"o{n}"),
                    instrument_id=IID,
                    venue_order_id=f"v{n}",
                    fill_id=f"f{n}",
                    side=Side.BUY,
                    last_qty=1,
                    last_price=100,
                    fee=0,
                    liquidity=LiquiditySide.TAKER,
                    ts_event=n,
                )
            )
            await journal.commit()
            os.write(wfd, f"A {n}\n".encode())

    try:
        asyncio.run(main())
    finally:
        os._exit(1)


def _run_once(cfg: StorageConfig, rng: random.Random) -> tuple[set[int], set[int]]:
    """Fork the child, kill it at a random moment; returns (journaled, acknowledged)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(rfd)
        _child(cfg, wfd)
    os.close(wfd)
    buf = b""
    deadline = time.monotonic() + 10
    # Wait for the first acknowledgement, then kill at a random moment within the next 30 ms
    # (the child commits every ~1-3 ms here, so the kill lands anywhere in the cycle).
    while b"A 1\n" not in buf and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([rfd], [], [], left)  # bounded: a stuck child cannot hang us
        if not ready:
            break
        chunk = os.read(rfd, 65536)
        if not chunk:
            break
        buf += chunk
    time.sleep(rng.uniform(0.0, 0.03))  # the random moment: the kill is the point, not a race
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(rfd, 65536):
        buf += chunk
    os.close(rfd)
    journaled, acked = set(), set()
    for line in buf.decode().splitlines():
        tag, _, num = line.partition(" ")
        if tag == "J":
            journaled.add(int(num))
        elif tag == "A":
            acked.add(int(num))
    assert b"A 1\n" in buf, f"the child acknowledged nothing in 10 s: {buf[-200:]!r}"
    return journaled, acked


async def _recovered(cfg: StorageConfig) -> set[int]:
    opener = PostgresJournal if cfg.dsn else SqliteJournal
    journal: DurableJournal = await opener.open(cfg, LiveClock())
    try:
        return {int(f.fill_id[1:]) for f in fills(journal.records())}
    finally:
        await journal.close()


def _check(
    cfg: StorageConfig, rng: random.Random, reset: Callable[[], Coroutine[Any, Any, None]]
) -> int:
    total_acked = 0
    for _ in range(REPEATS):
        asyncio.run(reset())
        journaled, acked = _run_once(cfg, rng)
        recovered = asyncio.run(_recovered(cfg))
        assert acked <= recovered <= journaled, (sorted(acked), sorted(recovered))
        total_acked += len(acked)
    return total_acked


def test_crash_embedded(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    cfg = StorageConfig(data_dir=str(tmp_path / "data"))

    async def reset() -> None:
        for name in ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"):
            (tmp_path / "data" / name).unlink(missing_ok=True)

    assert _check(cfg, rng, reset) >= REPEATS  # every run had acknowledgements to keep


@pytest.mark.postgres
def test_crash_postgres(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    dsn = asyncio.run(create_database())
    try:
        cfg = StorageConfig(dsn=dsn, data_dir=str(tmp_path / "data"))

        async def reset() -> None:
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute(
                    "DO $$ BEGIN IF to_regclass('journal') IS NOT NULL THEN"
                    " TRUNCATE journal, orders, fills, risk_decisions, emergency_stop;"
                    " END IF; END $$"
                )
            finally:
                await conn.close()

        assert _check(cfg, rng, reset) >= REPEATS
    finally:
        asyncio.run(drop_database(dsn))
