"""`source = "live"`: the node connects to an exchange's endpoints, not to its own replay.

No exchange is reachable here, so the stand-in is Bot4's replay server and snapshot server on
loopback, speaking Binance's WebSocket and REST protocol from the bundled recording; the node
is pointed at it with `ws_url` / `rest_base` exactly as it would be at a testnet.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.engine import NodeConfig, build_node
from bot4.engine.config import ReplayConfig, StrategyEntry
from bot4.marketdata.sources.replay import (
    RecordedSession,
    ReplayServer,
    SnapshotServer,
    load_session,
)
from bot4.marketdata.synth.default import DEFAULT_DATASET


def _session() -> RecordedSession:
    return load_session(DEFAULT_DATASET / "BINANCE.ws.1.0", DEFAULT_DATASET / "BINANCE.http.0.0")


async def test_live_source_trades_from_the_configured_endpoints(tmp_path: Path) -> None:
    session = _session()
    async with (
        ReplayServer(session.frames, pace=20.0) as ws,
        SnapshotServer(session.snapshots) as http,
    ):
        cfg = NodeConfig(
            replay=ReplayConfig(source="live", ws_url=ws.url, rest_base=http.base),
            strategies=[
                StrategyEntry(
                    id="mm",
                    class_="bot4.engine.strategies:MarketMaker",
                    config={"half_spread_ticks": 1},
                ),
                StrategyEntry(id="momentum", class_="bot4.engine.strategies:MomentumTaker"),
            ],
        )
        node = build_node(cfg, run_dir=tmp_path / "run", api=False, announce=lambda _: None)
        report = await node.run(duration_s=4.0)
        assert ws.stats.frames_sent > 0
    assert report["frames"]["total"] == 0  # no replay of its own: the node served nothing
    assert report["frames"]["received"] > 100
    feed = report["feed"]  # the books synced from the stand-in's REST snapshots, no gaps
    assert feed["snapshots"] >= 3 and feed["gaps"] == 0 and feed["errors"] == 0
    assert report["orders_submitted"] > 0
    assert report["open_orders_at_stop"] == 0


@pytest.fixture
def stand_in() -> Iterator[tuple[str, str]]:
    """The stand-in exchange on its own thread and loop (the CLI runs its own asyncio.run)."""
    ready = threading.Event()
    urls: list[str] = []
    stops: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def serve() -> None:
        stop = asyncio.Event()
        stops.append((asyncio.get_running_loop(), stop))
        session = _session()
        async with (
            ReplayServer(session.frames, pace=20.0) as ws,
            SnapshotServer(session.snapshots) as http,
        ):
            urls.extend([ws.url, http.base])
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the stand-in exchange did not start"
    yield urls[0], urls[1]
    loop, stop = stops[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)


def test_run_live_flag_uses_the_live_source(
    stand_in: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws_url, rest_base = stand_in
    monkeypatch.setenv("BOT4__REPLAY__WS_URL", ws_url)
    monkeypatch.setenv("BOT4__REPLAY__REST_BASE", rest_base)
    monkeypatch.setenv("BOT4__RUNS_DIR", str(tmp_path / "runs"))
    result = CliRunner().invoke(app, ["run", "--live", "--no-api", "--no-tui", "--duration", "3"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = (run_dir / "report.json").read_text()
    assert '"total": 0' in report  # frames: the node served no replay of its own
