"""The `[notifications]` table: where a trader's phone hears from the node, and how often.

Kept beside the notifier (as `risk/config.py` is beside the risk engine); the node's root config
embeds it as `notifications: NotificationsConfig`. With neither a webhook URL nor a Telegram
chat the notifier has no sink and costs nothing. Secrets are never in the file: the Telegram
bot token and the webhook's signing key are read from environment variables named here.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

import msgspec

__all__ = ["ALL_EVENTS", "EventName", "NotificationsConfig", "url_origin"]

EventName = Literal["fill", "kill_switch", "breaker", "reconciliation", "daily_pnl"]
ALL_EVENTS: tuple[EventName, ...] = (
    "fill",
    "kill_switch",
    "breaker",
    "reconciliation",
    "daily_pnl",
)


# The name of an environment variable, not a secret.
_TOKEN_ENV = "BOT4_TELEGRAM_TOKEN"  # noqa: S105  # nosec B105


def _all_events() -> list[EventName]:
    return list(ALL_EVENTS)


def url_origin(url: str) -> str:
    """scheme://host[:port] of a URL: what may be shown of a webhook URL (its path often is
    the secret, as in Slack's and Discord's incoming webhooks)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class NotificationsConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Notifications to a webhook and to Telegram: events, rate limits, queue (all optional)."""

    # POST each notification as JSON to this URL (default none: no webhook). Shown in
    # show-config and the log as scheme://host only (a webhook's path is often its secret).
    webhook_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")] | None = None
    # Environment variable holding the webhook's signing key (default none: unsigned). When set,
    # each POST carries X-Bot4-Signature: sha256=<HMAC-SHA256 of the body, hex>.
    webhook_secret_env: str | None = None
    # Telegram chat to message (default none: no Telegram); a numeric id or "@channelname".
    telegram_chat_id: str | None = None
    # Environment variable holding the Telegram bot token (default BOT4_TELEGRAM_TOKEN).
    telegram_token_env: Annotated[str, msgspec.Meta(min_length=1)] = _TOKEN_ENV
    # Telegram Bot API base URL (default https://api.telegram.org; a local Bot API server).
    telegram_base_url: Annotated[str, msgspec.Meta(pattern=r"^https?://")] = (
        "https://api.telegram.org"
    )
    # Which events to send (default all): fill, kill_switch, breaker, reconciliation, daily_pnl.
    events: list[EventName] = msgspec.field(default_factory=_all_events)
    # Messages per second to Telegram (default 1.0: Telegram's limit per chat).
    telegram_per_s: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    # Messages per second to the webhook (default 5.0).
    webhook_per_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    # Messages a sink may send at once before its rate applies (default 1).
    burst: Annotated[int, msgspec.Meta(ge=1)] = 1
    # Notifications waiting per sink (default 256); when full the oldest low-priority ones are
    # dropped and counted (kill-switch messages never are).
    queue_size: Annotated[int, msgspec.Meta(ge=1)] = 256
    # Notifications coalesced into one message when they queue up (default 20).
    max_per_message: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    # Seconds one HTTP request may take (default 5.0).
    timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    # Seconds a sink stays off after its breaker trips (default 30.0).
    breaker_open_s: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    # Seconds the node waits at stop for queued notifications to go out (default 3.0).
    flush_timeout_s: Annotated[float, msgspec.Meta(ge=0)] = 3.0

    @property
    def enabled(self) -> bool:
        """True when at least one sink is configured."""
        return self.webhook_url is not None or self.telegram_chat_id is not None

    def __repr__(self) -> str:
        webhook = None if self.webhook_url is None else url_origin(self.webhook_url) + "/***"
        return (
            f"NotificationsConfig(webhook_url={webhook!r}, "
            f"telegram_chat_id={self.telegram_chat_id!r}, events={self.events!r})"
        )
