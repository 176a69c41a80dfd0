"""Issue 16, node side: the refusal line, the global breaker tripping the kill switch of a running
paper node (surviving a restart with no storage config), and secrets that never leave the process.

Real `bot4` executable, real node on the bundled replay over loopback, real API on 127.0.0.1,
real SQLite in the default data directory (the test's own working directory, see conftest).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.support.waiting import until
from typer.testing import CliRunner

from bot4.api.config import ApiConfig
from bot4.cli import app
from bot4.clock import Clock
from bot4.engine import NodeConfig, TradingNode, build_node
from bot4.engine._builder import VENUES
from bot4.engine.config import ReplayConfig
from bot4.venues import ExecutionConfig, ExecutionVenue, PaperVenue, load_credentials

TOKEN = "safety-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BOT4 = Path(sys.executable).parent / "bot4"

log = logging.getLogger("tests.live_safety")


def test_the_real_command_refuses_an_unconfirmed_live_venue_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BOT4), "run", "--execution", "binance", "--no-api", "--no-tui"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: execution venue 'binance' places real orders: confirm with "
        "`bot4 run --confirm-live` (or `confirm_live = true` in [execution]); refusing to start"
    ]
    assert list(tmp_path.iterdir()) == [], "nothing was created"


def _config(**kw: Any) -> NodeConfig:
    return NodeConfig(
        replay=ReplayConfig(pace=15), api=ApiConfig(enabled=True, port=0, token=TOKEN), **kw
    )


@contextlib.asynccontextmanager
async def _running(node: TradingNode) -> AsyncIterator[asyncio.Task[dict[str, Any]]]:
    task = asyncio.create_task(node.run(duration_s=30))
    try:
        await until(lambda: node.api is not None or task.done(), "the API to listen")
        assert not task.done(), task
        yield task
    finally:
        node.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)


def _url(node: TradingNode, path: str) -> str:
    assert node.api is not None
    return f"http://127.0.0.1:{node.api.server.port}{path}"


async def _get(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url, headers=AUTH) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.text()


def _breaker_samples(text: str) -> dict[tuple[str, str], float]:
    return {
        (s.labels["breaker"], s.labels["state"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "bot4_breaker_state"
    }


async def test_the_global_breaker_trips_the_kill_switch_of_a_running_node(tmp_path: Path) -> None:
    node = build_node(_config(), run_dir=tmp_path / "run1", announce=lambda _: None)
    async with _running(node) as task, aiohttp.ClientSession() as http:
        assert node.oms is not None
        oms = node.oms
        await until(lambda: oms.open_order_count() > 0, "the market maker to quote")
        metrics = _breaker_samples(await _get(http, _url(node, "/metrics")))
        for name in ("binance-ws", "binance-rest", "storage", "journal", "global"):
            assert metrics[(name, "CLOSED")] == 1, name
        # Two of the four dependencies fail (default ratio 0.5): the global breaker opens.
        for name in ("binance-ws", "binance-rest"):
            async with http.post(_url(node, f"/breakers/{name}/force-open"), headers=AUTH) as r:
                assert r.status == 200
        await until(lambda: oms.open_order_count() == 0, "the kill switch to cancel all")
        status = await (await http.get(_url(node, "/status"), headers=AUTH)).json()
        assert status["breakers"]["global"] == "OPEN"
        assert status["trading_state"] == "HALTED"
        assert status["kill_switch"]["active"] is True
        assert status["kill_switch"]["source"] == "global-breaker"
        assert status["execution"]["venue"] == "paper" and not status["execution"]["real_account"]
        text = await _get(http, _url(node, "/metrics"))
        assert 'bot4_execution_real_account{venue="paper"} 0.0' in text
        metrics = _breaker_samples(text)
        assert metrics[("global", "OPEN")] == 1 and metrics[("binance-ws", "FORCED_OPEN")] == 1
        page = await _get(http, _url(node, f"/dashboard?token={TOKEN}"))
        assert 'id="execution"' in page
        report = await asyncio.wait_for(task, 40)
    assert report["kill_switch"]["active"] is True
    # A restart with the same (default) config finds the switch tripped: no storage setting.
    announced: list[str] = []
    again = build_node(_config(), run_dir=tmp_path / "run2", announce=announced.append)
    async with _running(again):
        assert again.kill_restored
        assert again.risk.kill_switch.tripped
        assert any("global-breaker" in line for line in announced), announced
    assert (Path.cwd() / "var" / "bot4").is_dir(), "the default data directory"


def _venue_with_credentials(clock: Clock, config: NodeConfig) -> ExecutionVenue:
    """What a live venue does at build time: load the keys (and log what it loaded)."""
    creds = load_credentials(config.execution)
    log.warning("venue credentials loaded: %s key=%s secret=%r", creds, creds.key, creds.secret)
    venue = PaperVenue(clock, config.paper)
    venue.name = f"keyed {creds!r}"
    return venue


async def test_a_whole_session_never_writes_the_key_or_the_secret(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key, secret = f"KEY{secrets.token_hex(24)}", f"SECRET{secrets.token_hex(24)}"
    monkeypatch.setenv("BOT4_API_KEY", key)
    monkeypatch.setenv("BOT4_API_SECRET", secret)
    monkeypatch.setitem(VENUES, "binance", _venue_with_credentials)
    execution = ExecutionConfig(venue="binance", testnet=True, confirm_live=True)
    caplog.set_level(logging.DEBUG)
    node = build_node(_config(execution=execution), run_dir=tmp_path / "run", announce=print)
    bodies: list[str] = []
    async with _running(node) as task, aiohttp.ClientSession() as http:
        assert node.oms is not None
        oms = node.oms
        await until(lambda: len(oms.orders) > 3, "some orders")
        paths = ("/status", "/metrics", "/orders", "/positions", f"/dashboard?token={TOKEN}")
        bodies.extend([await _get(http, _url(node, p)) for p in paths])
        await asyncio.wait_for(task, 40)
    shown = CliRunner().invoke(app, ["show-config"])
    assert shown.exit_code == 0, shown.output
    captured = capsys.readouterr()
    streams = [captured.out, captured.err, caplog.text, shown.output, *bodies]
    assert "venue credentials loaded: ApiCredentials(key=***, secret=***" in caplog.text
    written = [p for p in tmp_path.rglob("*") if p.is_file()]  # noqa: ASYNC240 - after the run
    assert any(p.name == "report.json" for p in written)
    assert any(p.suffix == ".sqlite" for p in written), "the storage was written"
    for value in (key, secret):
        for text in streams:
            assert value not in text
        for path in written:
            assert value.encode() not in path.read_bytes(), path
