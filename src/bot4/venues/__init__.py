# bot4.venues: where orders execute. Depends on clock, errors and model only (not on the OMS).
#   _protocol  Venue protocol (the OMS talks to every venue through it)
#   _book      BookView: the read-only book the paper venue needs (marketdata.OrderBook fits)
#   paper      PaperVenue: fills against the live book
"""Venues: the `Venue` protocol and the paper venue that fills against live order books."""

from bot4.venues._book import BookView as BookView
from bot4.venues._protocol import Venue as Venue
from bot4.venues._protocol import VenueEventHandler as VenueEventHandler
from bot4.venues.paper import PaperVenue as PaperVenue
from bot4.venues.paper import PaperVenueConfig as PaperVenueConfig

__all__ = ["BookView", "PaperVenue", "PaperVenueConfig", "Venue", "VenueEventHandler"]
