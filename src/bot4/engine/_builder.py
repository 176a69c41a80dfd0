"""build_node: a TradingNode assembled from the config, each choice one factory registered here.

What changes between backtest, paper and live is chosen here and nowhere else (DESIGN.md,
phase 2): the data source (`SOURCES`, keyed by `[replay] source`; each source names the clock
it runs on), the clock (`CLOCKS`) and the venue (`VENUES`). Adding a venue or a data source is
one factory and one registry line in this module; the node, the router and the strategy context
do not change. The risk engine, OMS, portfolio and journal are the same objects in every mode and
are made by the node itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot4.clock import Clock, LiveClock, TestClock
from bot4.engine._api_view import RiskParser, convert_risk
from bot4.engine._file_source import FileSource
from bot4.engine._loader import build_strategies
from bot4.engine._node import NodeParts, TradingNode
from bot4.engine._sources import DataSource, LiveSource, ReplaySource
from bot4.errors import ConfigError, ConfigValueError
from bot4.marketdata import BinanceSpotFeed
from bot4.marketdata.sources.ws import default_breaker
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import Instrument, InstrumentId, bundled_instruments
from bot4.venues import ExecutionVenue, PaperVenue, confirmation_problem

if TYPE_CHECKING:
    from bot4.engine._strategy import Strategy
    from bot4.engine.config import NodeConfig

__all__ = ["CLOCKS", "SOURCES", "VENUES", "SourceKind", "VenueFactory", "build_node", "make_venue"]

# (the node's clock, its config) -> the execution venue, with its credentials and breakers.
VenueFactory = Callable[[Clock, "NodeConfig"], ExecutionVenue]


@dataclass(frozen=True, slots=True)
class SourceKind:
    """One kind of market-data source: how to make it, and the clock it runs on by default."""

    # (config, the bundled dataset) -> the source, with its feed handler and instruments.
    make: Callable[[NodeConfig, Path], DataSource]
    # The CLOCKS entry a node on this source uses when no clock is given: a paced replay and
    # a live feed run in wall time; a backtest source would name "simulated".
    clock: str


def _binance(config: NodeConfig) -> tuple[BinanceSpotFeed, dict[InstrumentId, Instrument]]:
    """Binance spot's feed handler for the configured symbols (bundled instruments)."""
    by_symbol = {i.symbol: i for i in bundled_instruments().values() if i.exchange == "BINANCE"}
    symbols = list(config.replay.symbols)
    unknown = [s for s in symbols if s not in by_symbol]
    if unknown:
        raise ConfigValueError(f"unknown symbols (not in the bundled instruments): {unknown}")
    handler = BinanceSpotFeed(symbols, {s: by_symbol[s] for s in symbols})
    return handler, {by_symbol[s].id: by_symbol[s] for s in symbols}


def _replay(config: NodeConfig, dataset: Path) -> DataSource:
    handler, instruments = _binance(config)
    return ReplaySource(dataset, config.replay.pace, handler, instruments)


def _live(config: NodeConfig, dataset: Path) -> DataSource:
    handler, instruments = _binance(config)
    url = config.replay.ws_url or handler.ws_url
    return LiveSource(url, config.replay.rest_base, handler, instruments)


def _files(config: NodeConfig, dataset: Path) -> DataSource:
    if not config.replay.data:
        raise ConfigValueError('replay.source = "data" needs replay.data (paths) or --data')
    return FileSource(config.replay.data, pace=config.replay.pace)


def _paper(clock: Clock, config: NodeConfig) -> PaperVenue:
    return PaperVenue(clock, config.paper)


# The registries: one line per choice.
SOURCES: dict[str, SourceKind] = {
    "replay": SourceKind(_replay, clock="live"),
    "live": SourceKind(_live, clock="live"),
    "data": SourceKind(_files, clock="live"),
}
CLOCKS: dict[str, Callable[[], Clock]] = {"live": LiveClock, "simulated": TestClock}
# Live venues register here ("binance", "ccxt") when their module is part of the build.
VENUES: dict[str, VenueFactory] = {"paper": _paper}


def make_venue(name: str, clock: Clock, config: NodeConfig) -> ExecutionVenue:
    """The execution venue `name`, refused (ConfigError, one line) unless it is paper or the
    config confirms it, or when this build has no such venue."""
    if name != "paper":
        problem = confirmation_problem(config.execution, name)
        if problem is not None:
            raise ConfigError(problem)
    factory = VENUES.get(name)
    if factory is None:
        raise ConfigError(
            f"execution venue {name!r} is not available in this build "
            f"(available: {', '.join(sorted(VENUES))})"
        )
    return factory(clock, config)


def build_node(
    config: NodeConfig,
    *,
    run_dir: Path,
    clock: Clock | None = None,
    strategies: Sequence[Strategy] | None = None,
    venue: str | None = None,
    api: bool = True,
    api_port: int | None = None,
    announce: Callable[[str], object] = print,
    dataset: Path = DEFAULT_DATASET,
    parse_risk: RiskParser = convert_risk,
    config_path: Path | None = None,
) -> TradingNode:
    """The node `config` describes, ready to `run`.

    `strategies` replaces the config's `[[strategies]]`; `clock` the source's own clock;
    `dataset` the bundled recording a replay serves; `parse_risk` checks a risk table reloaded
    through the API; `config_path` is the file the config came from (errors name it, strategy
    files are found relative to its folder); `venue` replaces `[execution] venue` (the VENUES
    key). Raises ConfigValueError for a symbol missing from the bundled instruments, a strategy
    entry that cannot be built and two strategies with one id; ConfigError for a venue that is not
    confirmed or not in this build (`make_venue`).
    """
    kind = SOURCES[config.replay.source]
    source = kind.make(config, dataset)
    instruments = dict(source.instruments)
    exchange = source.feed.exchange
    clock = clock or CLOCKS[kind.clock]()
    chosen_venue = make_venue(venue or config.execution.venue, clock, config)
    if strategies is not None:
        chosen = list(strategies)
    else:
        chosen = build_strategies(
            config.strategies, instruments, None if config_path is None else config_path.parent,
            source=str(config_path) if config_path is not None else "<config>",
        )  # fmt: skip
    by_id: dict[str, Strategy] = {}
    for s in chosen:
        if s.strategy_id in by_id:
            raise ConfigValueError(f"duplicate strategy id {s.strategy_id!r}")
        by_id[s.strategy_id] = s
    parts = NodeParts(
        clock=clock,
        instruments=instruments,
        source=source,
        venue=chosen_venue,
        breakers={n: default_breaker(n, clock) for n in (f"{exchange}-ws", f"{exchange}-rest")},
        strategies=by_id,
    )
    return TradingNode(
        config, parts, run_dir=run_dir, api=api, api_port=api_port, announce=announce,
        parse_risk=parse_risk,
    )  # fmt: skip
