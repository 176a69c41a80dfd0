"""`Notice`: one thing worth telling a trader, as text a phone shows; and how several combine.

The node's events (a fill, a kill-switch trip, a breaker opening) become notices here, as plain
text with the numbers an operator reads (fixed-point ints formatted at the instrument's
precision). Formatting is pure, so the wording is tested without a socket.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

import msgspec

from bot4.model import Instrument, LiquiditySide, OrderFilled, from_fixed
from bot4.notify.config import EventName
from bot4.resilience import CircuitEvent
from bot4.risk import KillSwitchReset, KillSwitchTripped

__all__ = [
    "Notice",
    "Priority",
    "breaker_notice",
    "combine",
    "fill_notice",
    "kill_notice",
    "pnl_notice",
    "reconciliation_notice",
    "webhook_body",
]


_PLURAL: dict[str, str] = {
    "fill": "fills",
    "kill_switch": "kill-switch events",
    "breaker": "breaker trips",
    "reconciliation": "reconciliation differences",
    "daily_pnl": "PnL reports",
}


class Priority(IntEnum):
    """Which notices a full queue drops first (the lowest, oldest first)."""

    LOW = 0  # fills and daily PnL: the journal and the report have them anyway
    NORMAL = 1  # breaker trips, reconciliation differences
    CRITICAL = 2  # kill-switch trips and resets: never dropped


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    """One notification, before it is sent (perhaps together with others)."""

    kind: EventName
    priority: Priority
    text: str  # what the trader reads; no secrets, no ids an operator cannot use
    ts_ns: int  # wall clock (the node's) when it happened


def fill_notice(event: OrderFilled, instrument: Instrument | None, ts_ns: int) -> Notice:
    """ "FILL BUY 0.01000 BINANCE:BTCUSDT @ 65000.10 (maker, fee 0.0065) order mm-1"."""
    if instrument is None:  # an instrument the node does not trade: raw units, still useful
        qty, price, fee = str(event.last_qty), str(event.last_price), str(event.fee)
    else:
        pp, sp = instrument.price_precision, instrument.size_precision
        qty, price = from_fixed(event.last_qty, sp), from_fixed(event.last_price, pp)
        fee = from_fixed(event.fee, pp + sp)
    role = "maker" if event.liquidity is LiquiditySide.MAKER else "taker"
    text = (
        f"FILL {event.side.name} {qty} {event.instrument_id} @ {price} "
        f"({role}, fee {fee}) order {event.client_order_id}"
    )
    return Notice(kind="fill", priority=Priority.LOW, text=text, ts_ns=ts_ns)


def kill_notice(event: KillSwitchTripped | KillSwitchReset) -> Notice:
    """A trip (who, why, trading HALTED) or a reset (who re-armed it)."""
    if isinstance(event, KillSwitchTripped):
        t = event.trigger
        text = (
            f"KILL SWITCH TRIPPED by {t.by} ({t.source}): {t.reason}. "
            "Trading HALTED, open orders cancelled; reset with `bot4 reset-kill`."
        )
        return Notice(kind="kill_switch", priority=Priority.CRITICAL, text=text, ts_ns=t.wall_ns)
    text = f"Kill switch reset by {event.by}: trading may resume."
    return Notice(kind="kill_switch", priority=Priority.CRITICAL, text=text, ts_ns=event.wall_ns)


def breaker_notice(event: CircuitEvent, ts_ns: int) -> Notice:
    """A breaker opened: its dependency is failing and calls to it are refused for a while."""
    text = f"BREAKER {event.breaker} OPEN (was {event.from_state.value}): {event.reason}"
    return Notice(kind="breaker", priority=Priority.NORMAL, text=text, ts_ns=ts_ns)


def reconciliation_notice(text: str, ts_ns: int) -> Notice:
    """A difference between the venue and the journal/OMS, in the reconciler's words."""
    return Notice(
        kind="reconciliation", priority=Priority.NORMAL, text=f"RECONCILIATION: {text}", ts_ns=ts_ns
    )


def pnl_notice(label: str, pnl: tuple[str, str, str], ts_ns: int) -> Notice:
    """ "DAILY PnL 2024-05-01 UTC: realized 1.20, unrealized -0.30, total 0.90 USDT"."""
    realized, unrealized, total = pnl
    text = f"{label}: realized {realized}, unrealized {unrealized}, total {total} USDT"
    return Notice(kind="daily_pnl", priority=Priority.LOW, text=text, ts_ns=ts_ns)


def combine(batch: Sequence[Notice]) -> str:
    """The text of one message carrying `batch` (a burst coalesced): one line each, with a
    header counting them when there are several ("3 fills:" or "4 notifications:")."""
    if len(batch) == 1:
        return batch[0].text
    kinds = {n.kind for n in batch}
    noun = _PLURAL[batch[0].kind] if len(kinds) == 1 else "notifications"
    return f"{len(batch)} {noun}:\n" + "\n".join(f"- {n.text}" for n in batch)


def webhook_body(batch: Sequence[Notice]) -> dict[str, Any]:
    """The JSON a webhook receives: the combined text plus each notice, so a receiver can
    either forward the text or route by kind."""
    return {
        "source": "bot4",
        "text": combine(batch),
        "notices": [
            {"kind": n.kind, "priority": n.priority.name, "text": n.text, "ts_ns": n.ts_ns}
            for n in batch
        ],
    }
