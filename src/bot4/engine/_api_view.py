"""ApiView: the node as the control API sees it (implements `bot4.api.NodeControl`).

Reads are views in decimal strings (`_views`); every write an operator makes (kill, reset,
breakers) is durable before the API answers: `persist` waits for the kill switch's saved state
and the journal's commit. A risk-limit reload is checked by `parse_risk` (the config layer
passes its own checker, whose errors name the key) and then by the risk engine itself.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, cast

import msgspec

from bot4.engine._views import account_str, kill_view, order_views, position_views
from bot4.errors import ConfigError
from bot4.risk import RiskConfig

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from bot4.api import (
        BreakerView,
        ExecutionView,
        KillSwitchView,
        OrderView,
        PnlPoint,
        PositionView,
        ReloadResult,
        StatusView,
    )
    from bot4.clock import Clock
    from bot4.engine._context import NodeContext
    from bot4.engine._node_ops import NodeOps
    from bot4.engine._report import PnlHistory
    from bot4.model import Instrument, InstrumentId
    from bot4.oms import OrderManager, Portfolio
    from bot4.resilience import CircuitBreaker, GlobalCircuitBreaker
    from bot4.risk import RiskEngine
    from bot4.venues import ExecutionConfig

__all__ = ["ACCOUNT_PRECISION", "ApiView", "RiskParser", "convert_risk"]

ACCOUNT_PRECISION = 16  # Portfolio's account units: holds 8+8-decimal notionals exactly
# A risk table from the API -> RiskConfig; raises ConfigError naming what is wrong.
RiskParser = Callable[[Mapping[str, object]], RiskConfig]


def convert_risk(payload: Mapping[str, object]) -> RiskConfig:
    """The structural check alone (msgspec's message); `bot4 run` passes the config layer's."""
    try:
        return msgspec.convert(payload, RiskConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"reload: {exc}") from None


class ApiView:
    """Status, positions, orders and the operator's commands (see the module docstring)."""

    def __init__(
        self,
        *,
        clock: Clock,
        instruments: Mapping[InstrumentId, Instrument],
        risk: RiskEngine,
        risk_config: RiskConfig,
        portfolio: Portfolio,
        breakers: Mapping[str, CircuitBreaker],
        context: NodeContext,
        ops: NodeOps,
        pnl_history: PnlHistory,
        persist: Callable[[], Coroutine[Any, Any, None]],
        parse_risk: RiskParser,
        global_breaker: GlobalCircuitBreaker,
        execution: ExecutionConfig,
    ) -> None:
        self._clock = clock
        self._instruments = instruments
        self._risk = risk
        self.risk_config = risk_config  # the limits in force (replaced by a good reload)
        self._portfolio = portfolio
        self._breakers = breakers
        self._context = context  # the strategies' decisions (--why)
        self._ops = ops
        self._pnl_history = pnl_history
        self._persist = persist
        self._parse_risk = parse_risk
        self._global = global_breaker  # derived from the others: listed, not operable
        self._execution = execution
        self.oms: OrderManager | None = None  # set at run, after recovery

    @property
    def registry(self) -> CollectorRegistry:
        return self._ops.metrics.registry

    def pnl(self) -> tuple[str, str, str]:
        """Realized (net of fees), unrealized and total PnL as decimal strings."""
        p = self._portfolio
        realized = p.realized_pnl() - p.fees()
        unrealized = p.unrealized_pnl()
        return (
            account_str(realized, ACCOUNT_PRECISION),
            account_str(unrealized, ACCOUNT_PRECISION),
            account_str(realized + unrealized, ACCOUNT_PRECISION),
        )

    def status(self) -> StatusView:
        realized, unrealized, total = self.pnl()
        decisions = self._context.decisions
        recent = self._ops.recent_rejections
        return {
            "trading_state": self._risk.trading_state.name,  # type: ignore[typeddict-item]
            "positions": self.positions(),
            "open_orders": 0 if self.oms is None else self.oms.open_order_count(),
            "breakers": self.breaker_states(),
            "execution": self.execution(),
            "kill_switch": kill_view(self._risk.kill_switch),
            "pnl": {
                "realized": realized,
                "unrealized": unrealized,
                "total": total,
                "history": cast("list[PnlPoint]", self._pnl_history.points()),
            },
            "why": [
                {
                    "instrument_id": str(iid),
                    "last_decision": decisions.get(iid, (None, None))[0],
                    "last_decision_ts_ns": decisions.get(iid, (None, None))[1],
                    "rejections": recent.get(iid),
                }
                for iid in self._instruments
            ],
            "quiet": self._ops.watchdog.quiet(),
            "ts_ns": self._clock.time_ns(),
        }

    def breaker_states(self) -> dict[str, str]:
        """Every breaker's state by name, the global one ("global") included."""
        states = {n: b.state.name for n, b in self._breakers.items()}
        states[self._global.name] = self._global.state.name
        return states

    def execution(self) -> ExecutionView:
        """Which venue the orders go to, and whether it is an account with real money."""
        e = self._execution
        return {
            "venue": e.venue,
            "exchange": e.exchange,
            "testnet": e.testnet,
            "real_account": e.real_account,
            "description": e.describe(),
        }

    def positions(self) -> list[PositionView]:
        return position_views(self._portfolio, self._instruments)

    def open_orders(self) -> list[OrderView]:
        return [] if self.oms is None else order_views(self.oms, self._instruments)

    async def kill(self, reason: str, who: str) -> KillSwitchView:
        self._risk.kill_switch.trip(reason, source="operator", by=who)
        await self._persist()
        return kill_view(self._risk.kill_switch)

    async def reset_kill(self, who: str) -> KillSwitchView:
        self._risk.kill_switch.reset(who)
        await self._persist()
        return kill_view(self._risk.kill_switch)

    async def force_open_breaker(self, name: str) -> BreakerView | None:
        breaker = self._breakers.get(name)
        if breaker is None:
            return None
        breaker.force_open()
        return {"name": name, "state": breaker.state.name}

    async def reset_breaker(self, name: str) -> BreakerView | None:
        breaker = self._breakers.get(name)
        if breaker is None:
            return None
        breaker.reset()
        return {"name": name, "state": breaker.state.name}

    async def reload_risk_limits(self, payload: dict[str, object] | None) -> ReloadResult:
        current = self.risk_config
        if payload is None:
            errors = ["no config file to re-read: send the risk table as JSON"]
        else:
            try:
                new = self._parse_risk(payload)
            except ConfigError as exc:
                errors = [str(exc)]
            else:
                errors = self._risk.reload(new)
                if not errors:
                    current = self.risk_config = new
        limits = msgspec.to_builtins(current)
        return {"ok": not errors, "errors": errors, "limits": limits}
