"""`MemoryNode`: a small, complete `NodeControl` kept in memory.

It is what the API's tests and the dashboard demo run against: real positions with average
price and realized/unrealized PnL, real open orders that the kill switch cancels, breakers an
operator can force open and reset, strategy decisions and rejections for `why`, and risk limits
that reload all-or-nothing. It obeys the same rules as the engine's node where the API can see
them: HALTED denies new orders (reason TRADING_HALTED), the kill switch keeps its first
who/why/when until reset, and every state change is reflected in its `NodeMetrics`.

Quantities and prices are `Decimal` here: this is the edge, where values are shown, not the
fixed-point core.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from prometheus_client import CollectorRegistry

from bot4.api._control import (
    BreakerView,
    ExecutionView,
    KillSwitchView,
    OrderView,
    PnlPoint,
    PositionView,
    RejectionView,
    ReloadResult,
    StatusView,
    TradingStateName,
)
from bot4.api._metrics import NodeMetrics
from bot4.api._watchdog import Watchdog
from bot4.clock import Clock

__all__ = ["DEFAULT_LIMITS", "MemoryNode"]

_ZERO = Decimal(0)
_ARMED: KillSwitchView = {
    "active": False,
    "reason": None,
    "who": None,
    "source": None,
    "ts_ns": None,
}
# The limits a MemoryNode knows; values are non-negative decimal strings.
DEFAULT_LIMITS: dict[str, str] = {
    "max_position": "10",
    "max_order_notional": "100000",
    "max_open_orders": "50",
    "daily_loss_limit": "5000",
}


@dataclass(slots=True)
class _Position:
    qty: Decimal = _ZERO  # signed: negative is short
    avg_price: Decimal = _ZERO  # average entry price; meaningless (kept 0) when flat
    realized: Decimal = _ZERO
    mark: Decimal | None = None  # last reference price

    def fill(self, signed_qty: Decimal, price: Decimal) -> None:
        """Apply a fill: extend at a blended price, or close (realizing PnL) and maybe flip."""
        if self.qty == 0 or (self.qty > 0) == (signed_qty > 0):
            total = abs(self.qty) + abs(signed_qty)
            self.avg_price = (abs(self.qty) * self.avg_price + abs(signed_qty) * price) / total
            self.qty += signed_qty
            return
        closed = min(abs(self.qty), abs(signed_qty))
        direction = 1 if self.qty > 0 else -1
        self.realized += closed * (price - self.avg_price) * direction
        self.qty += signed_qty
        if self.qty == 0:
            self.avg_price = _ZERO
        elif (self.qty > 0) != (direction > 0):
            self.avg_price = price  # flipped: the remainder opened at this fill's price

    @property
    def unrealized(self) -> Decimal:
        if self.qty == 0 or self.mark is None:
            return _ZERO
        return (self.mark - self.avg_price) * self.qty


@dataclass(slots=True)
class _Why:
    last_decision: str | None = None
    last_decision_ts_ns: int | None = None
    rejections: deque[RejectionView] = field(default_factory=lambda: deque(maxlen=20))


class MemoryNode:
    """A `NodeControl` over in-memory state, driven by its own methods (see the module doc)."""

    def __init__(self, clock: Clock, *, pnl_history: int = 500) -> None:
        self._clock = clock
        self.metrics = NodeMetrics(clock)
        self.watchdog = Watchdog(clock, self.metrics.on_watchdog_alert)
        self.trading_state: TradingStateName = "ACTIVE"
        self._kill: KillSwitchView = _ARMED.copy()
        self._positions: dict[str, _Position] = {}
        self._orders: dict[str, OrderView] = {}  # open orders only, by client order id
        self._breakers: dict[str, str] = {}
        # Where orders go (set it to show a live venue on the dashboard).
        self.execution: ExecutionView = {"venue": "paper", "exchange": None, "testnet": False,
                                         "real_account": False, "description": "paper"}  # fmt: skip
        self._why: dict[str, _Why] = {}
        self._history: deque[PnlPoint] = deque(maxlen=pnl_history)
        self._ids = itertools.count(1)
        self.limits: dict[str, str] = dict(DEFAULT_LIMITS)
        self.audit: list[str] = []  # operator commands, in order, as one line each

    # -- NodeControl ---------------------------------------------------------------------------

    @property
    def registry(self) -> CollectorRegistry:
        return self.metrics.registry

    def status(self) -> StatusView:
        realized = sum((p.realized for p in self._positions.values()), _ZERO)
        unrealized = sum((p.unrealized for p in self._positions.values()), _ZERO)
        return {
            "trading_state": self.trading_state,
            "positions": self.positions(),
            "open_orders": len(self._orders),
            "breakers": dict(self._breakers),
            "execution": self.execution.copy(),
            "kill_switch": dict(self._kill),  # type: ignore[typeddict-item]
            "pnl": {
                "realized": str(realized),
                "unrealized": str(unrealized),
                "total": str(realized + unrealized),
                "history": list(self._history),
            },
            "why": [
                {
                    "instrument_id": instrument,
                    "last_decision": why.last_decision,
                    "last_decision_ts_ns": why.last_decision_ts_ns,
                    "rejections": list(why.rejections),
                }
                for instrument, why in sorted(self._why.items())
            ],
            "quiet": self.watchdog.quiet(),
            "ts_ns": self._clock.time_ns(),
        }

    def positions(self) -> list[PositionView]:
        return [
            {
                "instrument_id": instrument,
                "qty": str(p.qty),
                "avg_price": str(p.avg_price),
                "mark_price": None if p.mark is None else str(p.mark),
                "realized_pnl": str(p.realized),
                "unrealized_pnl": str(p.unrealized),
            }
            for instrument, p in sorted(self._positions.items())
            if p.qty != 0
        ]

    def open_orders(self) -> list[OrderView]:
        return list(self._orders.values())

    async def kill(self, reason: str, who: str) -> KillSwitchView:
        if not self._kill["active"]:
            self._kill = {
                "active": True,
                "reason": reason,
                "who": who,
                "source": "operator",
                "ts_ns": self._clock.time_ns(),
            }
            self.metrics.on_kill_switch_trip()
        self.audit.append(f"kill by {who}: {reason}")
        self._set_trading_state("HALTED")
        for order_id in list(self._orders):
            self.cancel_order(order_id)
        return self._kill.copy()

    async def reset_kill(self, who: str) -> KillSwitchView:
        self.audit.append(f"reset-kill by {who}")
        self._kill = _ARMED.copy()
        self._set_trading_state("ACTIVE")
        return self._kill.copy()

    async def force_open_breaker(self, name: str) -> BreakerView | None:
        return self._set_breaker(name, "FORCED_OPEN")

    async def reset_breaker(self, name: str) -> BreakerView | None:
        return self._set_breaker(name, "CLOSED")

    async def reload_risk_limits(self, payload: dict[str, object] | None) -> ReloadResult:
        if payload is None:  # no config file behind this node: what is in force stays
            return {"ok": True, "errors": [], "limits": dict(self.limits)}
        errors: list[str] = []
        new = dict(self.limits)
        for key, value in payload.items():
            if key not in DEFAULT_LIMITS:
                errors.append(f"risk.{key}: unknown key (known: {', '.join(DEFAULT_LIMITS)})")
                continue
            number = _as_decimal(value)
            if number is None or number < 0:
                errors.append(f"risk.{key}: must be a number >= 0, got {value!r}")
                continue
            new[key] = str(number)
        if errors:
            return {"ok": False, "errors": errors, "limits": dict(self.limits)}
        self.limits = new
        self.audit.append("risk limits reloaded")
        return {"ok": True, "errors": [], "limits": dict(new)}

    # -- driving the node (what the engine would do) --------------------------------------------

    def add_breaker(self, name: str, state: str = "CLOSED") -> None:
        self._breakers[name] = state
        self.metrics.set_breaker_state(name, state)

    def decide(self, instrument_id: str, decision: str) -> None:
        """Record the strategy's latest decision for `instrument_id`."""
        why = self._why.setdefault(instrument_id, _Why())
        why.last_decision = decision
        why.last_decision_ts_ns = self._clock.time_ns()

    def submit_order(
        self,
        instrument_id: str,
        side: Literal["BUY", "SELL"],
        qty: str,
        price: str | None,
        strategy_id: str = "demo",
    ) -> str | None:
        """Submit an order; returns its id, or None when denied (recorded as a risk rejection)."""
        order_id = f"O-{next(self._ids)}"
        if self.trading_state == "HALTED":
            self.reject(instrument_id, order_id, "risk", "TRADING_HALTED", "the kill switch is on")
            return None
        self._orders[order_id] = {
            "client_order_id": order_id,
            "instrument_id": instrument_id,
            "side": side,
            "order_type": "MARKET" if price is None else "LIMIT",
            "qty": qty,
            "filled_qty": "0",
            "price": price,
            "state": "ACCEPTED",
            "strategy_id": strategy_id,
            "ts_init_ns": self._clock.time_ns(),
        }
        self._order_metrics()
        return order_id

    def fill(self, order_id: str, qty: str, price: str) -> None:
        """Fill `qty` of an open order at `price`; a completely filled order leaves the book."""
        order = self._orders[order_id]
        filled = Decimal(order["filled_qty"]) + Decimal(qty)
        signed = Decimal(qty) if order["side"] == "BUY" else -Decimal(qty)
        position = self._positions.setdefault(order["instrument_id"], _Position())
        position.fill(signed, Decimal(price))
        if filled >= Decimal(order["qty"]):
            del self._orders[order_id]
        else:
            self._orders[order_id] = order | {
                "filled_qty": str(filled),
                "state": "PARTIALLY_FILLED",
            }
        self._order_metrics()
        self._record_pnl()

    def cancel_order(self, order_id: str) -> None:
        self._orders.pop(order_id, None)
        self._order_metrics()

    def mark(self, instrument_id: str, price: str) -> None:
        """A new reference price: moves unrealized PnL and adds a point to the PnL history."""
        self._positions.setdefault(instrument_id, _Position()).mark = Decimal(price)
        self._record_pnl()

    def reject(
        self,
        instrument_id: str,
        order_id: str,
        source: Literal["risk", "venue"],
        reason: str,
        detail: str,
    ) -> None:
        """Record that risk denied or the venue rejected `order_id`, for `why` and the metrics."""
        why = self._why.setdefault(instrument_id, _Why())
        why.rejections.append(
            {
                "client_order_id": order_id,
                "source": source,
                "reason": reason,
                "detail": detail,
                "ts_ns": self._clock.time_ns(),
            }
        )
        if source == "risk":
            self.metrics.on_risk_denial(reason)
        else:
            self.metrics.on_venue_rejection("memory", reason)
        if self._orders.pop(order_id, None) is not None:
            self._order_metrics()

    # -- internals -----------------------------------------------------------------------------

    def _set_trading_state(self, state: TradingStateName) -> None:
        self.trading_state = state
        self.metrics.set_trading_state(state)

    def _set_breaker(self, name: str, state: str) -> BreakerView | None:
        if name not in self._breakers:
            return None
        self.audit.append(f"breaker {name} -> {state}")
        self.add_breaker(name, state)
        return {"name": name, "state": state}

    def _order_metrics(self) -> None:
        counts: dict[str, int] = {}
        for order in self._orders.values():
            counts[order["state"]] = counts.get(order["state"], 0) + 1
        self.metrics.set_orders_by_state(counts)

    def _record_pnl(self) -> None:
        total = sum((p.realized + p.unrealized for p in self._positions.values()), _ZERO)
        self._history.append({"ts_ns": self._clock.time_ns(), "total": str(total)})


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
