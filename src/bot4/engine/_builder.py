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
from bot4.errors import ConfigValueError
from bot4.marketdata import BinanceSpotFeed
from bot4.marketdata.sources.ws import default_breaker
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import Instrument, InstrumentId, bundled_instruments
from bot4.venues import PaperVenue

if TYPE_CHECKING:
    from bot4.engine._strategy import Strategy
    from bot4.engine.config import NodeConfig

__all__ = ["CLOCKS", "SOURCES", "VENUES", "SourceKind", "build_node"]


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
VENUES: dict[str, Callable[[Clock, NodeConfig], PaperVenue]] = {"paper": _paper}


def build_node(
    config: NodeConfig,
    *,
    run_dir: Path,
    clock: Clock | None = None,
    strategies: Sequence[Strategy] | None = None,
    venue: str = "paper",
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
    files are found relative to its folder). Raises ConfigValueError for a symbol missing from
    the bundled instruments, a strategy entry that cannot be built and two strategies with one id.
    """
    kind = SOURCES[config.replay.source]
    source = kind.make(config, dataset)
    instruments = dict(source.instruments)
    exchange = source.feed.exchange
    clock = clock or CLOCKS[kind.clock]()
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
        venue=VENUES[venue](clock, config),
        breakers={n: default_breaker(n, clock) for n in (f"{exchange}-ws", f"{exchange}-rest")},
        strategies=by_id,
    )
    return TradingNode(
        config, parts, run_dir=run_dir, api=api, api_port=api_port, announce=announce,
        parse_risk=parse_risk,
    )  # fmt: skip
