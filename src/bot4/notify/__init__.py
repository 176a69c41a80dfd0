# bot4.notify: notifications a trader gets on a phone. Depends on clock, errors, model,
# resilience (a breaker per sink) and risk (kill-switch events); the engine depends on it.
#   config     NotificationsConfig: the `[notifications]` table
#   _notice    Notice, Priority and the wording of each event; combine() for a coalesced burst
#   _queue     NoticeQueue: bounded, drops the oldest lowest-priority notice, never a kill trip
#   _bucket    TokenBucket: a sink's rate limit
#   _sinks     WebhookSink (JSON POST, HMAC-signed), TelegramSink (Bot API sendMessage)
#   _sender    SinkSender: one sink's queue, bucket, breaker and drain task
#   _notifier  Notifier: the node's events in, one sender per sink out; daily PnL; metrics
"""Notifications of fills, kill-switch and breaker trips, reconciliation and daily PnL."""

from bot4.notify._notice import Notice as Notice
from bot4.notify._notice import Priority as Priority
from bot4.notify._notifier import Notifier as Notifier
from bot4.notify._notifier import PnlSource as PnlSource
from bot4.notify._sinks import SIGNATURE_HEADER as SIGNATURE_HEADER
from bot4.notify._sinks import TelegramSink as TelegramSink
from bot4.notify._sinks import WebhookSink as WebhookSink
from bot4.notify.config import ALL_EVENTS as ALL_EVENTS
from bot4.notify.config import EventName as EventName
from bot4.notify.config import NotificationsConfig as NotificationsConfig

__all__ = [
    "ALL_EVENTS",
    "SIGNATURE_HEADER",
    "EventName",
    "Notice",
    "NotificationsConfig",
    "Notifier",
    "PnlSource",
    "Priority",
    "TelegramSink",
    "WebhookSink",
]
