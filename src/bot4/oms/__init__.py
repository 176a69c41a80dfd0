# bot4.oms: orders, their state machine, the OrderManager, positions and the journal.
# Depends on clock, errors, model, risk (the kill-switch events) and venues (the Venue protocol).
#   (order events live in bot4.model, shared with venues; re-exported here: journal records)
#   _order      Order, OrderStatus and the transition table
#   _position   Position (netting) and Portfolio (equity, exposure, daily PnL, drawdown)
#   _gate       RiskGate: what the OMS needs of the risk engine
#   _ids        ClientOrderIds (no I/O)
#   _counters   OmsCounters; how many terminal orders are kept
#   _store      OrderStore: open orders by instrument and side, bounded terminal orders
#   _manager    OrderManager (risk -> journal -> venue -> positions)
#   _marks      PendingMarks: marks of flat positions applied before the next check or fill
#   _recovery   rebuild(journal) -> OrderManager (replays through the manager's methods)
#   journal     JournalRecord union, Journal protocol, InMemoryJournal
"""Order management: orders and their state machine, positions and PnL, the journal."""

from bot4.model import LiquiditySide as LiquiditySide
from bot4.model import OrderAccepted as OrderAccepted
from bot4.model import OrderCanceled as OrderCanceled
from bot4.model import OrderCancelRejected as OrderCancelRejected
from bot4.model import OrderDenied as OrderDenied
from bot4.model import OrderEvent as OrderEvent
from bot4.model import OrderExpired as OrderExpired
from bot4.model import OrderFilled as OrderFilled
from bot4.model import OrderPendingCancel as OrderPendingCancel
from bot4.model import OrderPendingReplace as OrderPendingReplace
from bot4.model import OrderRejected as OrderRejected
from bot4.model import OrderReplaced as OrderReplaced
from bot4.model import OrderReplaceRejected as OrderReplaceRejected
from bot4.model import OrderSubmitted as OrderSubmitted
from bot4.model import VenueEvent as VenueEvent
from bot4.oms._counters import OmsCounters as OmsCounters
from bot4.oms._gate import RiskGate as RiskGate
from bot4.oms._ids import ClientOrderIds as ClientOrderIds
from bot4.oms._manager import OrderManager as OrderManager
from bot4.oms._order import OPEN_STATUSES as OPEN_STATUSES
from bot4.oms._order import TRANSITIONS as TRANSITIONS
from bot4.oms._order import EventKind as EventKind
from bot4.oms._order import Order as Order
from bot4.oms._order import OrderStatus as OrderStatus
from bot4.oms._position import Portfolio as Portfolio
from bot4.oms._position import Position as Position
from bot4.oms._recovery import rebuild as rebuild
from bot4.oms.journal import InMemoryJournal as InMemoryJournal
from bot4.oms.journal import Journal as Journal
from bot4.oms.journal import JournalRecord as JournalRecord
from bot4.oms.journal import TradingHalted as TradingHalted
from bot4.oms.journal import TradingResumed as TradingResumed

__all__ = [
    "OPEN_STATUSES",
    "TRANSITIONS",
    "ClientOrderIds",
    "EventKind",
    "InMemoryJournal",
    "Journal",
    "JournalRecord",
    "LiquiditySide",
    "OmsCounters",
    "Order",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderManager",
    "OrderPendingCancel",
    "OrderPendingReplace",
    "OrderRejected",
    "OrderReplaceRejected",
    "OrderReplaced",
    "OrderStatus",
    "OrderSubmitted",
    "Portfolio",
    "Position",
    "RiskGate",
    "TradingHalted",
    "TradingResumed",
    "VenueEvent",
    "rebuild",
]
