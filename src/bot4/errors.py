"""Every exception Bot4 raises, in one tree.

    Bot4Error
    ├── ConfigError                 a config file or value that cannot work
    │   └── ConfigValueError        one value out of range (also a ValueError)
    ├── CircuitOpenError            a breaker refused a call (resilience)
    │   └── HalfOpenExhaustedError  a half-open breaker has no trial permit left
    ├── FeedError                   market data could not be used
    │   ├── UnknownMessage          a well-formed message of a kind the feed does not handle
    │   ├── FeedConfigError         a feed, replay or backoff asked for with a bad argument
    │   └── DataError               a data file (recording, CSV) unreadable at a file and line
    ├── VenueError                  a venue could not take or answer a request
    │   └── VenueApiError           the venue answered with an error (HTTP status, venue code)
    ├── OrderStateError             an order event not allowed from the order's state
    │   └── OverfillError           a fill (or replace) that would take filled qty past qty
    ├── StorageError                a database or journal could not be used
    │   └── StorageDataError        a batch refused for its content: retrying cannot help
    ├── ApiError                    the control API was called wrongly
    ├── NotificationError           a webhook or Telegram did not take a notification
    ├── LifecycleError              used outside its lifecycle (also a RuntimeError)
    ├── PrecisionError (ValueError) a decimal string that does not fit a precision exactly
    ├── ClockError (ValueError)     a TestClock asked to start before zero or to go backwards
    └── RiskError (ValueError)      the risk engine was asked something it cannot do

Expected outcomes are values, not exceptions: a risk check returns `Accepted | Denied`.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "Bot4Error",
    "CircuitOpenError",
    "ClockError",
    "ConfigError",
    "ConfigValueError",
    "DataError",
    "FeedConfigError",
    "FeedError",
    "HalfOpenExhaustedError",
    "LifecycleError",
    "NotificationError",
    "OrderStateError",
    "OverfillError",
    "PrecisionError",
    "RiskError",
    "StorageDataError",
    "StorageError",
    "UnknownMessage",
    "VenueApiError",
    "VenueError",
]


class Bot4Error(Exception):
    """The root: catch this to catch anything Bot4 raises on purpose."""


class ConfigError(Bot4Error):
    """Raised when a config cannot work; the message names the file, the key and what is wrong."""


class CircuitOpenError(Bot4Error):
    """Raised when a circuit breaker rejects a call because its circuit is open.

    Built as `CircuitOpenError(name, remaining_s[, message])`. `name` is the breaker;
    `remaining_s` how long until it will try a half-open call (0 when the rejection is not
    about time, e.g. a forced-open breaker).
    """

    # No __init__ and no formatting at construction: a rejection must be cheap (a Python
    # __init__ tripled the cost of building one). BaseException stores the arguments in
    # `args`; the fields below read them and the message is formatted only when read.

    @property
    def name(self) -> str:
        return str(self.args[0])

    @property
    def remaining_s(self) -> float:
        return float(self.args[1])

    @property
    def message(self) -> str | None:
        return str(self.args[2]) if len(self.args) > 2 and self.args[2] is not None else None

    def __str__(self) -> str:
        message = self.message
        if message is not None:
            return message
        return f"circuit {self.name!r} is open; retry in {self.remaining_s:.3f}s"


class HalfOpenExhaustedError(CircuitOpenError):
    """Raised when a half-open breaker already has its maximum of trial calls in flight."""


class FeedError(Bot4Error):
    """Raised when market data from a feed cannot be used."""


class VenueError(Bot4Error):
    """Raised when a venue cannot take a request or its answer cannot be understood."""


class VenueApiError(VenueError):
    """Raised when a venue answered a request with an error: `status` (HTTP) and `code` (the
    venue's own, e.g. Binance -2010), with the venue's message. Never carries a secret."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"HTTP {status}, code {code}: {message}")
        self.status = status  # HTTP status of the answer
        self.code = code  # the venue's error code (0 when the body had none)
        self.venue_message = message  # the venue's own text


class OrderStateError(Bot4Error):
    """Raised when an order event is not allowed from the order's current state."""


class OverfillError(OrderStateError):
    """Raised when a fill would make an order's filled quantity exceed its quantity."""


class StorageError(Bot4Error):
    """Raised when a database or the journal cannot be used (the message names host and reason)."""


class StorageDataError(StorageError):
    """Raised when a database refuses a batch for its content (a value out of range, a null,
    a constraint): the same batch would fail again, so the writer sets it aside instead."""


class ApiError(Bot4Error):
    """Raised when the control API is called with something it cannot do."""


class ConfigValueError(ConfigError, ValueError):
    """Raised when one config value is out of range (a strategy's setting, an unknown symbol).

    A ValueError too: msgspec turns a ValueError raised in a config Struct's `__post_init__`
    into a validation problem that names the key.
    """


class LifecycleError(Bot4Error, RuntimeError):
    """Raised when a component is used outside its lifecycle: a strategy not bound to a node,
    an API server started twice or stopped while starting."""


class PrecisionError(Bot4Error, ValueError):
    """Raised when a decimal string has more decimals than the precision allows, or is not a
    plain decimal number: the core refuses such a number rather than round it. A ValueError,
    so parsers that refuse bad input by catching ValueError keep doing so."""


class ClockError(Bot4Error, ValueError):
    """Raised when a TestClock is asked to start before zero or to move backwards (the
    monotonic guarantee); a ValueError, as the argument is what is wrong."""


class RiskError(Bot4Error, ValueError):
    """Raised when the risk engine is called wrongly: HALTED set by hand (only the kill switch
    halts), a correlation of bad dimensions or a return vector of the wrong shape, or a check
    that breaks a rule the fast-path compiler relies on (`bot4.risk.checks.base`)."""


class UnknownMessage(FeedError):  # noqa: N818 - a signal inside a feed, never escapes it
    """Raised inside a feed's decoding for a well-formed frame of a kind it does not handle;
    the feed counts it (`stats.unknown`) and goes on."""


class FeedConfigError(FeedError, ValueError):
    """Raised when a feed, a replay or a reconnect backoff is asked for with an argument that
    cannot work (an unknown exchange, a pace <= 0); a ValueError for callers that catch that."""


class DataError(FeedError):
    """Raised for a data file that cannot be used: missing, of no known format, or a corrupt or
    out-of-order line. The message names the file (and line, when there is one)."""


class NotificationError(Bot4Error):
    """Raised by a notification sink (webhook, Telegram) that refused or did not answer a
    message; its breaker counts it and the notifier goes on. `retry_after_s` is the wait the
    receiver asked for (Telegram's 429 `retry_after`), 0.0 when it named none. The message never
    holds a token or a webhook's path."""

    def __init__(self, message: str, retry_after_s: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
