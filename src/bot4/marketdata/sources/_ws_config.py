"""The vocabulary of a feed connection (see `ws.py`): its config, state, counters, collaborators."""

from __future__ import annotations

import enum
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

import msgspec

__all__ = ["Breaker", "ConnectionConfig", "ConnectionState", "ConnectionStats", "Sink"]


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


Sink = Callable[[list[object]], None]  # receives each non-empty batch of normalised events


class Breaker(Protocol):
    """What the connection needs of a `bot4.resilience.CircuitBreaker`."""

    def acquire(self) -> AbstractAsyncContextManager[object]: ...


class ConnectionState(enum.Enum):
    IDLE = "IDLE"  # created, run() not started
    CONNECTING = "CONNECTING"  # run() is opening a connection (breaker permit held)
    CONNECTED = "CONNECTED"  # handshake done, subscribed, frames flowing
    BACKING_OFF = "BACKING_OFF"  # the last connection failed or dropped; waiting to retry
    CLOSED = "CLOSED"  # close() was called or max_attempts exhausted; run() has returned


@dataclass(slots=True)
class ConnectionStats:
    """Counters of one connection (read them any time; they only grow)."""

    connects: int = 0  # successful handshakes
    connect_failures: int = 0  # attempts that raised (refused, timeout, bad handshake)
    breaker_rejections: int = 0  # attempts the breaker refused without trying
    disconnects: int = 0  # established connections that ended
    stale_timeouts: int = 0  # connections dropped by the watchdog (no data for stale_after_s)
    requested_reconnects: int = 0  # connections dropped because the handler wanted a resync
    frames: int = 0  # data frames handed to the handler
    frames_after_drop: int = 0  # frames still buffered when we dropped a connection (ignored)
    events: int = 0  # events handed to the sink
    snapshot_requests: int = 0  # REST snapshot GETs started
    snapshot_failures: int = 0  # REST snapshot attempts that failed (status, timeout, breaker)
    snapshots_applied: int = 0  # snapshot bodies handed to the handler
    snapshots_discarded: int = 0  # bodies that arrived after their connection ended
    last_delay_s: float = 0.0  # the last backoff delay waited
