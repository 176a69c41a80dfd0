"""Journal records projected into queryable tables: orders, fills, risk decisions, emergency stop.

The journal table is the truth (recovery reads only it); these tables are written in the same
transaction so an operator can query them with SQL. Each projected row carries the journal seq,
which makes a retried commit idempotent (rows keyed by seq; order updates only move forward).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from bot4.oms import (
    OrderDenied,
    OrderFilled,
    OrderSubmitted,
    TradingHalted,
    TradingResumed,
)
from bot4.oms.journal import JournalRecord

__all__ = ["Projection", "project"]

# Order status written for each record kind that changes an order (the OMS's state names).
_STATUS = {
    "OrderAccepted": "ACCEPTED",
    "OrderRejected": "REJECTED",
    "OrderPendingCancel": "PENDING_CANCEL",
    "OrderCanceled": "CANCELED",
    "OrderCancelRejected": "CANCEL_REJECTED",
    "OrderExpired": "EXPIRED",
    "OrderPendingReplace": "PENDING_REPLACE",
    "OrderReplaced": "REPLACED",
    "OrderReplaceRejected": "REPLACE_REJECTED",
}


class Projection(msgspec.Struct, kw_only=True):
    """Rows for each projected table, in the column order of the migrations."""

    # (client_order_id, instrument_id, side, order_type, time_in_force, qty, price, status,
    #  strategy_id, seq, ts_event)
    orders: list[tuple[Any, ...]] = msgspec.field(default_factory=list)
    # (client_order_id, status, seq, ts_event): the last event moved the order to status
    order_updates: list[tuple[Any, ...]] = msgspec.field(default_factory=list)
    # (seq, client_order_id, instrument_id, venue_order_id, fill_id, side, last_qty, last_price,
    #  fee, liquidity, ts_event)
    fills: list[tuple[Any, ...]] = msgspec.field(default_factory=list)
    # (seq, client_order_id, instrument_id, decision, reason, detail, ts_event)
    risk_decisions: list[tuple[Any, ...]] = msgspec.field(default_factory=list)
    # (seq, state, source, reason, ts_event)
    emergency_stop: list[tuple[Any, ...]] = msgspec.field(default_factory=list)


def project(entries: Iterable[tuple[int, JournalRecord]]) -> Projection:
    """The projection rows for (seq, record) pairs, in seq order."""
    p = Projection()
    for seq, rec in entries:
        if isinstance(rec, OrderFilled):
            p.fills.append(
                (
                    seq,
                    rec.client_order_id,
                    rec.instrument_id,
                    rec.venue_order_id,
                    rec.fill_id,
                    rec.side.value,
                    rec.last_qty,
                    rec.last_price,
                    rec.fee,
                    rec.liquidity.value,
                    rec.ts_event,
                )
            )
            p.order_updates.append((rec.client_order_id, "FILLED", seq, rec.ts_event))
        elif isinstance(rec, OrderSubmitted | OrderDenied):
            denied = isinstance(rec, OrderDenied)
            p.orders.append(
                (
                    rec.client_order_id,
                    rec.instrument_id,
                    rec.side.value,
                    rec.order_type.value,
                    rec.time_in_force.value,
                    rec.qty,
                    rec.price,
                    "DENIED" if denied else "SUBMITTED",
                    rec.strategy_id,
                    seq,
                    rec.ts_event,
                )
            )
            p.risk_decisions.append(
                (
                    seq,
                    rec.client_order_id,
                    rec.instrument_id,
                    "DENIED" if denied else "ACCEPTED",
                    rec.reason if isinstance(rec, OrderDenied) else "",
                    rec.detail if isinstance(rec, OrderDenied) else "",
                    rec.ts_event,
                )
            )
        elif isinstance(rec, TradingHalted):
            p.emergency_stop.append((seq, "HALTED", rec.source, rec.reason, rec.ts_event))
        elif isinstance(rec, TradingResumed):
            p.emergency_stop.append((seq, "RESUMED", rec.source, "", rec.ts_event))
        else:
            status = _STATUS[type(rec).__name__]
            p.order_updates.append((rec.client_order_id, status, seq, rec.ts_event))
    return p
