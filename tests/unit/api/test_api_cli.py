"""`bot4 status`, `bot4 kill`, `bot4 reset-kill` against a live uvicorn server on loopback.

The server runs in the test's event loop; the CLI (blocking urllib) runs in a worker thread via
`asyncio.to_thread`, exactly as an operator's shell would call a running node.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot4.api import ApiServer, ApiToken, MemoryNode, create_app, write_token_file
from bot4.api.cli import ApiClient, _print_status
from bot4.cli import app
from bot4.clock import TestClock
from bot4.errors import ApiError

TOKEN = "test-token-0123456789"


@pytest.fixture
async def server(node: MemoryNode, token: ApiToken) -> AsyncIterator[ApiServer]:
    async with ApiServer(create_app(node, token), "127.0.0.1", 0) as running:
        yield running


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests choose the token and URL; the caller's environment must not leak in."""
    monkeypatch.delenv("BOT4_API_TOKEN", raising=False)
    monkeypatch.delenv("BOT4_API_URL", raising=False)
    monkeypatch.chdir(tmp_path)


async def bot4(*args: str, env: dict[str, str] | None = None) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


async def test_status(server: ApiServer) -> None:
    result = await bot4("status", "--api", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert "trading state: ACTIVE" in result.stdout
    assert "kill switch: not tripped" in result.stdout
    assert "open orders: 2" in result.stdout
    assert "BTCUSDT" in result.stdout
    assert "binance-ws" in result.stdout
    assert "orders go to: paper" in result.stdout
    assert "PRICE_COLLAR" not in result.stdout  # only with --why


async def test_status_names_a_real_account(server: ApiServer, node: MemoryNode) -> None:
    node.execution = {"venue": "binance", "exchange": None, "testnet": False,
                      "real_account": True, "description": "binance (REAL ACCOUNT)"}  # fmt: skip
    result = await bot4("status", "--api", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert "orders go to: binance (REAL ACCOUNT)" in result.stdout
    shown = await bot4("status", "--json", "--api", server.url, "--token", TOKEN)
    assert json.loads(shown.stdout)["execution"]["real_account"] is True


def test_status_of_an_older_node_without_execution(
    node: MemoryNode, capsys: pytest.CaptureFixture[str]
) -> None:
    """A node from before the execution view answers without it: nothing is printed for it."""
    view = dict(node.status())
    del view["execution"]
    _print_status(view, why=False)
    out = capsys.readouterr().out
    assert "trading state: ACTIVE" in out and "orders go to" not in out


async def test_status_why(server: ApiServer) -> None:
    result = await bot4("status", "--why", "--api", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert "BTCUSDT last decision: quote 99000.0/101000.0 skew -1" in result.stdout
    assert "SOLUSDT last decision: (none yet)" in result.stdout
    assert "O-99: risk PRICE_COLLAR: price 10% off the reference" in result.stdout


async def test_status_shows_watchdog_alerts(
    server: ApiServer, node: MemoryNode, clock: TestClock
) -> None:
    node.watchdog.watch("strategy:mm", 1.0)
    clock.advance(2)
    node.watchdog.check()
    result = await bot4("status", "--api", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert "watchdog: strategy:mm quiet for 2.0 s (limit 1.0 s)" in result.stdout


async def test_status_json(server: ApiServer) -> None:
    result = await bot4("status", "--json", "--api", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["open_orders"] == 2


async def test_kill_and_reset_kill(server: ApiServer, node: MemoryNode) -> None:
    env = {"BOT4_API_TOKEN": TOKEN, "BOT4_API_URL": server.url}
    killed = await bot4("kill", "--reason", "fat finger", "--who", "carol", env=env)
    assert killed.exit_code == 0, killed.output
    assert "TRIPPED by carol: fat finger" in killed.stdout
    assert node.trading_state == "HALTED"
    assert node.open_orders() == []
    status = await bot4("status", env=env)
    assert "kill switch: TRIPPED by carol (operator): fat finger" in status.stdout
    reset = await bot4("reset-kill", env=env)
    assert reset.exit_code == 0, reset.output
    assert node.trading_state == "ACTIVE"
    assert node.audit[-1].startswith("reset-kill by cli")


async def test_default_who_names_the_user(server: ApiServer, node: MemoryNode) -> None:
    result = await bot4("kill", "--reason", "r", "--api", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert node.status()["kill_switch"]["who"] is not None
    assert str(node.status()["kill_switch"]["who"]).startswith("cli")


async def test_token_from_the_newest_run_file(server: ApiServer, tmp_path: Path) -> None:
    write_token_file(tmp_path / "runs" / "20260101-000000", TOKEN)
    result = await bot4("status", "--api", server.url)
    assert result.exit_code == 0, result.output
    explicit = write_token_file(tmp_path / "elsewhere", TOKEN)
    result = await bot4("status", "--api", server.url, "--token-file", str(explicit))
    assert result.exit_code == 0, result.output


async def test_wrong_token_is_a_clear_error(server: ApiServer, node: MemoryNode) -> None:
    result = await bot4("kill", "--reason", "x", "--api", server.url, "--token", "wrong")
    assert result.exit_code == 1
    assert "401 unauthorized" in result.stderr
    assert node.trading_state == "ACTIVE"


async def test_no_token_anywhere(tmp_path: Path) -> None:
    result = await bot4("status", "--api", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "no API token" in result.stderr
    missing = tmp_path / "nothing"
    result = await bot4("status", "--token-file", str(missing))
    assert result.exit_code == 2
    assert str(missing) in result.stderr


async def test_bad_url_and_unreachable_node() -> None:
    result = await bot4("status", "--api", "file:///etc/passwd", "--token", TOKEN)
    assert result.exit_code == 2
    assert "http:// or https://" in result.stderr
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = await bot4("status", "--api", f"http://127.0.0.1:{port}", "--token", TOKEN)
    assert result.exit_code == 1
    assert "is `bot4 run` running?" in result.stderr


async def test_http_errors_carry_the_detail(server: ApiServer) -> None:
    client = ApiClient(server.url, TOKEN)
    with pytest.raises(ApiError, match="HTTP 404 no breaker named 'nope'"):
        await asyncio.to_thread(client.post, "/breakers/nope/reset")
    with pytest.raises(ApiError, match=r"HTTP 404$"):
        await asyncio.to_thread(client.get, "/dashboard/missing.js")
    with pytest.raises(ApiError, match="http:// or https://"):
        ApiClient("ftp://x", TOKEN)


async def test_who_without_a_user_name(
    server: ApiServer, node: MemoryNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_user() -> str:
        raise OSError("no user name")

    monkeypatch.setattr("getpass.getuser", no_user)
    result = await bot4("kill", "--reason", "r", "--api", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert node.status()["kill_switch"]["who"] == "cli"


async def test_why_with_nothing_recorded(token: ApiToken, clock: TestClock) -> None:
    async with ApiServer(create_app(MemoryNode(clock), token), "127.0.0.1", 0) as empty:
        result = await bot4("status", "--why", "--api", empty.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert "no strategy decision or rejection recorded yet" in result.stdout
