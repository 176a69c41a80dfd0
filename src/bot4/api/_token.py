"""The API's bearer token: where it comes from, where it is kept, how it is checked.

Order of precedence, for the node and the CLI alike: an explicit value (config file / `--token`),
then `BOT4_API_TOKEN`, then — for the node only — a fresh random token. A generated token is
written to `<run dir>/api-token` with mode 0600 (created with that mode, never chmod-ed after,
so no other user can read it even for an instant) and announced with the dashboard URL that
carries it, as Jupyter does. The CLI finds it there.

Comparison is constant-time (`hmac.compare_digest` on bytes) so response timing tells an
attacker nothing about how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ENV_TOKEN",
    "TOKEN_FILE_NAME",
    "ApiToken",
    "dashboard_url",
    "find_token_file",
    "generate_token",
    "read_token_file",
    "resolve_token",
    "tokens_equal",
    "write_token_file",
]

# Loopback only by default: the API can halt trading; exposing it is a deliberate config change.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
ENV_TOKEN = "BOT4_API_TOKEN"  # noqa: S105 - a variable name, not a secret # nosec B105
TOKEN_FILE_NAME = "api-token"  # noqa: S105 - a file name, not a secret # nosec B105
# 32 random bytes: 256 bits, far beyond guessing over a loopback socket.
_TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class ApiToken:
    """The token in force and where it came from; `repr` never shows the value."""

    value: str
    source: Literal["config", "env", "generated"]
    file: Path | None = None  # where a generated token was written

    def __repr__(self) -> str:
        return f"ApiToken(value='***', source={self.source!r}, file={self.file!r})"

    @property
    def session_value(self) -> str:
        """The dashboard cookie's value: derived from the token, so the cookie (which a browser
        stores on disk) is not the token itself and cannot be replayed as a bearer token."""
        return hmac.new(self.value.encode(), b"bot4-dashboard-session", hashlib.sha256).hexdigest()


def generate_token() -> str:
    """A new random URL-safe token."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def tokens_equal(given: str, expected: str) -> bool:
    """Constant-time comparison; bytes so non-ASCII input is compared, not refused."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def write_token_file(run_dir: Path, token: str) -> Path:
    """Write `token` to `run_dir/api-token`, readable by its owner only (0600); returns the path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / TOKEN_FILE_NAME
    # Remove any old file first: O_CREAT's mode applies only to a file it creates.
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return path


def read_token_file(path: Path) -> str | None:
    """The token in `path`, or None when the file is missing or empty."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def find_token_file(runs_root: Path) -> Path | None:
    """The newest `api-token` directly in `runs_root` or in one of its run folders."""
    candidates = [runs_root / TOKEN_FILE_NAME, *runs_root.glob(f"*/{TOKEN_FILE_NAME}")]
    found = [p for p in candidates if p.is_file()]
    if not found:
        return None
    return max(found, key=lambda p: p.stat().st_mtime_ns)


def resolve_token(
    configured: str | None, run_dir: Path, env: Mapping[str, str] | None = None
) -> ApiToken:
    """The node's token: from the config, else `BOT4_API_TOKEN`, else generated and written
    to `run_dir/api-token` (0600). An empty string counts as not configured."""
    environ = os.environ if env is None else env
    if configured:
        return ApiToken(configured, "config")
    from_env = environ.get(ENV_TOKEN, "")
    if from_env:
        return ApiToken(from_env, "env")
    value = generate_token()
    return ApiToken(value, "generated", write_token_file(run_dir, value))


def dashboard_url(host: str, port: int, token: str | None = None) -> str:
    """The dashboard's URL; with `token` it logs the browser in (for a generated token)."""
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}/dashboard"
    return f"{base}?token={quote(token, safe='')}" if token else base
