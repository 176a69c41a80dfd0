"""`BinanceConfig`: where the Binance venue connects and how hard it may push.

The API key and secret are not in it: they are passed to the venue separately (as `Secret`s),
so a config can be printed, logged and journaled without one.
"""

from __future__ import annotations

import msgspec

from bot4.errors import ConfigValueError

__all__ = ["BinanceConfig"]


class BinanceConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Endpoints, limits and timings of one Binance spot account (validated when built)."""

    base_url: str = "https://api.binance.com"  # REST root (testnet: https://testnet.binance.vision)
    ws_url: str = "wss://stream.binance.com:9443"  # user-data stream root ("/ws/<listenKey>")
    recv_window_ms: int = 5000  # how stale a signed request may be when Binance reads it
    weight_limit_1m: int = 6000  # Binance's REQUEST_WEIGHT per minute for the account's IP
    order_limit_10s: int = 100  # Binance's ORDERS per 10 s
    limit_margin: float = 0.1  # the share of each limit never used (other clients, skew)
    keepalive_s: float = 1800.0  # listenKey keep-alive period (Binance: expires after 60 min)
    request_timeout_s: float = 10.0  # one REST request, connect to last byte
    unknown_poll_s: float = 0.5  # between queries of an order whose placement is UNKNOWN
    reconnect_initial_s: float = 0.5  # first user-stream reconnect delay (doubles, jittered)
    reconnect_max_s: float = 30.0  # the longest reconnect delay
    max_rate_limit_retries: int = 3  # 429s in a row before a request gives up
    recent_trades_limit: int = 500  # trades per myTrades query (Binance's max is 1000)

    def __post_init__(self) -> None:
        if self.recv_window_ms <= 0 or self.recv_window_ms > 60_000:
            raise ConfigValueError(f"recv_window_ms must be in 1..60000, got {self.recv_window_ms}")
        if self.weight_limit_1m <= 0 or self.order_limit_10s <= 0:
            raise ConfigValueError("weight_limit_1m and order_limit_10s must be > 0")
        if not 0 <= self.limit_margin < 1:
            raise ConfigValueError(f"limit_margin must be in [0, 1), got {self.limit_margin}")
        for name in ("keepalive_s", "request_timeout_s", "unknown_poll_s", "reconnect_initial_s"):
            if getattr(self, name) <= 0:
                raise ConfigValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise ConfigValueError("reconnect_max_s must be >= reconnect_initial_s")
        if self.max_rate_limit_retries < 0 or not 1 <= self.recent_trades_limit <= 1000:
            raise ConfigValueError("max_rate_limit_retries >= 0, recent_trades_limit in 1..1000")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigValueError(f"base_url must be http(s)://..., got {self.base_url!r}")
        if not self.ws_url.startswith(("ws://", "wss://")):
            raise ConfigValueError(f"ws_url must be ws(s)://..., got {self.ws_url!r}")
