"""NodeConfig: everything `bot4 run` needs, with defaults so no config file is required.

It composes the components' own config tables (risk, api, storage, paper venue) unchanged, so a
`bot4.toml` uses the same keys each component documents; each `[[strategies]]` entry carries its
strategy's settings as a table that the strategy's class decodes (`bot4.engine.build_strategies`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from bot4.api.config import ApiConfig
from bot4.notify import NotificationsConfig
from bot4.risk import RiskConfig
from bot4.storage import StorageConfig
from bot4.venues import ExecutionConfig, PaperVenueConfig

__all__ = ["NodeConfig", "ReplayConfig", "SafetyConfig", "StrategyEntry", "WatchdogConfig"]


class ReplayConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The market-data source: the bundled Binance dataset served on a local WebSocket."""

    # 1.0 keeps the recorded gaps between frames (60 s of data), 2.0 twice as fast;
    # None sends as fast as the node reads.
    pace: Annotated[float, msgspec.Meta(gt=0)] | None = 1.0
    # Symbols to trade (must be in the dataset and the bundled instruments).
    symbols: list[str] = msgspec.field(default_factory=lambda: ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
    # "replay": the bundled dataset on a local WebSocket (no network); "live": Binance spot's
    # public market-data endpoints (no keys needed; orders still go to the paper venue);
    # "data": the files in `data` (anything `bot4 backtest` reads), every instrument they hold.
    source: Literal["replay", "live", "data"] = "replay"
    # source = "data": recordings (a directory or a .ws. file), Binance public-data or Tardis
    # CSVs (zipped or not); merged by time. `bot4 run --data PATH...` sets both keys.
    data: list[str] = msgspec.field(default_factory=list)
    # Live only: a WebSocket URL other than Binance's (a testnet, a local stand-in).
    ws_url: str | None = None
    # Live only: the scheme and host that replace Binance's in REST snapshot URLs.
    rest_base: str | None = None


class StrategyEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One strategy of the node: its class, its instruments and its own settings."""

    # Unique in the node; carried on every order and journal record.
    id: Annotated[str, msgspec.Meta(min_length=1)]
    # "package.module:Class", or "path/to/file.py:Class" (relative to the config file's folder,
    # then to the working directory).
    class_: Annotated[str, msgspec.Meta(min_length=1)] = msgspec.field(name="class")
    # Symbols of the node this strategy trades (replay.symbols); empty: all of them.
    instruments: list[str] = msgspec.field(default_factory=list)
    # false keeps the entry but does not run it.
    enabled: bool = True
    # The strategy's settings, decoded into its class's `config_type` (unknown keys refused).
    config: dict[str, Any] = msgspec.field(default_factory=dict)


def _sample_strategies() -> list[StrategyEntry]:
    return [
        StrategyEntry(id="mm", class_="bot4.engine.strategies:MarketMaker"),
        StrategyEntry(id="momentum", class_="bot4.engine.strategies:MomentumTaker"),
    ]


class WatchdogConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """ "Running but not trading": warn when a feed or a strategy goes quiet this long.

    A feed is quiet when no frame arrived; a strategy when it recorded no decision (every
    sample strategy records one per book or trade it acts on). One warning per quiet episode.
    """

    # Seconds without a market-data frame before the feed counts as quiet.
    feed_quiet_s: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    # Seconds without a strategy decision before the strategy counts as quiet.
    strategy_quiet_s: Annotated[float, msgspec.Meta(gt=0)] = 30.0


class SafetyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The global circuit breaker over every external dependency of the node.

    Its components are the market-data WebSocket and REST breakers, the storage writer's and the
    journal's, and the execution venue's own; when at least this share of them is open at once,
    the global breaker opens and trips the kill switch (source "global-breaker"), which stays
    tripped (also across restarts) until an operator resets it.
    """

    # Share of the node's breakers open at once that trips the kill switch (0.5: two of four).
    global_open_ratio: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.5


class NodeConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole node; every table is optional."""

    # Where run directories go (`<runs_dir>/<UTC timestamp>/`): reports, the API token.
    runs_dir: str = "runs"
    # The node's persistent state when [storage] is not set: the embedded journal, the kill
    # switch and market data, shared by every run (a tripped kill switch survives a restart);
    # `bot4 run --fresh` moves it aside and starts clean. Relative to the working directory.
    data_dir: str = "var/bot4"
    # Paper account equity in quote units (USDT).
    starting_equity: Annotated[int, msgspec.Meta(gt=0)] = 1_000_000
    # Finished orders the OMS keeps in memory (status, API, --why); older ones are dropped
    # from memory only: the journal keeps every order.
    max_terminal_orders: Annotated[int, msgspec.Meta(ge=0)] = 2000
    replay: ReplayConfig = msgspec.field(default_factory=ReplayConfig)
    # The strategies to run, one `[[strategies]]` table each; by default the two samples (a
    # market maker and a momentum taker) on every symbol.
    strategies: list[StrategyEntry] = msgspec.field(default_factory=_sample_strategies)
    risk: RiskConfig = msgspec.field(default_factory=RiskConfig)
    api: ApiConfig = msgspec.field(default_factory=ApiConfig)
    paper: PaperVenueConfig = msgspec.field(default_factory=PaperVenueConfig)
    # Where orders go: the paper venue by default; an exchange only with a second confirmation.
    execution: ExecutionConfig = msgspec.field(default_factory=ExecutionConfig)
    safety: SafetyConfig = msgspec.field(default_factory=SafetyConfig)
    watchdog: WatchdogConfig = msgspec.field(default_factory=WatchdogConfig)
    # None: embedded SQLite in `data_dir`.
    storage: StorageConfig | None = None
    # Fills, kill-switch and breaker trips, daily PnL to a webhook and Telegram (default: off).
    notifications: NotificationsConfig = msgspec.field(default_factory=NotificationsConfig)

    def storage_config(self) -> StorageConfig:
        """The storage the node opens: [storage] when set, else the embedded one in data_dir."""
        return self.storage or StorageConfig(data_dir=self.data_dir)
