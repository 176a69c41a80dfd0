# bot4.engine: the trading node that wires market data, risk, OMS, paper venue and strategies.
#   _strategy   Strategy base class, StrategyContext protocol
#   strategies  MarketMaker, MomentumTaker (sample strategies)
#   config      NodeConfig (the node's whole config, defaults for everything)
#   _views      fixed-point state -> API views (decimal strings), recent rejections per instrument
#   _report     end-of-run report, summary and the PnL history
#   _report_html  report.html (inline SVG PnL chart)
#   _tui        live terminal view and plain status lines for bot4 run
#   _durability GroupCommit (one journal commit per event-loop turn), recovery at start
#   _node_ops   NodeOps: Prometheus metrics, watchdog, `why`, breaker events (all bounded)
#   _node       TradingNode (implements bot4.api.NodeControl)
#   _cli        `bot4 run`
"""The trading node: `bot4 run` paper-trades the bundled replay through risk and the OMS."""

from bot4.engine._node import TradingNode as TradingNode
from bot4.engine._strategy import Strategy as Strategy
from bot4.engine._strategy import StrategyContext as StrategyContext
from bot4.engine.config import NodeConfig as NodeConfig
from bot4.engine.strategies import MarketMaker as MarketMaker
from bot4.engine.strategies import MomentumTaker as MomentumTaker

__all__ = [
    "MarketMaker",
    "MomentumTaker",
    "NodeConfig",
    "Strategy",
    "StrategyContext",
    "TradingNode",
]
