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
from bot4.errors import ConfigValueError
from bot4.marketdata import BinanceSpotFeed
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import InstrumentId
from bot4.venues import PaperVenue

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
    assert sorted(node.breakers) == ["binance-rest", "binance-ws"]
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

    venues: list[PaperVenue] = []

    def other_venue(clock: object, config: NodeConfig) -> PaperVenue:
        venues.append(VENUES["paper"](clock, config))  # type: ignore[arg-type]
        return venues[-1]

    monkeypatch.setitem(SOURCES, "replay", SourceKind(backtest, clock="simulated"))
    monkeypatch.setitem(VENUES, "other", other_venue)
    node = build_node(NodeConfig(), run_dir=tmp_path, venue="other", dataset=tmp_path)
    assert node.source is made[0]
    assert isinstance(made[0], ReplaySource) and made[0].dataset == tmp_path
    assert isinstance(node.clock, TestClock) and CLOCKS["simulated"] is TestClock
    assert node.venue is venues[0]
    given = TestClock()
    assert build_node(NodeConfig(), run_dir=tmp_path, clock=given).clock is given
