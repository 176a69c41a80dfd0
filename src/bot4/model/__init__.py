# bot4.model: value types shared by every layer; depends only on msgspec and bot4.errors.
#   _fixed       decimal strings <-> fixed-point ints
#   _enums       Side, OrderType, TimeInForce, AccountType
#   _instrument  Instrument, InstrumentId
#   _marketdata  TradeTick, BookDeltas, TopOfBook, Candle (normalised feed events)
#   _filters     InstrumentFilters and one Struct per Binance filter type (fixed point)
#   _scale       the one precision rule: scales from a venue's steps and wire precision
#   _binance     Instruments from Binance exchangeInfo (spot, USD-M, COIN-M); the bundled set
#   _binance_filters  exchangeInfo filters -> InstrumentFilters (fixed point)
#   _kraken, _coinbase  Instruments from Kraken AssetPairs, Coinbase products
#   _venue_metadata  instruments_from_header (dispatch by URL), infer_instrument
#   _orders      OrderRequest, ClientOrderId (what a strategy asks the risk engine/OMS for)
#   _order_events  order events (OrderSubmitted, VenueEvent, ...): what the OMS and venues share
"""Bot4's value types: instruments, fixed-point numbers, enums, events."""

from bot4.model._binance import ExchangeInfoLoad as ExchangeInfoLoad
from bot4.model._binance import bundled_instruments as bundled_instruments
from bot4.model._binance import instruments_from_binance as instruments_from_binance
from bot4.model._coinbase import coinbase_instruments as coinbase_instruments
from bot4.model._enums import AccountType as AccountType
from bot4.model._enums import OrderType as OrderType
from bot4.model._enums import Side as Side
from bot4.model._enums import TimeInForce as TimeInForce
from bot4.model._filters import MULT_SCALE as MULT_SCALE
from bot4.model._filters import InstrumentFilters as InstrumentFilters
from bot4.model._filters import UnknownFilter as UnknownFilter
from bot4.model._fixed import decimals_of as decimals_of
from bot4.model._fixed import from_fixed as from_fixed
from bot4.model._fixed import to_fixed as to_fixed
from bot4.model._instrument import Instrument as Instrument
from bot4.model._instrument import InstrumentId as InstrumentId
from bot4.model._instrument import instrument_id as instrument_id
from bot4.model._kraken import kraken_instruments as kraken_instruments
from bot4.model._marketdata import BookDelta as BookDelta
from bot4.model._marketdata import BookDeltas as BookDeltas
from bot4.model._marketdata import Candle as Candle
from bot4.model._marketdata import TopOfBook as TopOfBook
from bot4.model._marketdata import TradeTick as TradeTick
from bot4.model._order_events import LiquiditySide as LiquiditySide
from bot4.model._order_events import OrderAccepted as OrderAccepted
from bot4.model._order_events import OrderCanceled as OrderCanceled
from bot4.model._order_events import OrderCancelRejected as OrderCancelRejected
from bot4.model._order_events import OrderDenied as OrderDenied
from bot4.model._order_events import OrderEvent as OrderEvent
from bot4.model._order_events import OrderExpired as OrderExpired
from bot4.model._order_events import OrderFilled as OrderFilled
from bot4.model._order_events import OrderPendingCancel as OrderPendingCancel
from bot4.model._order_events import OrderPendingReplace as OrderPendingReplace
from bot4.model._order_events import OrderRejected as OrderRejected
from bot4.model._order_events import OrderReplaced as OrderReplaced
from bot4.model._order_events import OrderReplaceRejected as OrderReplaceRejected
from bot4.model._order_events import OrderSubmitted as OrderSubmitted
from bot4.model._order_events import VenueEvent as VenueEvent
from bot4.model._orders import ClientOrderId as ClientOrderId
from bot4.model._orders import OrderRequest as OrderRequest
from bot4.model._scale import scale_of as scale_of
from bot4.model._venue_metadata import MetadataResponse as MetadataResponse
from bot4.model._venue_metadata import MetadataResponses as MetadataResponses
from bot4.model._venue_metadata import infer_instrument as infer_instrument
from bot4.model._venue_metadata import instruments_from_header as instruments_from_header

__all__ = [
    "MULT_SCALE",
    "AccountType",
    "BookDelta",
    "BookDeltas",
    "Candle",
    "ClientOrderId",
    "ExchangeInfoLoad",
    "Instrument",
    "InstrumentFilters",
    "InstrumentId",
    "LiquiditySide",
    "MetadataResponse",
    "MetadataResponses",
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
    "OrderRequest",
    "OrderSubmitted",
    "OrderType",
    "Side",
    "TimeInForce",
    "TopOfBook",
    "TradeTick",
    "UnknownFilter",
    "VenueEvent",
    "bundled_instruments",
    "coinbase_instruments",
    "decimals_of",
    "from_fixed",
    "infer_instrument",
    "instrument_id",
    "instruments_from_binance",
    "instruments_from_header",
    "kraken_instruments",
    "scale_of",
    "to_fixed",
]
