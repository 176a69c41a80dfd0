"""What the control API needs from a running node: the `NodeControl` protocol and its views.

The API never imports the engine: `TradingNode` implements `NodeControl`, and so does the small
in-memory node the tests and the dashboard demo use. The views are `TypedDict`s, so the node
builds plain dicts that mypy checks, FastAPI validates them on the way out and the OpenAPI
schema describes them exactly.

Numbers that are fixed-point ints inside the core leave the process as decimal strings
("0.015"), never floats: a JSON float cannot carry a price exactly. Times are int nanoseconds
since the Unix epoch (`*_ns`, wall clock, for display).

Reads (`status`, `positions`, `open_orders`) are synchronous and cheap: they copy current state.
Commands are coroutines because the node must journal them before it answers (DESIGN.md,
"nothing leaves the process as acknowledged before the commit that holds it returns").
"""

from __future__ import annotations

from typing import Literal, Protocol

from prometheus_client import CollectorRegistry
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

__all__ = [
    "BreakerView",
    "ExecutionView",
    "KillSwitchView",
    "NodeControl",
    "OrderView",
    "PnlPoint",
    "PnlView",
    "PositionView",
    "QuietView",
    "RejectionView",
    "ReloadResult",
    "StatusView",
    "TradingStateName",
    "WhyView",
]

# ACTIVE: new orders allowed; REDUCING: only orders that shrink a position; HALTED: no new
# orders (cancels still go out) — after the kill switch or a daily-loss / global-breaker trip.
TradingStateName = Literal["ACTIVE", "REDUCING", "HALTED"]


class PositionView(TypedDict):
    """One instrument's position; `qty` is signed (negative = short)."""

    instrument_id: str
    qty: str
    avg_price: str | None  # None when flat
    mark_price: str | None  # the reference price used for unrealized PnL; None when unknown
    realized_pnl: str
    unrealized_pnl: str


class OrderView(TypedDict):
    """One open order as the OMS sees it."""

    client_order_id: str
    instrument_id: str
    side: Literal["BUY", "SELL"]
    order_type: str  # LIMIT, MARKET, STOP_LIMIT
    qty: str
    filled_qty: str
    price: str | None  # None for market orders
    state: str  # the OMS order state, e.g. SUBMITTED, ACCEPTED, PARTIALLY_FILLED
    strategy_id: str
    ts_init_ns: int


class RejectionView(TypedDict):
    """Why a recent order did not go out or rest: risk denied it or the venue rejected it."""

    client_order_id: str
    source: Literal["risk", "venue"]
    reason: str  # DenyReason name for risk, the venue's code for the venue
    detail: str
    ts_ns: int


class WhyView(TypedDict):
    """Per instrument, the answer to "running but not trading": what the strategy last decided
    and why recent orders were refused."""

    instrument_id: str
    last_decision: str | None  # the strategy's own words, e.g. "quote 100.1/100.3 skew -2"
    last_decision_ts_ns: int | None
    rejections: list[RejectionView]  # most recent last, bounded by the node


class QuietView(TypedDict):
    """A feed or strategy silent for longer than the watchdog allows (until it speaks again)."""

    component: str  # "feed:binance", "strategy:mm"
    quiet_s: float  # seconds since it last showed life
    limit_s: float  # the configured limit it exceeded


class KillSwitchView(TypedDict):
    """The kill switch: who tripped it, why and when (survives restart until reset)."""

    active: bool
    reason: str | None
    who: str | None
    source: (
        str | None
    )  # "operator", "daily_loss", "drawdown", "breaker:<name>" (KillTrigger.source)
    ts_ns: int | None  # wall clock of the first trigger


class BreakerView(TypedDict):
    """One circuit breaker after an operator command."""

    name: str
    state: str  # CLOSED, OPEN, HALF_OPEN, FORCED_OPEN, DISABLED, METRICS_ONLY


class PnlPoint(TypedDict):
    ts_ns: int
    total: str


class PnlView(TypedDict):
    """Account PnL in the quote currency; `history` is a bounded, downsampled series for charts."""

    realized: str
    unrealized: str
    total: str
    history: list[PnlPoint]


class ExecutionView(TypedDict):
    """Where the node's orders go: the paper venue or an exchange, and whether real money."""

    venue: str  # "paper", "binance", "ccxt"
    exchange: str | None  # the ccxt exchange id; None otherwise
    testnet: bool  # the exchange's test network (no real money)
    real_account: bool  # orders reach an account with real money (the dashboard shows it red)
    description: str  # one line: "paper", "binance (testnet)", "ccxt:kraken (REAL ACCOUNT)"


class StatusView(TypedDict):
    """`GET /status`: the contract other tools read (issue 7, "CLI and API contract")."""

    trading_state: TradingStateName
    positions: list[PositionView]
    open_orders: int  # a count; the orders themselves are at GET /orders
    breakers: dict[str, str]  # breaker name -> state; "global" is derived from the others
    execution: ExecutionView  # the execution venue
    kill_switch: KillSwitchView
    pnl: PnlView
    why: list[WhyView]
    quiet: list[QuietView]  # the watchdog's current alerts; empty when all is well
    ts_ns: int  # when this view was taken


class ReloadResult(TypedDict):
    """The outcome of reloading risk limits: all applied, or none (with one line per problem)."""

    ok: bool
    errors: list[str]  # "risk.instruments.BTCUSDT.max_position: must be >= 0"
    limits: dict[str, object]  # the limits in force after the call


class NodeControl(Protocol):
    """The operator's view of a running node; `TradingNode` implements it."""

    @property
    def registry(self) -> CollectorRegistry:
        """The node's own Prometheus registry (never the global one), served at /metrics."""
        ...

    def status(self) -> StatusView:
        """A consistent snapshot of the node's state, including the per-instrument `why`."""
        ...

    def positions(self) -> list[PositionView]:
        """All non-flat positions."""
        ...

    def open_orders(self) -> list[OrderView]:
        """Orders still working at the venue or on their way to it."""
        ...

    async def kill(self, reason: str, who: str) -> KillSwitchView:
        """Trip the kill switch: HALTED, all open orders cancelled, journaled.

        Idempotent: tripping a tripped switch keeps the first who/why/when.
        """
        ...

    async def reset_kill(self, who: str) -> KillSwitchView:
        """Reset the kill switch (journaled); trading resumes as ACTIVE."""
        ...

    async def force_open_breaker(self, name: str) -> BreakerView | None:
        """Force a breaker open (operator override); None when no breaker has that name."""
        ...

    async def reset_breaker(self, name: str) -> BreakerView | None:
        """Return a breaker to CLOSED with an empty window; None when no breaker has that name."""
        ...

    async def reload_risk_limits(self, payload: dict[str, object] | None) -> ReloadResult:
        """Apply new risk limits atomically, validated like the config file's `risk` section.

        `payload` is that section as JSON; None means "re-read the config file".
        """
        ...
