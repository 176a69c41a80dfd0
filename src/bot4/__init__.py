# Bot4: the core of an automated crypto-trading platform.
#
# Dependency order (lower layers never import upper ones; tests/unit/test_imports.py enforces it):
#   errors, bot4 (__version__) <- everything (clock included)
#   clock                    <- everything above
#   model                    <- every package above (instruments, enums, order events)
#   resilience               <- marketdata (ws), storage, engine, api
#   marketdata               <- risk (reference prices), venues (paper fills), engine
#   risk                     <- venues, oms, engine
#   venues                   <- oms (the Venue protocol), engine
#   oms                      <- storage, engine
#   storage, api             <- engine
#   engine                   <- config (which loads and checks the engine's config types)
#   commands                 <- cli (one module per `bot4` subcommand)
#   cli                      the `bot4` command
"""Bot4: market data, pre-trade risk, order management and circuit breakers for crypto trading."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Read on first use: importlib.metadata pulls in email and socket, which `import bot4.x`
    # for a pure part (the OrderBook, the model) should not pay for.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("bot4")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
