"""Secrets out of a config before it is shown: `bot4 show-config` output is pasted into issues.

A value is a secret when its key names one (token, secret, password, passphrase, key) — the
whole value becomes "***" — and any string carrying a password in URL form
(`postgresql://u:pw@h/db`) or keyword form (`password=pw`) keeps everything but the password.
Redacting by name errs on the side of hiding: a harmless field named `*_key` is hidden too.
A webhook URL keeps only its scheme and host: its path is often the secret (Slack, Discord).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "redact"]

REDACTED = "***"
_SECRET_KEY = re.compile(
    r"(^|[_-])(token|secret|password|passwd|passphrase|key|apikey|credentials?)s?([_-]|$)",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^/\s]*@")
_WEBHOOK_KEY = re.compile(r"webhook.*url", re.IGNORECASE)
_URL_ORIGIN = re.compile(r"^(?P<origin>[A-Za-z][A-Za-z0-9+.-]*://)(?:[^/@\s]*@)?(?P<host>[^/\s]*)")
_KEYWORD_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd)\s*=\s*)('[^']*'|[^\s&;]+)", re.I
)


def redact(value: Any) -> Any:
    """A copy of a builtins tree (dicts, lists, scalars) with every secret replaced by ***."""
    if isinstance(value, dict):
        return {
            k: REDACTED if _SECRET_KEY.search(str(k)) and v is not None else _value(str(k), v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        value = _URL_PASSWORD.sub(rf"\g<head>:{REDACTED}@", value)
        return _KEYWORD_PASSWORD.sub(rf"\g<head>{REDACTED}", value)
    return value


def _value(key: str, value: Any) -> Any:
    if isinstance(value, str) and _WEBHOOK_KEY.search(key):
        m = _URL_ORIGIN.match(value)
        return f"{m['origin']}{m['host']}/{REDACTED}" if m else REDACTED
    return redact(value)
