"""ExecutionConfig: where orders go, kept apart from where market data comes from.

`[replay] source = "live"` (`bot4 run --live`) means live *market data* only; orders still go to
the paper venue. Orders go to an exchange only when `[execution] venue` names one AND the user
confirms it a second time (`bot4 run --confirm-live` or `confirm_live = true`): one setting alone
never places a real order (`confirmation_problem`).
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["DEFAULT_KEY_ENV", "DEFAULT_SECRET_ENV", "ExecutionConfig", "confirmation_problem"]

DEFAULT_KEY_ENV = "BOT4_API_KEY"
# The variable's name, not a secret.
DEFAULT_SECRET_ENV = "BOT4_API_SECRET"  # noqa: S105  # nosec B105


class ExecutionConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The execution venue: paper (default), Binance spot (native) or any exchange via ccxt."""

    # "paper": simulated fills against the market data (no exchange, no keys); "binance":
    # Binance spot's own API; "ccxt": the exchange named by `exchange`, through ccxt.
    venue: Literal["paper", "binance", "ccxt"] = "paper"
    # venue = "ccxt": the ccxt exchange id ("kraken", "okx", ...).
    exchange: str | None = None
    # The exchange's test network (no real money): Binance's spot testnet, ccxt's sandbox mode.
    testnet: bool = False
    # A REST base URL other than the exchange's (a testnet, a local emulator).
    base_url: str | None = None
    # A WebSocket URL other than the exchange's for the user-data stream.
    ws_url: str | None = None
    # The environment variable holding the API key (the key itself never goes in a config).
    api_key_env: str = DEFAULT_KEY_ENV
    # The environment variable holding the API secret.
    api_secret_env: str = DEFAULT_SECRET_ENV
    # A TOML or JSON file with `key` and `secret` instead of the variables; it must be mode 0600.
    key_file: str | None = None
    # The second confirmation for a non-paper venue (same as `bot4 run --confirm-live`).
    confirm_live: bool = False

    @property
    def real_account(self) -> bool:
        """True when orders reach an exchange account with real money (not paper, not testnet)."""
        return self.venue != "paper" and not self.testnet

    def describe(self) -> str:
        """One line for the status view and the logs, e.g. "binance (testnet)"."""
        if self.venue == "paper":
            return "paper"
        name = f"ccxt:{self.exchange}" if self.venue == "ccxt" else self.venue
        return f"{name} ({'testnet' if self.testnet else 'REAL ACCOUNT'})"


def confirmation_problem(config: ExecutionConfig, venue: str | None = None) -> str | None:
    """Why a node with this execution setting must not start, in one line; None when it may.

    A non-paper venue (`venue`, default `config.venue`) needs the confirmation too (the flag
    sets `confirm_live`); a ccxt venue also needs the exchange it trades on.
    """
    venue = config.venue if venue is None else venue
    if venue == "paper":
        return None
    if not config.confirm_live:
        return (
            f"execution venue {venue!r} places real orders: confirm with "
            "`bot4 run --confirm-live` (or `confirm_live = true` in [execution]); refusing to start"
        )
    if venue == "ccxt" and not config.exchange:
        return 'execution venue "ccxt" needs execution.exchange (a ccxt exchange id)'
    return None
