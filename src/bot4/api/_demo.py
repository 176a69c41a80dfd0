"""`bot4 dashboard-demo`: the API and dashboard over a MemoryNode that trades a random walk.

For a person to look at the dashboard (and try the kill switch) without a market connection or
a configured node: prices random-walk, a toy market maker quotes around them, fills happen when
the walk crosses a quote. It is a demo of the operator's side only — `bot4 run` is the product.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from bot4.api._launch import start_api
from bot4.api._memory_node import MemoryNode
from bot4.api._token import DEFAULT_PORT
from bot4.api.config import ApiConfig
from bot4.clock import Clock, LiveClock

__all__ = ["DemoMarket", "run_demo"]

_START = {"BTCUSDT": Decimal("100000.0"), "ETHUSDT": Decimal("3500.00")}
_STEP = {"BTCUSDT": Decimal("25.0"), "ETHUSDT": Decimal("1.50")}
_SIZE = {"BTCUSDT": "0.01", "ETHUSDT": "0.5"}


class DemoMarket:
    """Random-walk prices and a toy market maker driving a MemoryNode, one `step()` at a time."""

    def __init__(self, node: MemoryNode, seed: int = 7) -> None:
        self.node = node
        # A demo, not cryptography: repeatable on purpose.
        self._rng = random.Random(seed)  # nosec B311
        self.prices = dict(_START)
        for name in ("binance-ws", "binance-rest", "storage"):
            node.add_breaker(name)
        node.metrics.register_feed("demo")

    def step(self) -> None:
        """Move every price one tick up or down, fill crossed quotes, re-quote."""
        node = self.node
        for instrument, last in self.prices.items():
            price = last + _STEP[instrument] * self._rng.choice((-2, -1, 0, 1, 2))
            self.prices[instrument] = price
            node.metrics.on_feed_message("demo")
            node.mark(instrument, str(price))
            for order in node.open_orders():
                if order["instrument_id"] != instrument or order["price"] is None:
                    continue
                limit = Decimal(order["price"])
                crossed = price <= limit if order["side"] == "BUY" else price >= limit
                if crossed:
                    node.fill(order["client_order_id"], order["qty"], order["price"])
            if not any(o["instrument_id"] == instrument for o in node.open_orders()):
                self._quote(instrument, price)

    def _quote(self, instrument: str, mid: Decimal) -> None:
        spread = _STEP[instrument] * 2
        bid, ask = mid - spread, mid + spread
        self.node.decide(instrument, f"quote {bid}/{ask} around mid {mid}")
        self.node.submit_order(instrument, "BUY", _SIZE[instrument], str(bid), "demo-mm")
        self.node.submit_order(instrument, "SELL", _SIZE[instrument], str(ask), "demo-mm")


async def run_demo(
    run_dir: Path,
    *,
    port: int = DEFAULT_PORT,
    duration_s: float = 600.0,
    step_s: float = 0.5,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> MemoryNode:
    """Serve the demo for `duration_s` (one market step every `step_s`); returns the node."""
    node = MemoryNode(clock or LiveClock())
    market = DemoMarket(node)
    handle = await start_api(node, ApiConfig(port=port), run_dir, env=env)
    try:
        for _ in range(max(1, round(duration_s / step_s))):  # bounded: the demo always ends
            market.step()
            await asyncio.sleep(step_s)
    finally:
        await handle.server.close()
    return node
