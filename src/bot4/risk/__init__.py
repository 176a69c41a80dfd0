# bot4.risk: pre-trade checks and the emergency stop; depends on bot4.model, bot4.clock,
# bot4.errors, and numpy only once a correlated-exposure limit is configured.
#   config        RiskConfig, InstrumentLimits, KillSwitchConfig, TradingState (frozen Structs)
#   _decision     Accepted / Denied(DenyReason, detail)
#   _slot         one instrument's compiled limits + live state (the hot path's only object)
#   _ledger       open orders, closed ids, identical-order keys, positions, exposure headroom
#   _equity       LossGuard: daily loss / drawdown from equity updates (trips the kill switch)
#   _correlated   CorrelatedExposure: w, Cw, wᵀCw for the correlated check (numpy)
#   correlation   RollingCorrelation (numpy), updated off the order path
#   checks/       every check once, as a small function, in order (CHECKS)
#   _ast_tools    AST rewrites for inlining: fold, unguard, merge guards, dead stores
#   _compile      CHECKS inlined into the engine's reference and fast path, built per engine
#   engine        RiskEngine: composes the above; check, check_replace, check_cancel, hooks
#   kill_switch   KillSwitch, its events, state save/restore, breaker wiring
# checks -> _ledger, _slot, _decision; _compile -> checks, _ast_tools; _correlated ->
# correlation (numpy); engine -> all of them (_correlated imported only when configured).
# Re-exports are lazy: `import bot4.risk` loads no numpy (nor asyncio or sockets).
"""Bot4's pre-trade risk engine, correlation limits and kill switch."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# public name -> the module defining it (imported on first access)
_WHERE = {
    "ACCEPTED": "_decision",
    "Accepted": "_decision",
    "Decision": "_decision",
    "Denied": "_decision",
    "DenyReason": "_decision",
    "InstrumentLimits": "config",
    "KillSwitch": "kill_switch",
    "KillSwitchConfig": "config",
    "KillSwitchEvent": "kill_switch",
    "KillSwitchReset": "kill_switch",
    "KillSwitchState": "kill_switch",
    "KillSwitchTripped": "kill_switch",
    "KillTrigger": "kill_switch",
    "RiskConfig": "config",
    "RiskEngine": "engine",
    "RollingCorrelation": "correlation",
    "TradingState": "config",
    "validate_config": "config",
    "wire_breaker": "kill_switch",
}

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
    "wire_breaker",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'bot4.risk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bot4.risk.{module}"), name)
    globals()[name] = value  # once: later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
