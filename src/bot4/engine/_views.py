"""Views of the node's state for the control API (decimal strings, never floats).

Pure functions over the OMS, portfolio and kill switch, so the node stays small and the
conversions (fixed-point ints -> decimal strings) live in one place.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from bot4.api import KillSwitchView, OrderView, PositionView, RejectionView

if TYPE_CHECKING:
    from bot4.model import Instrument, InstrumentId
    from bot4.oms import Order, OrderManager, Portfolio
    from bot4.risk import KillSwitch

__all__ = ["RecentRejections", "account_str", "kill_view", "order_views", "position_views"]


class RecentRejections:
    """Per instrument, the latest orders risk denied or the venue rejected (bounded deques),
    for `bot4 status --why`; `dropped` counts those pushed out by newer ones."""

    def __init__(self, per_instrument: int = 20) -> None:
        self.per_instrument = per_instrument
        self._by_instrument: dict[InstrumentId, deque[RejectionView]] = {}
        self.dropped = 0

    def add(
        self,
        order: Order,
        source: Literal["risk", "venue"],
        reason: str,
        detail: str,
        ts_ns: int,
    ) -> None:
        recent = self._by_instrument.get(order.instrument_id)
        if recent is None:
            recent = self._by_instrument[order.instrument_id] = deque(maxlen=self.per_instrument)
        elif len(recent) == self.per_instrument:
            self.dropped += 1
        recent.append(
            {
                "client_order_id": str(order.client_order_id),
                "source": source,
                "reason": reason,
                "detail": detail,
                "ts_ns": ts_ns,
            }
        )

    def get(self, instrument_id: InstrumentId) -> list[RejectionView]:
        """Oldest first."""
        return list(self._by_instrument.get(instrument_id, ()))


_CENTS = Decimal("0.01")


def account_str(value: int, precision: int) -> str:
    """An account-unit int (10**-precision of the quote currency) as an exact decimal string.

    Plain notation without the scale's trailing zeros but with at least two decimals: account
    units are 10**-16 (8+8-decimal notionals held exactly), and "0E-16" or
    "-0.7498252000000000" are not what a trader reads; no digit of the value is dropped.
    """
    d = Decimal(value).scaleb(-precision).normalize()
    exponent = d.as_tuple().exponent  # an int: the value is finite
    return format(d.quantize(_CENTS) if isinstance(exponent, int) and exponent > -2 else d, "f")


def _notional_str(value: int, inst: Instrument) -> str:
    return account_str(value, inst.price_precision + inst.size_precision)


def position_views(
    portfolio: Portfolio, instruments: Mapping[InstrumentId, Instrument]
) -> list[PositionView]:
    """Every position that traded: open, or flat with realized PnL or fees paid.

    (A round trip at one price is flat with no realized PnL, but its fees are a loss the
    report's totals include: hiding it would leave the totals unexplained.)
    """
    views: list[PositionView] = []
    for iid, pos in sorted(portfolio.positions.items()):
        if pos.qty == 0 and pos.realized_pnl == 0 and pos.fees == 0:
            continue
        inst = instruments[iid]
        avg = pos.avg_entry_price
        views.append(
            {
                "instrument_id": str(iid),
                "qty": inst.qty_str(pos.qty),
                "avg_price": None if avg is None else inst.price_str(avg),
                "mark_price": None if pos.mark_price is None else inst.price_str(pos.mark_price),
                "realized_pnl": _notional_str(pos.realized_pnl, inst),
                "unrealized_pnl": _notional_str(pos.unrealized_pnl, inst),
            }
        )
    return views


def order_views(
    oms: OrderManager, instruments: Mapping[InstrumentId, Instrument]
) -> list[OrderView]:
    views: list[OrderView] = []
    for order in oms.open_orders():
        inst = instruments[order.instrument_id]
        views.append(
            {
                "client_order_id": str(order.client_order_id),
                "instrument_id": str(order.instrument_id),
                "side": "BUY" if order.side.name == "BUY" else "SELL",
                "order_type": order.order_type.name,
                "qty": inst.qty_str(order.qty),
                "filled_qty": inst.qty_str(order.filled_qty),
                "price": None if order.price is None else inst.price_str(order.price),
                "state": order.status.name,
                "strategy_id": order.strategy_id,
                "ts_init_ns": order.ts_init,
            }
        )
    return views


def kill_view(kill_switch: KillSwitch) -> KillSwitchView:
    """The first trigger names who, why and when (later trips keep it)."""
    first = kill_switch.triggers[0] if kill_switch.tripped and kill_switch.triggers else None
    return {
        "active": kill_switch.tripped,
        "reason": None if first is None else first.reason,
        "who": None if first is None else first.by,
        "source": None if first is None else first.source,
        "ts_ns": None if first is None else first.wall_ns,
    }
