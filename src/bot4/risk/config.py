"""Risk limits: per-instrument and global, frozen Structs decoded from the TOML `[risk]` table.

Every limit is optional (None = not enforced) except where failing closed needs a value (the
collar, the reference age). Quantities are decimal base-asset amounts ("0.5" BTC) and money is
decimal account-currency amounts ("50000" USDT): `Decimal` lives here, at the edge; the engine
compiles them into ints of each instrument's units once, at load and at each reload.
`validate_config` lists every problem at once; the engine refuses a config with any.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import msgspec

from bot4.model import AccountType

__all__ = [
    "InstrumentLimits",
    "KillSwitchConfig",
    "RiskConfig",
    "TradingState",
    "validate_config",
]


class TradingState(Enum):
    """What new orders may do; enforced first in `RiskEngine.check`."""

    ACTIVE = "ACTIVE"  # normal trading (initial state; after a kill-switch reset)
    REDUCING = "REDUCING"  # set by an operator: only orders that shrink a position pass
    HALTED = "HALTED"  # the kill switch tripped: only cancels and exits (reduce-only) pass


class InstrumentLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Limits of one instrument; in `RiskConfig.instruments` a None field takes the default's."""

    tradable: bool | None = None  # operator switch; False denies new orders (default True)
    max_order_qty: Decimal | None = None  # base asset per order
    max_order_notional: Decimal | None = None  # account currency per order
    max_position: Decimal | None = None  # |position + same-side open orders + order|, base asset
    max_open_orders: int | None = None  # open orders on this instrument
    collar_bps: int | None = None  # limit price within this many bps of the reference (def. 500)
    reference_max_age_ms: int | None = None  # an older reference price denies (default 5000)
    orders_per_s: float | None = None  # token bucket refill for new orders
    order_burst: int | None = None  # token bucket size (default: max(1, orders_per_s))
    cancels_per_s: float | None = None  # token bucket refill for cancels (ACTIVE state only)
    cancel_burst: int | None = None


class KillSwitchConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the emergency stop behaves once tripped."""

    rearm_after_s: float | None = None  # re-arm by itself after this cool-down; None = never
    flatten: bool = False  # also close every position with reduce-only market orders


class RiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Global limits plus per-instrument defaults and overrides."""

    account_type: AccountType = AccountType.CASH  # every limit applies to both kinds
    account_currency: str = "USDT"  # exposures are summed in it; other quotes are not tradable
    account_precision: int = 8  # decimals of account units (`on_equity` takes them)
    trading_state: TradingState = TradingState.ACTIVE  # the operator's state at start
    defaults: InstrumentLimits = InstrumentLimits()  # for every instrument
    instruments: dict[str, InstrumentLimits] = {}  # by instrument id, "BINANCE:BTCUSDT"
    max_open_orders: int | None = None  # over all instruments
    orders_per_s: float | None = None  # global token bucket for new orders
    order_burst: int | None = None
    cancels_per_s: float | None = None  # global token bucket for cancels
    cancel_burst: int | None = None
    max_gross_exposure: Decimal | None = None  # sum |positions| + open orders + order
    max_net_exposure: Decimal | None = None  # |net positions + same-direction open + order|
    max_correlated_exposure: Decimal | None = None  # sqrt(wᵀ C w) with the order, account ccy
    correlation_window: int = 120  # return samples in the rolling window
    correlation_min_samples: int = 30  # before this many, assume every pair fully correlated
    max_daily_loss: Decimal | None = None  # loss since the UTC day's start equity; trips the stop
    max_drawdown_bps: int | None = None  # drop from the equity peak, bps of the peak; trips it
    duplicate_window_ms: int = 1000  # identical orders within this window are duplicates
    closed_id_memory_s: float = 3600.0  # a closed order's client id stays "used" this long ...
    closed_id_memory_max: int = 100_000  # ... and at most this many (oldest forgotten first)
    self_trade_prevention: bool = True  # deny an order crossing our own resting order
    allowed_unknown_filters: tuple[str, ...] = ()  # filter types the operator accepts unseen
    kill_switch: KillSwitchConfig = KillSwitchConfig()


def _nonneg(problems: list[str], key: str, value: object) -> None:
    if value is not None and not (isinstance(value, int | float | Decimal) and value >= 0):
        problems.append(f"{key}: must be >= 0, got {value!r}")


def _positive(problems: list[str], key: str, value: object) -> None:
    if value is not None and not (isinstance(value, int | float | Decimal) and value > 0):
        problems.append(f"{key}: must be > 0, got {value!r}")


def _check_limits(problems: list[str], prefix: str, lim: InstrumentLimits) -> None:
    for name in ("max_order_qty", "max_order_notional", "max_position", "max_open_orders"):
        _nonneg(problems, f"{prefix}.{name}", getattr(lim, name))
    for name in ("collar_bps", "reference_max_age_ms"):
        _positive(problems, f"{prefix}.{name}", getattr(lim, name))
    for name in ("orders_per_s", "order_burst", "cancels_per_s", "cancel_burst"):
        _positive(problems, f"{prefix}.{name}", getattr(lim, name))


def validate_config(config: RiskConfig, known_instruments: set[str] | None = None) -> list[str]:
    """Every problem with `config` as "key: what is wrong"; empty when it can be used."""
    problems: list[str] = []
    _check_limits(problems, "defaults", config.defaults)
    for iid, lim in config.instruments.items():
        _check_limits(problems, f"instruments.{iid}", lim)
        if known_instruments is not None and iid not in known_instruments:
            problems.append(f"instruments.{iid}: unknown instrument")
    for name in ("max_open_orders", "max_gross_exposure", "max_net_exposure"):
        _nonneg(problems, name, getattr(config, name))
    for name in ("max_correlated_exposure", "max_daily_loss", "max_drawdown_bps"):
        _nonneg(problems, name, getattr(config, name))
    for name in ("orders_per_s", "order_burst", "cancels_per_s", "cancel_burst"):
        _positive(problems, name, getattr(config, name))
    if not 0 <= config.account_precision <= 18:
        problems.append(f"account_precision: must be 0..18, got {config.account_precision}")
    if config.correlation_window < 2:
        problems.append(f"correlation_window: must be >= 2, got {config.correlation_window}")
    if not 2 <= config.correlation_min_samples <= config.correlation_window:
        problems.append(
            "correlation_min_samples: must be in 2..correlation_window, "
            f"got {config.correlation_min_samples}"
        )
    _positive(problems, "closed_id_memory_s", config.closed_id_memory_s)
    _positive(problems, "closed_id_memory_max", config.closed_id_memory_max)
    if config.duplicate_window_ms < 0:
        problems.append(f"duplicate_window_ms: must be >= 0, got {config.duplicate_window_ms}")
    if config.max_drawdown_bps is not None and config.max_drawdown_bps > 10_000:
        problems.append(f"max_drawdown_bps: must be <= 10000, got {config.max_drawdown_bps}")
    _positive(problems, "kill_switch.rearm_after_s", config.kill_switch.rearm_after_s)
    if config.trading_state is TradingState.HALTED:
        problems.append("trading_state: HALTED is reached by tripping the kill switch, not config")
    return problems
