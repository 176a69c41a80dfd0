# bot4.oms: orders, their state machine, the OrderManager, positions and the journal.
#   _events     order events (frozen Structs); also the journal's records
#   journal     JournalRecord union, Journal protocol, InMemoryJournal
"""Order management: orders and their state machine, positions and PnL, the journal."""

from bot4.oms._events import LiquiditySide as LiquiditySide
from bot4.oms._events import OrderAccepted as OrderAccepted
from bot4.oms._events import OrderCanceled as OrderCanceled
from bot4.oms._events import OrderCancelRejected as OrderCancelRejected
from bot4.oms._events import OrderDenied as OrderDenied
from bot4.oms._events import OrderEvent as OrderEvent
from bot4.oms._events import OrderExpired as OrderExpired
from bot4.oms._events import OrderFilled as OrderFilled
from bot4.oms._events import OrderPendingCancel as OrderPendingCancel
from bot4.oms._events import OrderPendingReplace as OrderPendingReplace
from bot4.oms._events import OrderRejected as OrderRejected
from bot4.oms._events import OrderReplaced as OrderReplaced
from bot4.oms._events import OrderReplaceRejected as OrderReplaceRejected
from bot4.oms._events import OrderSubmitted as OrderSubmitted
from bot4.oms._events import VenueEvent as VenueEvent
from bot4.oms.journal import InMemoryJournal as InMemoryJournal
from bot4.oms.journal import Journal as Journal
from bot4.oms.journal import JournalRecord as JournalRecord
from bot4.oms.journal import TradingHalted as TradingHalted

__all__ = [
    "InMemoryJournal",
    "Journal",
    "JournalRecord",
    "LiquiditySide",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderPendingCancel",
    "OrderPendingReplace",
    "OrderRejected",
    "OrderReplaceRejected",
    "OrderReplaced",
    "OrderSubmitted",
    "TradingHalted",
    "VenueEvent",
]
