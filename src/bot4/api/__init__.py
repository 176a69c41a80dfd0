# bot4.api: the operator's side of a running node; depends on clock, errors and the
# NodeControl protocol only (never on the engine, which implements that protocol).
#   _control   NodeControl protocol and the JSON views it returns
"""Control API, Prometheus metrics and dashboard of a running Bot4 node."""

from bot4.api._control import BreakerView as BreakerView
from bot4.api._control import KillSwitchView as KillSwitchView
from bot4.api._control import NodeControl as NodeControl
from bot4.api._control import OrderView as OrderView
from bot4.api._control import PnlPoint as PnlPoint
from bot4.api._control import PnlView as PnlView
from bot4.api._control import PositionView as PositionView
from bot4.api._control import RejectionView as RejectionView
from bot4.api._control import ReloadResult as ReloadResult
from bot4.api._control import StatusView as StatusView
from bot4.api._control import TradingStateName as TradingStateName
from bot4.api._control import WhyView as WhyView

__all__ = [
    "BreakerView",
    "KillSwitchView",
    "NodeControl",
    "OrderView",
    "PnlPoint",
    "PnlView",
    "PositionView",
    "RejectionView",
    "ReloadResult",
    "StatusView",
    "TradingStateName",
    "WhyView",
]
