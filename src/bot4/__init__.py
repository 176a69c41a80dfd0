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

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Lazy: importlib.metadata loads email, which loads socket (~15 ms); `import bot4.model` is
    # meant to load neither. Only `bot4 --version` and the API ask for the version.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("bot4")
        except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
            return "0.0.0"
    raise AttributeError(f"module 'bot4' has no attribute {name!r}")
