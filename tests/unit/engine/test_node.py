"""TradingNode end to end: bundled replay over loopback -> strategies -> risk -> OMS -> paper."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot4.api.config import ApiConfig
from bot4.clock import LiveClock
from bot4.engine import MarketMaker, NodeConfig, Strategy, TradingNode
from bot4.engine._report import summary
from bot4.engine.config import ReplayConfig, StrategiesConfig
from bot4.engine.strategies import MarketMakerConfig, MomentumConfig
from bot4.marketdata import OrderBook
from bot4.model import InstrumentId, Side
from bot4.storage import SqliteJournal, StorageConfig, fills

TOKEN = "engine-test-token-0123456789"
BTC = InstrumentId("BINANCE:BTCUSDT")


def _config(pace: float, api: bool = True) -> NodeConfig:
    return NodeConfig(
        replay=ReplayConfig(pace=pace),
        api=ApiConfig(enabled=api, port=0, token=TOKEN),
        strategies=StrategiesConfig(
            market_maker_config=MarketMakerConfig(half_spread_ticks=1, min_requote_interval_s=0.02),
            momentum_config=MomentumConfig(cooldown_s=0.05),
        ),
    )


async def _journal_fills(run_dir: Path) -> int:
    journal = await SqliteJournal.open(
        StorageConfig(data_dir=str(run_dir / "storage")), LiveClock()
    )
    try:
        return len(fills(journal.records()))
    finally:
        await journal.close()


async def test_node_trades_the_replay_and_kill_via_api_halts_with_no_open_orders(
    tmp_path: Path,
) -> None:
    node = TradingNode(_config(pace=15), run_dir=tmp_path / "run", announce=lambda _: None)
    task = asyncio.create_task(node.run(duration_s=20))
    for _ in range(600):  # bounded: 30 s at most
        if node.fills >= 3 and node.api is not None:
            break
        await asyncio.sleep(0.05)
    assert node.fills >= 3, "the strategies' orders were filled"
    assert node.api is not None
    base = f"http://127.0.0.1:{node.api.server.port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    working = node.open_orders()
    assert all(o["state"] in ("SUBMITTED", "ACCEPTED", "PARTIALLY_FILLED") for o in working)
    assert len(working) == node.status()["open_orders"]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/status", headers=auth) as resp:
            assert resp.status == 200
            status = await resp.json()
        assert status["trading_state"] == "ACTIVE"
        async with http.post(
            f"{base}/kill", json={"reason": "test", "who": "pytest"}, headers=auth
        ) as resp:
            assert resp.status == 200
            view = await resp.json()
        assert view["active"] is True and view["who"] == "pytest"
        async with http.get(f"{base}/orders", headers=auth) as resp:
            assert await resp.json() == []
        async with http.get(f"{base}/status", headers=auth) as resp:
            status = await resp.json()
    assert status["trading_state"] == "HALTED" and status["open_orders"] == 0
    fills_at_kill = node.fills
    report = await asyncio.wait_for(task, 30)

    assert report["orders_submitted"] > 0
    assert report["fills"] == fills_at_kill, "no fill after the kill"
    assert report["open_orders_at_stop"] == 0
    assert report["kill_switch"]["active"] is True
    assert report["frames"]["received"] == report["frames"]["total"] == 2000
    assert report["journal_records"] > report["fills"]
    # The report agrees with the durable journal read back from the run directory.
    assert await _journal_fills(tmp_path / "run") == report["fills"] == report["journal_fills"]
    assert (tmp_path / "run" / "report.json").is_file()
    assert "submit" in report["latency"] and report["latency"]["submit"]["count"] > 0
    assert "fills" in summary(report)


class _Exploding(Strategy):
    """Quotes once, then raises on the next book update."""

    def __init__(self) -> None:
        super().__init__("boom", [BTC])
        self.placed: str | None = None

    def on_book(self, book: OrderBook) -> None:
        if self.placed is None:
            best = book.best_bid()
            assert best is not None
            lot = self.lot_size(book.instrument, best[0], 20)
            self.placed = self.submit_limit(BTC, Side.BUY, lot, best[0] - 500)
            return
        raise ValueError("strategy bug")


async def test_a_raising_strategy_is_stopped_and_its_orders_cancelled(tmp_path: Path) -> None:
    boom = _Exploding()
    mm = MarketMaker("mm", [BTC], MarketMakerConfig(min_requote_interval_s=0.02))
    node = TradingNode(_config(pace=40, api=False), run_dir=tmp_path / "run", strategies=[boom, mm])
    report = await node.run(duration_s=20)
    assert boom.placed is not None
    assert report["strategies_failed"] == {"boom": "ValueError: strategy bug"}
    assert node.oms is not None
    assert node.oms.orders[boom.placed].status.name == "CANCELED"
    # The other strategy went on trading after the failure.
    mm_orders = [o for o in node.oms.orders.values() if o.strategy_id == "mm"]
    assert len(mm_orders) > 2
    assert "strategies stopped" in summary(report)


async def test_control_commands_without_api(tmp_path: Path) -> None:
    node = TradingNode(_config(pace=200, api=False), run_dir=tmp_path / "run", strategies=[])
    assert node.open_orders() == [] and node.positions() == []
    await node.run(duration_s=10)
    assert node.api is None
    assert node.registry is node.registry
    assert await node.force_open_breaker("nope") is None
    assert await node.reset_breaker("nope") is None
    assert await node.force_open_breaker("binance-ws") == {
        "name": "binance-ws",
        "state": "FORCED_OPEN",
    }
    assert (await node.reset_breaker("binance-ws"))["state"] == "CLOSED"
    assert node.breaker_events, "breaker transitions are recorded for the report"
    ok = await node.reload_risk_limits({"duplicate_window_ms": 0})
    assert ok["ok"] and ok["limits"]["duplicate_window_ms"] == 0
    assert node.config.risk.duplicate_window_ms == 0
    bad = await node.reload_risk_limits({"bogus": 1})
    assert not bad["ok"] and "bogus" in bad["errors"][0]
    assert not (await node.reload_risk_limits(None))["ok"]
    tripped = await node.kill("why", "me")
    assert tripped["active"] and tripped["reason"] == "why"
    assert (await node.reset_kill("me"))["active"] is False
    assert node.status()["kill_switch"]["active"] is False


def test_bad_construction_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown symbols"):
        TradingNode(NodeConfig(replay=ReplayConfig(symbols=["NOPEUSDT"])), run_dir=tmp_path)
    mm = MarketMaker("mm", [BTC], MarketMakerConfig())
    with pytest.raises(ValueError, match="duplicate strategy id"):
        TradingNode(NodeConfig(), run_dir=tmp_path, strategies=[mm, mm])


def test_an_unbound_strategy_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="not bound"):
        _ = Strategy("x", [BTC]).ctx


class _PlaceThenCancelAll(Strategy):
    def __init__(self) -> None:
        super().__init__("pc", [BTC])
        self.books = 0
        self.placed: list[str | None] = []

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        best = book.best_bid()
        if self.books == 1 and best is not None:
            lot = self.lot_size(book.instrument, best[0], 20)
            self.placed.append(self.submit_limit(BTC, Side.BUY, lot, best[0] - 700))
            self.placed.append(self.submit_limit(BTC, Side.BUY, lot, best[0] - 900))
        elif self.books == 2:
            self.cancel_all()


async def test_limits_and_cancel_all_in_a_short_run(tmp_path: Path) -> None:
    from bot4.engine import MomentumTaker

    pc = _PlaceThenCancelAll()
    iids = [BTC, InstrumentId("BINANCE:ETHUSDT"), InstrumentId("BINANCE:SOLUSDT")]
    mm = MarketMaker("mm", iids, MarketMakerConfig(max_inventory_lots=1, half_spread_ticks=1))
    mom = MomentumTaker(
        "mom", iids, MomentumConfig(order_lots=5, max_position_lots=5, cooldown_s=0)
    )
    node = TradingNode(
        _config(pace=40, api=False), run_dir=tmp_path / "run", strategies=[pc, mm, mom]
    )
    report = await node.run(duration_s=20)
    assert node.oms is not None
    assert len(pc.placed) == 2 and all(c is not None for c in pc.placed)
    assert all(node.oms.orders[c].status.name == "CANCELED" for c in pc.placed if c)
    assert report["fills"] > 0 and report["open_orders_at_stop"] == 0
    whys = [w["last_decision"] or "" for w in node.status()["why"]]
    assert any("position limit" in w or "inv" in w for w in whys)
    assert report["positions"] == node.positions()


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (MarketMakerConfig, {"quote_lots": 0}),
        (MarketMakerConfig, {"skew_ticks": -1}),
        (MomentumConfig, {"fast": 30, "slow": 30}),
        (MomentumConfig, {"order_lots": 0}),
        (MomentumConfig, {"cooldown_s": -1}),
    ],
)
def test_strategy_configs_validate(cls: type, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        cls(**kwargs)
