# bot4.venues: where orders execute. Depends on clock, errors and model only (not on the OMS).
#   _protocol    Venue protocol (the OMS talks to every venue through it)
#   _book        BookView: the read-only book the paper venue needs (marketdata.OrderBook fits)
#   _fill_model  PaperVenueConfig and its parts (latency, fees, queue): the fill model, named
#   _matching    Matcher: orders against the book, resting orders against trades and crosses
#   paper        PaperVenue: a Matcher behind request latency (imports the three above)
#   execution    ExecutionConfig: the `[execution]` table (which venue, the two confirmations)
#   secrets      Secret, ApiCredentials, load_credentials: keys from env or a 0600 key file
"""Venues: the `Venue` protocol and the paper venue that fills against live order books."""

from bot4.venues._book import BookView as BookView
from bot4.venues._protocol import ExecutionVenue as ExecutionVenue
from bot4.venues._protocol import Venue as Venue
from bot4.venues._protocol import VenueEventHandler as VenueEventHandler
from bot4.venues.execution import ExecutionConfig as ExecutionConfig
from bot4.venues.execution import confirmation_problem as confirmation_problem
from bot4.venues.paper import FeeRates as FeeRates
from bot4.venues.paper import LatencyModel as LatencyModel
from bot4.venues.paper import PaperVenue as PaperVenue
from bot4.venues.paper import PaperVenueConfig as PaperVenueConfig
from bot4.venues.secrets import ApiCredentials as ApiCredentials
from bot4.venues.secrets import Secret as Secret
from bot4.venues.secrets import load_credentials as load_credentials

__all__ = [
    "ApiCredentials",
    "BookView",
    "ExecutionConfig",
    "ExecutionVenue",
    "FeeRates",
    "LatencyModel",
    "PaperVenue",
    "PaperVenueConfig",
    "Secret",
    "Venue",
    "VenueEventHandler",
    "confirmation_problem",
    "load_credentials",
]
