"""The batched writer over both backends: seqs, size/age sealing, back-pressure, spill, close."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.storage import BACKENDS, open_kind

from bot4.clock import TestClock
from bot4.errors import StorageError
from bot4.model import BookDeltas, Candle, InstrumentId, Side, TopOfBook, TradeTick
from bot4.resilience import CircuitBreaker, CircuitConfig
from bot4.storage import Batch, BatchWriter, SqliteBackend, StorageConfig

A = InstrumentId("BINANCE:BTCUSDT")
B = InstrumentId("KRAKEN:XBT/USD")


def trade(iid: InstrumentId, n: int) -> TradeTick:
    return TradeTick(
        instrument_id=iid,
        price=1_000 + n,
        qty=n % 7 + 1,
        aggressor=Side.BUY if n % 2 else None,
        trade_id=str(n),
        ts_event=1_700_000_000_000_000_000 + n,
        ts_init=1_700_000_000_000_000_100 + n,
    )


def breaker(clock: TestClock) -> CircuitBreaker:
    return CircuitBreaker("db", CircuitConfig(consecutive_failures=2, open_s=0.05), clock=clock)


@pytest.mark.parametrize("kind", BACKENDS)
async def test_events_in_rows_out_with_seqs(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock, batch_rows=3, max_queue_rows=100) as (be, cfg):
        w = BatchWriter(be, breaker(clock), clock, cfg)
        await w.start()
        for n in range(10):
            assert w.put(trade(A if n % 3 else B, n)) is True
        w.put(
            BookDeltas(
                instrument_id=A,
                deltas=((Side.BUY, 99, 1), (Side.SELL, 101, 0)),
                is_snapshot=True,
                sequence=1,
                ts_event=5,
                ts_init=6,
            )
        )
        w.put(
            TopOfBook(
                instrument_id=A,
                bid_price=99,
                bid_qty=1,
                ask_price=101,
                ask_qty=2,
                ts_event=7,
                ts_init=8,
            )
        )
        w.put(
            Candle(
                instrument_id=A,
                interval="1m",
                open=1,
                high=3,
                low=1,
                close=2,
                volume=9,
                trades=4,
                closed=True,
                ts_open=60,
                ts_close=119,
                ts_event=120,
                ts_init=121,
            )
        )
        with pytest.raises(KeyError, match="no storage table for str"):
            w.put("not an event")
        await w.close()
        await w.close()  # idempotent
        with pytest.raises(StorageError):
            w.put(trade(A, 99))
        trades = await be.fetch_market("trades")
        assert len(trades) == 10
        base = w._seq_base
        a_rows = [r for r in trades if r[0] == A]
        assert [r[1] for r in a_rows] == list(range(base + 1, base + 1 + len(a_rows)))
        assert [r[7] for r in a_rows] == [str(n) for n in range(10) if n % 3]
        assert a_rows[0][6] == 1 and a_rows[1][6] is None  # aggressor: BUY 1, None NULL
        deltas = await be.fetch_market("book_deltas")
        assert [(r[4], r[5], r[6], bool(r[7])) for r in deltas] == [
            (1, 99, 1, True),
            (-1, 101, 0, True),
        ]
        assert [r[1] - base for r in deltas] == [1, 2]
        assert len(await be.fetch_market("top_of_book")) == 1
        candle = (await be.fetch_market("candles"))[0]
        assert candle[2] == 60 and candle[4] == "1m" and candle[-1] == 119
        stats = w.snapshot_stats()
        assert stats.rows_written == stats.rows_in == 14
        assert stats.queued_rows == 0 and stats.spilled_pending_rows == 0


@pytest.mark.parametrize("kind", BACKENDS)
async def test_age_seals_a_partial_batch(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock, batch_rows=1000, max_age_ms=100) as (be, cfg):
        w = BatchWriter(be, breaker(clock), clock, cfg)
        w.put(trade(A, 1))
        w.tick()
        assert not w._ready  # younger than 100 ms: still buffered
        clock.advance(0.1)
        w.tick()
        assert len(w._ready) == 1
        await w.start()
        await w.flush()
        assert len(await be.fetch_market("trades")) == 1
        await w.close()


async def test_backpressure_spills_in_order_and_resends(tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind("sqlite", tmp_path, clock, batch_rows=10, max_queue_rows=30) as (be, cfg):
        w = BatchWriter(be, breaker(clock), clock, cfg)
        # Not started: nothing drains, so the queue fills and batches spill to disk.
        flags = [w.put(trade(A, n)) for n in range(100)]
        assert all(flags[:39]) and not any(flags[40:])
        st = w.snapshot_stats()
        assert st.backpressure_episodes == 1
        assert st.rows_spilled == 70 and st.spilled_pending_rows == 70
        await w.start()
        await w.flush()
        rows = await be.fetch_market("trades")
        assert [r[7] for r in rows] == [str(n) for n in range(100)]
        assert w.put(trade(A, 100)) is True  # spill drained: back to memory
        await w.close()


async def test_close_keeps_unsent_batches_for_the_next_start(tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(
        "sqlite", tmp_path, clock, batch_rows=10, max_queue_rows=20, close_timeout_s=0.05
    ) as (be, cfg):
        down = breaker(clock)
        down.force_open("database away")
        w = BatchWriter(be, down, clock, cfg)
        await w.start()
        for n in range(45):
            w.put(trade(A, n))
        await w.close()  # the open circuit refuses everything: all of it goes to the spill
        assert w.stats.breaker_rejections >= 1
        assert await be.fetch_market("trades") == []
        spill = Path(cfg.data_dir) / "spill-bot4.bin"
        with spill.open("ab") as f:
            f.write(b"\x00\x00\x01")  # a torn record, as if killed mid-write: cut on open
        w2 = BatchWriter(be, breaker(clock), clock, cfg)
        await w2.start()
        await w2.flush()
        rows = await be.fetch_market("trades")
        assert [r[7] for r in rows] == [str(n) for n in range(45)]
        assert w2._next_id >= 5
        await w2.close()
        assert spill.stat().st_size == 0


async def test_retry_of_a_landed_batch_is_counted_not_rewritten(tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind("sqlite", tmp_path, clock, batch_rows=5) as (be, cfg):
        w = BatchWriter(be, breaker(clock), clock, cfg)
        for n in range(5):
            w.put(trade(A, n))
        batch = w._ready[0]
        assert await be.write_batch(cfg.writer_id, batch) is True  # landed, outcome "lost"
        await w.start()
        await w.flush()
        assert w.stats.batches_already_landed == 1 and w.stats.rows_written == 0
        assert len(await be.fetch_market("trades")) == 5
        await w.close()


async def test_hourly_maintenance_applies_retention(tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind("sqlite", tmp_path, clock, batch_rows=1, retention_s=60) as (be, cfg):
        w = BatchWriter(be, breaker(clock), clock, cfg)
        await w.start()
        old = TradeTick(
            instrument_id=A,
            price=1,
            qty=1,
            aggressor=None,
            trade_id="old",
            ts_event=clock.time_ns(),
            ts_init=0,
        )
        w.put(old)
        await w.flush()
        assert len(await be.fetch_market("trades")) == 1
        clock.advance(3601)  # an hour later the next send runs maintenance: "old" is past 60 s
        new = TradeTick(
            instrument_id=A,
            price=2,
            qty=1,
            aggressor=None,
            trade_id="new",
            ts_event=clock.time_ns(),
            ts_init=0,
        )
        w.put(new)
        await w.flush()
        assert [r[7] for r in await be.fetch_market("trades")] == ["new"]
        await w.close()


async def test_maintenance_failure_is_logged_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = TestClock(wall_offset_ns=1_800_000_000 * 10**9)  # years after the trades
    async with open_kind("postgresql", tmp_path, clock, retention_s=60) as (be, cfg):
        w = BatchWriter(be, breaker(clock), clock, cfg)
        await w.start()
        w.put(trade(A, 1))  # 2023: a partition long past retention, to drop next maintenance
        await w.flush()
        be._jr.terminate()  # type: ignore[attr-defined]  # the lane maintenance uses is gone
        await w._maintain()
        assert "maintenance failed" in caplog.text
        w.put(trade(A, 2))
        await w.close()
        assert len(await be.fetch_market("trades")) == 2


@pytest.mark.parametrize("kind", BACKENDS)
async def test_a_batch_refused_for_its_content_is_set_aside(kind: str, tmp_path: Path) -> None:
    clock = TestClock()
    async with open_kind(kind, tmp_path, clock, batch_rows=2) as (be, cfg):
        w = BatchWriter(be, breaker(clock), clock, cfg)
        await w.start()
        w.put(trade(A, 1))
        w.put(
            TradeTick(
                instrument_id=A,
                price=2**70,
                qty=1,
                aggressor=None,
                trade_id="huge",
                ts_event=1_700_000_000_000_000_000,
                ts_init=0,
            )
        )  # a price no bigint holds: the whole batch is refused, retrying cannot help
        w.put(trade(A, 3))
        w.put(trade(A, 4))
        await w.close()
        assert [r[7] for r in await be.fetch_market("trades")] == ["3", "4"]
        assert (w.stats.batches_rejected, w.stats.rows_rejected) == (1, 2)
        (line,) = w.rejected_path.read_text().splitlines()
        kept = json.loads(line)
        assert kept["batch_id"] == 1 and kept["table"] == "trades"
        assert [r[7] for r in kept["rows"]] == ["1", "huge"] and kept["rows"][1][4] == 2**70


async def test_an_unexpected_error_is_retried_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Flaky(SqliteBackend):
        """The real embedded backend whose first write hits a bug (not a database answer)."""

        failed = False

        async def write_batch(self, writer_id: str, batch: Batch) -> bool:
            if not self.failed:
                self.failed = True
                raise RuntimeError("a bug")
            return await super().write_batch(writer_id, batch)

    clock = TestClock()
    cfg = StorageConfig(data_dir=str(tmp_path), batch_rows=1)
    be = await Flaky.open(cfg, clock)
    w = BatchWriter(be, breaker(clock), clock, cfg)
    await w.start()
    w.put(trade(A, 1))
    await w.close()
    assert w.stats.write_failures == 1 and "unexpected error" in caplog.text
    assert len(await be.fetch_market("trades")) == 1
    await be.close()
