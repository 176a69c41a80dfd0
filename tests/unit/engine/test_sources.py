"""The data sources: what they serve, the feed that reads it, when they are finished."""

from __future__ import annotations

import contextlib

from bot4.clock import LiveClock
from bot4.engine._sources import DataSource, Feed, LiveSource, ReplaySource
from bot4.marketdata import BinanceSpotFeed
from bot4.marketdata.sources.ws import FeedConnection, default_breaker
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import InstrumentId, bundled_instruments
from bot4.resilience import CircuitBreaker

BTC = bundled_instruments()[InstrumentId("BINANCE:BTCUSDT")]
CLOCK = LiveClock()


def _breakers() -> dict[str, CircuitBreaker]:
    return {n: default_breaker(n, CLOCK) for n in ("binance-ws", "binance-rest")}


def _handler() -> BinanceSpotFeed:
    return BinanceSpotFeed(["BTCUSDT"], {"BTCUSDT": BTC})


async def _connect(
    source: DataSource, stack: contextlib.AsyncExitStack, breakers: dict[str, CircuitBreaker]
) -> Feed:
    return await source.connect(stack, sink=lambda events: None, clock=CLOCK, breakers=breakers)


async def test_the_replay_source_serves_the_dataset_until_it_was_all_read() -> None:
    source = ReplaySource(DEFAULT_DATASET, None, _handler(), {BTC.id: BTC})
    assert source.symbols == {BTC.id: "BTCUSDT"} and source.feed is source.handler
    assert source.frames_total == 0 and not source.finished(10**9), "nothing before connect"
    breakers = _breakers()
    async with contextlib.AsyncExitStack() as stack:
        feed = await _connect(source, stack, breakers)
        assert isinstance(feed, FeedConnection) and feed.handler.exchange == "binance"
        assert feed.url.startswith("ws://127.0.0.1:")
        assert feed.rest_base is not None and feed.rest_base.startswith("http://127.0.0.1:")
        assert feed.breaker is breakers["binance-ws"]
        assert feed.rest_breaker is breakers["binance-rest"]
        assert source.frames_total == 2000
        assert not source.finished(0), "the server has not sent everything yet"


async def test_the_live_source_is_where_the_config_points_and_never_finishes() -> None:
    source = LiveSource("wss://example.invalid/stream", None, _handler(), {BTC.id: BTC})
    async with contextlib.AsyncExitStack() as stack:
        feed = await _connect(source, stack, _breakers())
    assert isinstance(feed, FeedConnection)
    assert (feed.url, feed.rest_base) == ("wss://example.invalid/stream", None)
    assert source.frames_total == 0 and not source.finished(10**9)
