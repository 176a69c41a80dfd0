"""The dashboard in headless Chromium (Debian's `chromium`, driven by Playwright).

A real browser logs in with the URL the node prints, sees live positions and orders, and
presses the kill switch: the confirmation is dismissed once (nothing happens), then accepted
(trading HALTED, every order cancelled). Skipped when /usr/bin/chromium is missing, except in
CI, where `.ci/run` installs it and its absence is a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Dialog, Page, Request, async_playwright, expect

from bot4.api import ApiServer, ApiToken, MemoryNode, create_app, dashboard_url
from bot4.clock import TestClock

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
IN_CI = os.environ.get("CI", "").lower() == "true"
TOKEN = "test-token-0123456789"

# Generous waits: CI shares 2 cores between the suite and the browser.
expect.set_options(timeout=60_000)

# One Chromium for the module (a launch costs ~2 s), so everything runs on the module's loop.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.asyncio(loop_scope="module"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        if IN_CI:
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (.ci/run installs Debian's package)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    async with async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-extensions",
                "--disable-sync",
                "--no-first-run",
                "--metrics-recording-only",
            ],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def server(node: MemoryNode, token: ApiToken) -> AsyncIterator[ApiServer]:
    async with ApiServer(create_app(node, token, poll_interval_ms=200), "127.0.0.1", 0) as s:
        yield s


async def open_dashboard(browser: Browser, server: ApiServer) -> Page:
    page = await (await browser.new_context()).new_page()  # fresh cookies per test
    page.set_default_timeout(60_000)
    await page.goto(dashboard_url(server.host, server.port, TOKEN))
    return page


async def test_screenshot_shows_the_dashboard(
    browser: Browser, server: ApiServer, tmp_path: Path
) -> None:
    """A picture for people: BOT4_SCREENSHOT=path keeps it (the test checks it is a PNG)."""
    page = await open_dashboard(browser, server)
    await page.set_viewport_size({"width": 1400, "height": 1000})
    await expect(page.locator("#positions tbody tr")).to_have_count(2)
    target = Path(os.environ.get("BOT4_SCREENSHOT", tmp_path / "dashboard.png"))
    png = await page.screenshot(path=str(target), full_page=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    await page.context.close()


async def test_live_positions_and_kill_switch(
    browser: Browser, server: ApiServer, node: MemoryNode, clock: TestClock
) -> None:
    page = await open_dashboard(browser, server)
    # Logged in, and the token is gone from the address bar.
    assert page.url == f"{server.url}/dashboard"
    cookies = await page.context.cookies()
    assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
        ("bot4_session", True, "Strict")
    ]

    positions = page.locator("#positions tbody tr")
    await expect(positions).to_have_count(2)
    await expect(positions.first).to_contain_text("BTCUSDT")
    await expect(positions.first).to_contain_text("0.5")
    await expect(page.locator("#orders tbody tr")).to_have_count(2)
    await expect(page.locator("#trading-state")).to_have_text("ACTIVE")
    await expect(page.locator("#breakers tbody")).to_contain_text("binance-ws")
    await expect(page.locator("#pnl-chart polyline")).to_have_count(1)
    await expect(page.locator("#watchdog")).to_have_text(
        "watchdog: every feed and strategy is alive"
    )

    # Live: the page follows the node without a reload.
    node.mark("BTCUSDT", "100300.0")
    await expect(positions.first).to_contain_text("100300.0")
    node.watchdog.watch("strategy:mm", 1.0)
    clock.advance(2)
    node.watchdog.check()
    await expect(page.locator("#watchdog")).to_have_text(
        "watchdog: strategy:mm quiet for 2 s (limit 1 s)"
    )

    # Dismissing the confirmation sends nothing.
    posts: list[str] = []
    page.on("request", lambda r: _record_post(r, posts))
    dialogs: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await page.locator("#kill-button").click()
    await expect(page.locator("#trading-state")).to_have_text("ACTIVE")
    assert dialogs and "kill switch" in dialogs[0].lower()
    assert posts == []
    assert node.trading_state == "ACTIVE"

    # Accepting it halts trading and cancels every order.
    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.once("dialog", accept)
    await page.locator("#kill-reason").fill("browser test kill")
    await page.locator("#kill-button").click()
    await expect(page.locator("#trading-state")).to_have_text("HALTED")
    await expect(page.locator("#orders tbody tr")).to_have_count(0)
    await expect(page.locator("#kill-state")).to_contain_text("browser test kill")
    assert posts == ["/kill"]
    assert node.trading_state == "HALTED"
    assert node.open_orders() == []
    assert node.status()["kill_switch"]["who"] == "dashboard"

    # And the reset button brings trading back.
    page.once("dialog", accept)
    await page.locator("#reset-button").click()
    await expect(page.locator("#trading-state")).to_have_text("ACTIVE")
    assert node.trading_state == "ACTIVE"
    await page.context.close()


async def test_without_the_token_the_page_asks_for_it(
    browser: Browser, server: ApiServer, node: MemoryNode
) -> None:
    page = await (await browser.new_context()).new_page()
    response = await page.goto(f"{server.url}/dashboard")
    assert response is not None
    assert response.status == 401
    await expect(page.locator("body")).to_contain_text("needs the node's API token")
    await page.goto(f"{server.url}/dashboard?token=wrong")
    assert await page.context.cookies() == []
    await page.context.close()


def _record_post(request: Request, posts: list[str]) -> None:
    if request.method == "POST":
        posts.append(urlsplit(request.url).path)
