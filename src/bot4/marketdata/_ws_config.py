"""Configuration of one feed connection (see `ws.py`); every field has its default and unit."""

from __future__ import annotations

import msgspec

__all__ = ["ConnectionConfig"]


class ConnectionConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Timeouts, backoff and bounds of a `FeedConnection`."""

    connect_timeout_s: float = 10.0  # TCP + TLS + WebSocket handshake
    ping_idle_s: float = 10.0  # send a ping after this long without any frame
    ping_reply_timeout_s: float = 10.0  # no pong within this: the link is dead, reconnect
    stale_after_s: float = 30.0  # no data frame for this long (pongs don't count): reconnect
    watchdog_interval_s: float = 1.0  # how often the stale-stream watchdog looks
    backoff_initial_s: float = 0.5  # first reconnect delay (jittered in [x/2, x])
    backoff_max_s: float = 30.0  # reconnect delay cap
    backoff_factor: float = 2.0  # growth per failed attempt
    max_attempts: int | None = (
        None  # give up after this many failed connects in a row (None: never)
    )
    snapshot_timeout_s: float = 10.0  # one REST snapshot request, end to end
    snapshot_retries: int = 3  # attempts per snapshot before forcing a reconnect (full resync)
    max_concurrent_snapshots: int = 4  # REST requests in flight at once (Binance weight limits)
    max_frame_bytes: int = 16 * 1024 * 1024  # larger frames drop the connection (bounded memory)
