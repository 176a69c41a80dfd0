"""The data sources: what they serve, where the feed connects, when they are finished."""

from __future__ import annotations

import contextlib

from bot4.engine._sources import Endpoint, LiveSource, ReplaySource
from bot4.marketdata.synth.default import DEFAULT_DATASET


async def test_the_replay_source_serves_the_dataset_until_it_was_all_read() -> None:
    source = ReplaySource(DEFAULT_DATASET, pace=None)
    assert source.frames_total == 0 and not source.finished(10**9), "nothing before open"
    async with contextlib.AsyncExitStack() as stack:
        endpoint = await source.open(stack)
        assert endpoint.ws_url.startswith("ws://127.0.0.1:")
        assert endpoint.rest_base is not None and endpoint.rest_base.startswith("http://127.0.0.1:")
        assert source.frames_total == 2000
        assert not source.finished(0), "the server has not sent everything yet"


async def test_the_live_source_is_where_the_config_points_and_never_finishes() -> None:
    source = LiveSource("wss://example.invalid/stream", None)
    async with contextlib.AsyncExitStack() as stack:
        assert await source.open(stack) == Endpoint("wss://example.invalid/stream", None)
    assert source.frames_total == 0 and not source.finished(10**9)
