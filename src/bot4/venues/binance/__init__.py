# bot4.venues.binance: the native Binance spot venue. Imports errors, clock, model, resilience
# and bot4.venues' protocol; aiohttp and cryptography (import it only where it is needed:
# `import bot4.venues` stays free of asyncio and sockets).
#   _secret       Secret: a key that is *** wherever it is formatted
#   _signing      sign_hmac, sign_ed25519, Signer, encode_params
#   _config       BinanceConfig
#   _budget       RequestBudget: weight / order-count windows, 429 blocks, 418 bans
#   _wire         Binance's JSON (executionReport, orders, trades, account) and order parameters
#   _account      VenueOrder, Balance (what reconciliation reads)
#   _tracker      OrderTracker: Binance updates -> VenueEvents, each once
#   _rest         BinanceRest: signed, paced REST behind the caller's breaker
#   _user_stream  UserDataStream: listenKey, keep-alive, reconnect with backoff
#   _queries      BinanceQueries: open orders, order, balances, recent fills
#   _venue        BinanceVenue: the Venue protocol (imports all of the above)
"""Binance spot as a `Venue`: signed REST, the user-data stream, and the queries recovery needs."""

from bot4.venues.binance._account import Balance as Balance
from bot4.venues.binance._account import VenueOrder as VenueOrder
from bot4.venues.binance._config import BinanceConfig as BinanceConfig
from bot4.venues.binance._rest import BinanceRest as BinanceRest
from bot4.venues.binance._rest import RestStats as RestStats
from bot4.venues.binance._secret import Secret as Secret
from bot4.venues.binance._signing import Signer as Signer
from bot4.venues.binance._signing import sign_ed25519 as sign_ed25519
from bot4.venues.binance._signing import sign_hmac as sign_hmac
from bot4.venues.binance._venue import BinanceVenue as BinanceVenue
from bot4.venues.binance._venue import VenueStats as VenueStats

__all__ = [
    "Balance",
    "BinanceConfig",
    "BinanceRest",
    "BinanceVenue",
    "RestStats",
    "Secret",
    "Signer",
    "VenueOrder",
    "VenueStats",
    "sign_ed25519",
    "sign_hmac",
]
