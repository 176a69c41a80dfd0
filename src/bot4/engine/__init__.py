# bot4.engine: the trading node, assembled from parts. Depends on every core package and on
# bot4.api's public names (the node answers the control API); never on bot4.config.
#   config        NodeConfig (the node's whole config, defaults for everything)
#   _strategy     Strategy base class (hooks, orders, timers, bars), StrategyContext protocol
#   strategies    MarketMaker, MomentumTaker (sample strategies)
#   _loader       `[[strategies]]` entries -> Strategy objects (module:Class or file.py:Class)
#   _timers       TimerQueue: named timers on the clock, fired by the node or a backtest
#   _bars         BarAggregator: time bars from trades, closed through the TimerQueue
#   _builder      build_node: data source, clock, venue, feed and strategies from the config
#                 (SOURCES, CLOCKS, VENUES: one registered factory per choice)
#   _sources      DataSource, Feed; ReplaySource (bundled recording), LiveSource (exchange)
#   _core         NodeCore: risk, portfolio, context, router, timers, bars (every mode's same parts)
#   _file_source  FileSource: data files (what backtest reads) replayed into a running node
#   _node         TradingNode: lifecycle (run, stop, teardown after a partial start), NodeParts
#   _router       EventRouter: feed batches -> venue, marks, strategies; order events -> owner
#   _context      NodeContext: what a strategy sees (submit/cancel through risk, books, clock)
#   _api_view     ApiView: what the control API reads and writes (bot4.api.NodeControl)
#   _views        fixed-point state -> API views (decimal strings), recent rejections per instrument
#   _node_ops     NodeOps: Prometheus metrics, watchdog, `why`, breaker events (all bounded)
#   _durability   GroupCommit (one journal commit per event-loop turn), recovery at start
#   _report       end-of-run report, summary and the PnL history
#   _report_html  report.html (inline SVG PnL chart)
"""The trading node: market data, risk, OMS, venue and strategies on one event loop."""

from bot4.engine._bars import BarAggregator as BarAggregator
from bot4.engine._builder import build_node as build_node
from bot4.engine._core import NodeCore as NodeCore
from bot4.engine._loader import build_strategies as build_strategies
from bot4.engine._loader import load_strategy_class as load_strategy_class
from bot4.engine._node import NodeParts as NodeParts
from bot4.engine._node import TradingNode as TradingNode
from bot4.engine._report import summary as summary
from bot4.engine._router import BookIndex as BookIndex
from bot4.engine._strategy import NoConfig as NoConfig
from bot4.engine._strategy import Pnl as Pnl
from bot4.engine._strategy import Strategy as Strategy
from bot4.engine._strategy import StrategyContext as StrategyContext
from bot4.engine._timers import TimerQueue as TimerQueue
from bot4.engine.config import NodeConfig as NodeConfig
from bot4.engine.config import StrategyEntry as StrategyEntry
from bot4.engine.strategies import MarketMaker as MarketMaker
from bot4.engine.strategies import MomentumTaker as MomentumTaker

__all__ = [
    "BarAggregator",
    "BookIndex",
    "MarketMaker",
    "MomentumTaker",
    "NoConfig",
    "NodeConfig",
    "NodeCore",
    "NodeParts",
    "Pnl",
    "Strategy",
    "StrategyContext",
    "StrategyEntry",
    "TimerQueue",
    "TradingNode",
    "build_node",
    "build_strategies",
    "load_strategy_class",
    "summary",
]
