"""Bounded waits on a condition: a test waits for what it needs, never for a fixed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(
    cond: Callable[[], object], what: str = "the condition", timeout_s: float = 20.0
) -> None:
    """Return as soon as `cond()` is true; fail naming `what` after `timeout_s`.

    Polls every 10 ms: the conditions are state of real components (a breaker, a node, a writer)
    that offer no event to await, and the loop they run on must keep turning meanwhile.
    """
    try:
        async with asyncio.timeout(timeout_s):
            while not cond():  # noqa: ASYNC110 - no event to await (see above)
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout_s} s waiting for: {what}") from None
