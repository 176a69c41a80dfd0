# bot4.engine: the trading node, assembled from parts. Depends on every core package and on
# bot4.api's public names (the node answers the control API); never on bot4.config.
#   config        NodeConfig (the node's whole config, defaults for everything)
#   _strategy     Strategy base class, StrategyContext protocol
#   strategies    MarketMaker, MomentumTaker (sample strategies)
#   _builder      build_node: data source, clock, venue, feed and strategies from the config
#                 (SOURCES, CLOCKS, VENUES: one registered factory per choice)
#   _sources      DataSource, Feed; ReplaySource (bundled recording), LiveSource (exchange)
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

from bot4.engine._builder import build_node as build_node
from bot4.engine._node import NodeParts as NodeParts
from bot4.engine._node import TradingNode as TradingNode
from bot4.engine._report import summary as summary
from bot4.engine._strategy import Strategy as Strategy
from bot4.engine._strategy import StrategyContext as StrategyContext
from bot4.engine.config import NodeConfig as NodeConfig
from bot4.engine.strategies import MarketMaker as MarketMaker
from bot4.engine.strategies import MomentumTaker as MomentumTaker

__all__ = [
    "MarketMaker",
    "MomentumTaker",
    "NodeConfig",
    "NodeParts",
    "Strategy",
    "StrategyContext",
    "TradingNode",
    "build_node",
    "summary",
]
