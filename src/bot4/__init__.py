# Bot4: the core of an automated crypto-trading platform.
#
# Dependency order (lower layers never import upper ones):
#   clock, errors            <- everything
#   model                    <- marketdata, risk, oms, venues, storage, engine
#   resilience               <- marketdata (ws), storage, engine, api
#   marketdata               <- risk (reference prices), venues (paper fills), engine
#   risk                     <- oms, engine
#   oms, venues              <- engine
#   storage                  <- engine
#   engine, api, cli         (the imperative shell)
"""Bot4: market data, pre-trade risk, order management and circuit breakers for crypto trading."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bot4")
except (
    PackageNotFoundError
):  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
