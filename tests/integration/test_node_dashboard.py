"""The dashboard over a real TradingNode, in headless Chromium (Debian's `chromium`, Playwright).

The node trades the bundled replay; the page, opened with the URL the node announces, shows its
live positions and working orders; pressing the kill switch (confirmation accepted) halts the
node and cancels every order. Skipped without /usr/bin/chromium, except in CI (`.ci/run`
installs it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest
from playwright.async_api import Dialog, async_playwright, expect
from tests.support.waiting import until

from bot4.api.config import ApiConfig
from bot4.engine import NodeConfig, build_node
from bot4.engine.config import ReplayConfig, StrategyEntry

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
IN_CI = os.environ.get("CI", "").lower() == "true"

# Generous waits: CI shares 2 cores between the suite, the node and the browser.
expect.set_options(timeout=60_000)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


async def test_dashboard_shows_the_node_and_its_kill_switch_halts_it(tmp_path: Path) -> None:
    if not HAVE_CHROMIUM:
        if IN_CI:
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (.ci/run installs Debian's package)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    announced: list[str] = []
    node = build_node(
        NodeConfig(
            # A tenth of the recorded pace: the 60 s replay lasts 600 s (this test's timeout), so
            # the node is still running whatever a slow host makes the browser's steps cost
            # (when the replay ends the node stops, and a kill pressed after that goes nowhere).
            replay=ReplayConfig(pace=0.1),
            api=ApiConfig(enabled=True, port=0),  # no token configured: the node makes one
            strategies=[
                StrategyEntry(
                    id="mm",
                    class_="bot4.engine.strategies:MarketMaker",
                    config={"half_spread_ticks": 1},
                ),
                StrategyEntry(
                    id="momentum",
                    class_="bot4.engine.strategies:MomentumTaker",
                    config={"cooldown_s": 0.05},
                ),
            ],
        ),
        run_dir=tmp_path / "run",
        announce=announced.append,
    )
    task = asyncio.create_task(node.run(duration_s=600))
    try:
        await until(
            lambda: node.control.positions() and node.control.open_orders(), "the node to trade", 60
        )
        url = next(line.split(" ", 1)[1] for line in announced if line.startswith("dashboard: "))
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            try:
                page = await browser.new_page()
                page.set_default_timeout(60_000)
                await page.goto(url)
                await expect(page.locator("#trading-state")).to_have_text("ACTIVE")
                await expect(page.locator("#positions tbody tr").first).to_contain_text("BINANCE:")
                await expect(page.locator("#orders tbody tr").first).to_contain_text("N-")

                async def accept(dialog: Dialog) -> None:
                    await dialog.accept()

                page.once("dialog", accept)
                await page.locator("#kill-reason").fill("dashboard integration")
                await page.locator("#kill-button").click()
                # The command's own answer first: a refused or failed POST shows its error here.
                await expect(page.locator("#command-result")).to_contain_text("tripped")
                await expect(page.locator("#trading-state")).to_have_text("HALTED")
                await expect(page.locator("#orders tbody tr")).to_have_count(0)
                await expect(page.locator("#kill-state")).to_contain_text("dashboard integration")
            finally:
                await browser.close()
        assert node.risk.trading_state.name == "HALTED"
        assert node.oms is not None and node.oms.open_order_count() == 0
        assert node.control.status()["kill_switch"]["who"] == "dashboard"
    finally:
        node.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)
    assert task.result()["open_orders_at_stop"] == 0
