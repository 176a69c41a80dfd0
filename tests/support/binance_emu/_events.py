"""The user-data stream's events as Binance writes them (spot `user-data-stream` docs)."""

from __future__ import annotations

from typing import Any

from tests.support.binance_emu._market import ZERO, SymbolSpec
from tests.support.binance_emu._orders import Balance, EmuOrder, Fill

Event = dict[str, Any]


def execution_report(
    spec: SymbolSpec,
    o: EmuOrder,
    exec_type: str,
    now_ms: int,
    f: Fill | None = None,
    cancel_id: str = "",
) -> Event:
    """`executionReport`: `c` is the cancel request's id on a cancel, `C` the order's own id."""
    return {
        "e": "executionReport",
        "E": now_ms,  # event time
        "s": o.symbol,
        "c": cancel_id or o.client_order_id,
        "S": o.side,
        "o": o.type,
        "f": o.time_in_force,
        "q": spec.qty_str(o.orig_qty),
        "p": spec.price_str(o.price),
        "P": spec.price_str(ZERO),  # stop price
        "F": spec.qty_str(ZERO),  # iceberg quantity
        "g": -1,  # order list id
        "C": o.client_order_id if cancel_id else "",
        "x": exec_type,  # NEW, CANCELED, TRADE, EXPIRED (REJECTED is not emulated)
        "X": o.status,
        "r": "NONE",  # reject reason
        "i": o.order_id,
        "l": spec.qty_str(f.qty if f else ZERO),  # last executed quantity
        "z": spec.qty_str(o.executed_qty),  # cumulative filled quantity
        "L": spec.price_str(f.price if f else ZERO),  # last executed price
        "n": f"{f.commission:.8f}" if f else "0",
        "N": f.commission_asset if f else None,
        "T": f.time_ms if f else o.update_ms,  # transaction time
        "t": f.trade_id if f else -1,
        "I": 0,  # ignore
        "w": o.is_open and o.working_ms >= 0,  # on the book
        "m": f.is_maker if f else False,
        "M": False,  # ignore
        "O": o.time_ms,  # order creation time
        "Z": spec.price_str(o.cum_quote),  # cumulative quote quantity
        "Y": spec.price_str(f.quote_qty if f else ZERO),  # last quote quantity
        "Q": spec.price_str(o.quote_order_qty),
        "W": o.working_ms if o.working_ms >= 0 else o.time_ms,  # working time
        "V": "NONE",  # self-trade prevention mode
    }


def account_position(
    balances: dict[str, Balance], assets: tuple[str, ...], now_ms: int, update_ms: int
) -> Event:
    """`outboundAccountPosition`: the assets the change touched."""
    return {
        "e": "outboundAccountPosition",
        "E": now_ms,
        "u": update_ms,  # time of the last account update
        "B": [
            {"a": a, "f": f"{balances[a].free:.8f}", "l": f"{balances[a].locked:.8f}"}
            for a in assets
        ],
    }
