"""The two places a notification goes: a generic webhook and Telegram's Bot API.

A sink knows the HTTP shape of one receiver and its secrets, nothing else: queueing, rate,
breaker and logging are the sender's (`_sender`). Each sink's `scrub` removes its secrets from
any text before it reaches a log line — aiohttp's own errors may quote the request URL, and a
Telegram URL carries the bot token (`/bot<token>/sendMessage`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
import msgspec

from bot4.errors import NotificationError
from bot4.notify._notice import Notice, combine, webhook_body
from bot4.notify.config import url_origin

__all__ = ["SIGNATURE_HEADER", "TELEGRAM_MAX_CHARS", "Sink", "TelegramSink", "WebhookSink"]

SIGNATURE_HEADER = "X-Bot4-Signature"
TELEGRAM_MAX_CHARS = 4096  # sendMessage's text limit (after entity parsing; we send plain text)
_WEBHOOK_MAX_CHARS = 16_000  # a combined text this long is a wall no one reads on a phone
_REDACTED = "***"


class Sink(Protocol):
    """One receiver of notifications."""

    name: str  # "webhook", "telegram": the label in metrics and the log
    max_chars: int  # the longest combined text one message may carry

    async def send(self, session: aiohttp.ClientSession, batch: Sequence[Notice]) -> None:
        """Deliver `batch` as one message; raises NotificationError (or aiohttp's errors,
        TimeoutError) when it was not taken."""
        ...

    def scrub(self, text: str) -> str:
        """`text` with every secret of this sink replaced by ***."""
        ...


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return text


class WebhookSink:
    """POST {"source", "text", "notices": [...]} as JSON; 2xx is success.

    With a signing key each request carries `X-Bot4-Signature: sha256=<hex HMAC of the body>`
    (the GitHub webhook convention), so a receiver can refuse forged alerts.
    """

    name = "webhook"
    max_chars = _WEBHOOK_MAX_CHARS

    def __init__(self, url: str, secret: str | None = None) -> None:
        self._url = url
        self._secret = secret.encode() if secret else None
        parts = urlsplit(url)
        rest = url[url.index(parts.netloc) + len(parts.netloc) :]  # path, query, fragment
        userinfo = parts.netloc.rpartition("@")[0]
        # The URL's path and query are secrets as much as the key (Slack, Discord).
        self._secrets = tuple(s for s in (secret, rest, userinfo) if s and s != "/")
        self.shown = url_origin(url)  # what the log may say about where it posts

    async def send(self, session: aiohttp.ClientSession, batch: Sequence[Notice]) -> None:
        body = msgspec.json.encode(webhook_body(batch))
        headers = {"Content-Type": "application/json"}
        if self._secret is not None:
            digest = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        async with session.post(self._url, data=body, headers=headers) as resp:
            if not 200 <= resp.status < 300:
                raise NotificationError(f"webhook {self.shown} answered HTTP {resp.status}")

    def scrub(self, text: str) -> str:
        return _scrub(text.replace(self._url, self.shown + "/" + _REDACTED), self._secrets)


class _TelegramAnswer(msgspec.Struct, kw_only=True):
    """The Bot API's envelope (only what we read)."""

    ok: bool  # false on any error, with the HTTP status and a description
    description: str = ""  # why, when not ok ("Bad Request: chat not found")
    parameters: dict[str, object] = {}  # on 429: {"retry_after": seconds}


_answer = msgspec.json.Decoder(_TelegramAnswer)


class TelegramSink:
    """`POST {base}/bot<token>/sendMessage` with chat_id and text, as the Bot API documents.

    Success is `{"ok": true, ...}`; a 429 carries `parameters.retry_after` (seconds), which the
    sender honours before the next message to this chat.
    """

    name = "telegram"
    max_chars = TELEGRAM_MAX_CHARS

    def __init__(self, token: str, chat_id: str, base_url: str) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/sendMessage"
        self._chat_id = chat_id
        self._secrets = (token,)

    async def send(self, session: aiohttp.ClientSession, batch: Sequence[Notice]) -> None:
        text = combine(batch)[: self.max_chars]
        payload = {"chat_id": self._chat_id, "text": text, "disable_web_page_preview": True}
        async with session.post(self._url, json=payload) as resp:
            raw = await resp.read()
        try:
            answer = _answer.decode(raw)
        except msgspec.DecodeError:
            raise NotificationError(f"telegram answered HTTP {resp.status}, not JSON") from None
        if resp.status == 200 and answer.ok:
            return
        retry = answer.parameters.get("retry_after", 0)
        retry_s = float(retry) if isinstance(retry, int | float) else 0.0
        raise NotificationError(
            f"telegram answered HTTP {resp.status}: {self.scrub(answer.description)}", retry_s
        )

    def scrub(self, text: str) -> str:
        return _scrub(text, self._secrets)
