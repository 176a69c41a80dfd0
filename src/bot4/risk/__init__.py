# bot4.risk: pre-trade checks and the emergency stop; depends on bot4.model, bot4.clock, numpy.
#   config        RiskConfig, InstrumentLimits, KillSwitchConfig, TradingState (frozen Structs)
#   _decision     Accepted / Denied(DenyReason, detail)
#   _slot         one instrument's compiled limits + live state (the hot path's only object)
#   _state        hooks the OMS calls: open orders, fills, prices, equity, correlation weights
#   _general      the reference check for any order (market, stop, exits, REDUCING/HALTED)
#   engine        RiskEngine: check (the fast path for LIMIT orders while ACTIVE), check_cancel
#   correlation   RollingCorrelation (numpy), updated off the order path
#   kill_switch   KillSwitch, its events, state save/restore, breaker wiring
"""Bot4's pre-trade risk engine, correlation limits and kill switch."""

from bot4.risk._decision import ACCEPTED as ACCEPTED
from bot4.risk._decision import Accepted as Accepted
from bot4.risk._decision import Decision as Decision
from bot4.risk._decision import Denied as Denied
from bot4.risk._decision import DenyReason as DenyReason
from bot4.risk.config import InstrumentLimits as InstrumentLimits
from bot4.risk.config import KillSwitchConfig as KillSwitchConfig
from bot4.risk.config import RiskConfig as RiskConfig
from bot4.risk.config import TradingState as TradingState
from bot4.risk.config import validate_config as validate_config
from bot4.risk.correlation import RollingCorrelation as RollingCorrelation
from bot4.risk.engine import RiskEngine as RiskEngine
from bot4.risk.kill_switch import KillSwitch as KillSwitch
from bot4.risk.kill_switch import KillSwitchEvent as KillSwitchEvent
from bot4.risk.kill_switch import KillSwitchReset as KillSwitchReset
from bot4.risk.kill_switch import KillSwitchState as KillSwitchState
from bot4.risk.kill_switch import KillSwitchTripped as KillSwitchTripped
from bot4.risk.kill_switch import KillTrigger as KillTrigger
from bot4.risk.kill_switch import wire_breaker as wire_breaker

__all__ = [
    "ACCEPTED",
    "Accepted",
    "Decision",
    "Denied",
    "DenyReason",
    "InstrumentLimits",
    "KillSwitch",
    "KillSwitchConfig",
    "KillSwitchEvent",
    "KillSwitchReset",
    "KillSwitchState",
    "KillSwitchTripped",
    "KillTrigger",
    "RiskConfig",
    "RiskEngine",
    "RollingCorrelation",
    "TradingState",
    "validate_config",
]
