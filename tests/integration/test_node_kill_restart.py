"""Issue 7: the node trades a replayed recording, an operator kill via the API halts it within
one event-loop turn, all orders end cancelled, and the state survives a restart until reset.

Real node, real loopback WebSocket replay, real uvicorn API on 127.0.0.1, real SQLite storage
shared by three runs of the node (as a restarted process would find it). Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from tests.support.waiting import until

from bot4.api.config import ApiConfig
from bot4.clock import LiveClock
from bot4.engine import NodeConfig, TradingNode, build_node
from bot4.engine.config import ReplayConfig, StrategyEntry
from bot4.oms import (
    OPEN_STATUSES,
    OrderCanceled,
    OrderPendingCancel,
    OrderStatus,
    OrderSubmitted,
    TradingHalted,
    TradingResumed,
)
from bot4.risk import KillSwitchTripped
from bot4.storage import SqliteJournal, StorageConfig

TOKEN = "integration-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _config(storage: Path) -> NodeConfig:
    return NodeConfig(
        replay=ReplayConfig(pace=15),
        api=ApiConfig(enabled=True, port=0, token=TOKEN),
        storage=StorageConfig(data_dir=str(storage)),
        strategies=[
            StrategyEntry(
                id="mm",
                class_="bot4.engine.strategies:MarketMaker",
                config={"half_spread_ticks": 1, "min_requote_interval_s": 0.02},
            ),
            StrategyEntry(
                id="momentum",
                class_="bot4.engine.strategies:MomentumTaker",
                config={"cooldown_s": 0.05},
            ),
        ],
    )


@contextlib.asynccontextmanager
async def _running(node: TradingNode) -> AsyncIterator[asyncio.Task[dict[str, Any]]]:
    task = asyncio.create_task(node.run(duration_s=30))
    try:
        await until(lambda: node.api is not None or task.done(), "the API to listen")
        yield task
    finally:
        node.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)


def _url(node: TradingNode, path: str) -> str:
    assert node.api is not None
    return f"http://127.0.0.1:{node.api.server.port}{path}"


def _facts(positions: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str]]:
    """What the journal holds of a position (marks are market data: the next book sets them)."""
    return [(p["instrument_id"], p["qty"], p["avg_price"], p["realized_pnl"]) for p in positions]


def _new_accepted(node: TradingNode, prior: set[str]) -> int:
    """Orders of this run (ids not seen before) that risk let through."""
    assert node.oms is not None
    return sum(
        1
        for coid, o in node.oms.orders.items()
        if str(coid) not in prior and o.status is not OrderStatus.DENIED
    )


async def _call(http: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> Any:
    async with http.request(method, url, headers=AUTH, **kw) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_kill_halts_in_one_turn_cancels_all_and_survives_restart_until_reset(
    tmp_path: Path,
) -> None:
    storage = tmp_path / "storage"
    cfg = _config(storage)

    # -- run 1: trade, then the operator kills it through the API -----------------------------
    node = build_node(cfg, run_dir=tmp_path / "run1", announce=lambda _: None)
    at_trip: dict[str, Any] = {}
    async with _running(node) as task, aiohttp.ClientSession() as http:
        await until(
            lambda: node.router.fills >= 2 and len(node.control.open_orders()) >= 1,
            "fills and working orders",
        )
        assert node.oms is not None
        oms = node.oms

        def on_trip(event: object) -> None:
            # Subscribed after the OMS: runs inside the same trip() call, i.e. in the same
            # event-loop turn as the API's kill handler, before it awaits anything.
            if isinstance(event, KillSwitchTripped):
                at_trip["halted"] = oms.halted
                at_trip["open"] = oms.open_order_count()
                at_trip["state"] = node.risk.trading_state.name

        node.risk.kill_switch.subscribe(on_trip)
        view = await _call(
            http, "POST", _url(node, "/kill"), json={"reason": "integration", "who": "ops"}
        )
        assert view["active"] is True and view["who"] == "ops"
        assert at_trip == {"halted": True, "open": 0, "state": "HALTED"}
        status = await _call(http, "GET", _url(node, "/status"))
        assert status["trading_state"] == "HALTED" and status["open_orders"] == 0
        # The answer came after the commit: the halt and its cancels are durable already
        # (records after them are the strategies' orders that risk denied since).
        assert node.storage is not None
        durable = list(node.storage.journal.records())[: node.storage.journal.committed_seq]
        assert any(isinstance(r, TradingHalted) for r in durable)
        submitted_at_kill = oms.counters.submitted
        await asyncio.sleep(0.5)  # the strategies keep trying; risk denies every new order
        assert oms.counters.submitted == submitted_at_kill
        report = await asyncio.wait_for(task, 30)
    assert report["open_orders_at_stop"] == 0 and report["kill_switch"]["active"] is True
    positions_run1 = report["positions"]

    # The journal: right after TradingHalted, a cancel for every order then open, each confirmed.
    journal = await SqliteJournal.open(StorageConfig(data_dir=str(storage)), LiveClock())
    try:
        records = list(journal.records())
    finally:
        await journal.close()
    halt = next(i for i, r in enumerate(records) if isinstance(r, TradingHalted))
    pending = [r.client_order_id for r in records[halt + 1 :] if isinstance(r, OrderPendingCancel)]
    canceled = {r.client_order_id for r in records[halt + 1 :] if isinstance(r, OrderCanceled)}
    assert pending and set(pending) <= canceled
    assert not any(isinstance(r, OrderSubmitted) for r in records[halt + 1 :])
    assert all(o.status not in OPEN_STATUSES for o in oms.orders.values())
    assert all(oms.orders[c].status is OrderStatus.CANCELED for c in pending)

    # -- run 2: a restart finds the switch tripped and stays HALTED until reset -------------------
    announced: list[str] = []
    node2 = build_node(cfg, run_dir=tmp_path / "run2", announce=announced.append)
    async with _running(node2) as task, aiohttp.ClientSession() as http:
        assert node2.kill_restored and any("TRIPPED" in line for line in announced)
        status = await _call(http, "GET", _url(node2, "/status"))
        assert status["trading_state"] == "HALTED"
        assert status["kill_switch"]["reason"] == "integration"
        assert status["kill_switch"]["who"] == "ops"
        assert _facts(status["positions"]) == _facts(positions_run1), "rebuilt from the journal"
        ids_run1 = {str(c) for c in oms.orders}
        await until(
            lambda: node2.router.denials["TRADING_HALTED"] >= 3, "strategies try while halted"
        )
        assert _new_accepted(node2, ids_run1) == 0
        view = await _call(http, "POST", _url(node2, "/reset-kill"), json={"who": "ops"})
        assert view["active"] is False
        await until(lambda: _new_accepted(node2, ids_run1) > 0, "orders after the reset")
        status = await _call(http, "GET", _url(node2, "/status"))
        assert status["trading_state"] == "ACTIVE"
        await asyncio.wait_for(task, 30)
    assert node2.oms is not None
    ids_run2 = {str(c) for c in node2.oms.orders}

    # -- run 3: after the reset, a restart trades from the start --------------------------------
    node3 = build_node(cfg, run_dir=tmp_path / "run3", announce=lambda _: None)
    async with _running(node3), aiohttp.ClientSession() as http:
        assert not node3.kill_restored
        status = await _call(http, "GET", _url(node3, "/status"))
        assert status["trading_state"] == "ACTIVE" and status["kill_switch"]["active"] is False
        await until(lambda: _new_accepted(node3, ids_run2) > 0, "orders from the start")
        assert node3.router.denials["TRADING_HALTED"] == 0
    journal = await SqliteJournal.open(StorageConfig(data_dir=str(storage)), LiveClock())
    try:
        kinds = [
            type(r) for r in journal.records() if isinstance(r, TradingHalted | TradingResumed)
        ]
    finally:
        await journal.close()
    assert kinds == [TradingHalted, TradingResumed]
