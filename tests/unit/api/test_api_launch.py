"""start_api: the node's one call to serve its API with the right token and announcement."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot4.api import ApiConfig, MemoryNode, start_api


async def test_generated_token_is_written_and_printed(node: MemoryNode, tmp_path: Path) -> None:
    lines: list[str] = []
    handle = await start_api(node, ApiConfig(port=0), tmp_path, env={}, announce=lines.append)
    try:
        assert handle.token.source == "generated"
        assert handle.token.file == tmp_path / "api-token"
        assert lines == [
            f"dashboard: {handle.dashboard_url}",
            f"API token written to {tmp_path}/api-token",
        ]
        assert handle.dashboard_url.endswith(f"?token={handle.token.value}")
        async with httpx.AsyncClient(follow_redirects=True) as client:
            login = await client.get(handle.dashboard_url)  # follows the redirect, keeps cookie
            assert login.status_code == 200
            assert str(login.url).endswith("/dashboard")
    finally:
        await handle.server.close()


async def test_configured_token_is_never_printed(node: MemoryNode, tmp_path: Path) -> None:
    lines: list[str] = []
    config = ApiConfig(port=8787, token="configured-token-123456", dashboard_poll_ms=250)
    handle = await start_api(node, config, tmp_path, port=0, env={}, announce=lines.append)
    try:
        assert handle.server.port != 8787  # the --api-port override won
        assert lines == [f"dashboard: {handle.server.url}/dashboard"]
        assert not (tmp_path / "api-token").exists()
        async with httpx.AsyncClient(base_url=handle.server.url) as client:
            auth = {"Authorization": "Bearer configured-token-123456"}
            assert (await client.get("/status", headers=auth)).status_code == 200
            login = await client.get("/dashboard", params={"token": "configured-token-123456"})
            assert login.status_code == 303
            assert 'data-poll-ms="250"' in (await client.get("/dashboard")).text
    finally:
        await handle.server.close()
