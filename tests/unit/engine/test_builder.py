"""build_node: each choice (source, clock, venue, strategies) comes from one registry entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot4.clock import LiveClock, TestClock
from bot4.engine import MarketMaker, MomentumTaker, NodeConfig, build_node
from bot4.engine._builder import CLOCKS, SOURCES, VENUES, SourceKind
from bot4.engine._sources import DataSource, LiveSource, ReplaySource
from bot4.engine.config import ReplayConfig, StrategyEntry
from bot4.engine.strategies import MarketMakerConfig
from bot4.errors import ConfigError, ConfigValueError
from bot4.marketdata import BinanceSpotFeed
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import InstrumentId
from bot4.resilience import CircuitBreaker, CircuitConfig
from bot4.venues import ExecutionConfig, ExecutionVenue, PaperVenue

BTC = InstrumentId("BINANCE:BTCUSDT")


def test_bad_construction_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigValueError, match="unknown symbols") as info:
        build_node(NodeConfig(replay=ReplayConfig(symbols=["NOPEUSDT"])), run_dir=tmp_path)
    assert isinstance(info.value, ValueError)
    mm = MarketMaker("mm", [BTC], MarketMakerConfig())
    with pytest.raises(ConfigValueError, match="duplicate strategy id"):
        build_node(NodeConfig(), run_dir=tmp_path, strategies=[mm, mm])


def test_the_default_node_replays_the_bundled_dataset_on_a_live_clock(tmp_path: Path) -> None:
    node = build_node(NodeConfig(), run_dir=tmp_path)
    assert isinstance(node.source, ReplaySource) and node.source.dataset == DEFAULT_DATASET
    assert node.source.pace == 1.0
    assert isinstance(node.clock, LiveClock) and isinstance(node.venue, PaperVenue)
    assert isinstance(node.handler, BinanceSpotFeed)
    assert sorted(node.breakers) == ["binance-rest", "binance-ws", "journal", "storage"]
    assert node.global_breaker.components == tuple(node.breakers.values())
    assert [str(i) for i in node.instruments] == [
        "BINANCE:BTCUSDT",
        "BINANCE:ETHUSDT",
        "BINANCE:SOLUSDT",
    ]
    strategies = list(node.strategies.values())
    assert [type(s) for s in strategies] == [MarketMaker, MomentumTaker]
    assert all(s.instruments == tuple(node.instruments) for s in strategies)


def test_the_config_picks_the_samples_and_the_live_source(tmp_path: Path) -> None:
    cfg = NodeConfig(
        replay=ReplayConfig(source="live", rest_base="http://127.0.0.1:1"),
        strategies=[
            StrategyEntry(id="mm", class_="bot4.engine.strategies:MarketMaker", enabled=False),
            StrategyEntry(id="momentum", class_="bot4.engine.strategies:MomentumTaker"),
        ],
    )
    node = build_node(cfg, run_dir=tmp_path)
    assert list(node.strategies) == ["momentum"]
    assert isinstance(node.source, LiveSource)
    assert (node.source.ws_url, node.source.rest_base) == (
        BinanceSpotFeed.ws_url,
        "http://127.0.0.1:1",
    )
    other = NodeConfig(replay=ReplayConfig(source="live", ws_url="ws://127.0.0.1:2/stream"))
    node = build_node(other, run_dir=tmp_path)
    assert isinstance(node.source, LiveSource)
    assert (node.source.ws_url, node.source.rest_base) == ("ws://127.0.0.1:2/stream", None)


def test_a_new_source_and_venue_plug_in_through_the_registries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backtest-like source on the simulated clock, and another venue: registry lines only."""
    made: list[DataSource] = []
    replay = SOURCES["replay"].make

    def backtest(config: NodeConfig, dataset: Path) -> DataSource:
        made.append(replay(config, dataset))
        return made[-1]

    venues: list[ExecutionVenue] = []

    def other_venue(clock: object, config: NodeConfig) -> ExecutionVenue:
        venues.append(VENUES["paper"](clock, config))  # type: ignore[arg-type]
        return venues[-1]

    monkeypatch.setitem(SOURCES, "replay", SourceKind(backtest, clock="simulated"))
    monkeypatch.setitem(VENUES, "other", other_venue)
    confirmed = NodeConfig(execution=ExecutionConfig(confirm_live=True))
    node = build_node(confirmed, run_dir=tmp_path, venue="other", dataset=tmp_path)
    assert node.source is made[0]
    assert isinstance(made[0], ReplaySource) and made[0].dataset == tmp_path
    assert isinstance(node.clock, TestClock) and CLOCKS["simulated"] is TestClock
    assert node.venue is venues[0]
    given = TestClock()
    assert build_node(NodeConfig(), run_dir=tmp_path, clock=given).clock is given


def test_a_venue_that_is_not_paper_needs_the_confirmation(tmp_path: Path) -> None:
    unconfirmed = NodeConfig(execution=ExecutionConfig(venue="binance"))
    with pytest.raises(ConfigError, match="confirm-live") as info:
        build_node(unconfirmed, run_dir=tmp_path)
    assert "\n" not in str(info.value), "one line"
    with pytest.raises(ConfigError, match="confirm-live"):
        build_node(NodeConfig(), run_dir=tmp_path, venue="binance")


@pytest.mark.parametrize("venue", ["binance", "ccxt"])
def test_a_confirmed_live_venue_missing_from_the_build_is_a_clear_error(
    tmp_path: Path, venue: str
) -> None:
    execution = ExecutionConfig(venue=venue, exchange="kraken", confirm_live=True)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as info:
        build_node(NodeConfig(execution=execution), run_dir=tmp_path)
    assert str(info.value) == (
        f"execution venue {venue!r} is not available in this build (available: paper)"
    )


def test_the_venues_breakers_join_the_nodes_global_breaker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live venue brings its breakers through the registry; the node registers them."""
    rest = CircuitBreaker("venue-rest", CircuitConfig(), TestClock())

    def venue_with_breakers(clock: object, config: NodeConfig) -> ExecutionVenue:
        venue = PaperVenue(clock, config.paper)  # type: ignore[arg-type]
        venue.breakers = {"venue-rest": rest}
        return venue

    monkeypatch.setitem(VENUES, "binance", venue_with_breakers)
    execution = ExecutionConfig(venue="binance", confirm_live=True, testnet=True)
    node = build_node(NodeConfig(execution=execution), run_dir=tmp_path, api=False)
    assert node.breakers["venue-rest"] is rest
    assert rest in node.global_breaker.components
    assert node.control.execution() == {
        "venue": "binance",
        "exchange": None,
        "testnet": True,
        "real_account": False,
        "description": "binance (testnet)",
    }


def test_a_venue_breaker_may_not_reuse_a_nodes_breaker_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def clashing(clock: object, config: NodeConfig) -> ExecutionVenue:
        venue = PaperVenue(clock, config.paper)  # type: ignore[arg-type]
        venue.breakers = {"storage": CircuitBreaker("storage", CircuitConfig(), TestClock())}
        return venue

    monkeypatch.setitem(VENUES, "paper", clashing)
    with pytest.raises(ConfigError, match="two circuit breakers named 'storage' \\(venue paper\\)"):
        build_node(NodeConfig(), run_dir=tmp_path, api=False)
