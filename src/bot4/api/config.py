"""The `[api]` table of the node's config: where the control API listens and its token.

Kept beside the API (as `risk/config.py` is beside the risk engine); the node's root config
embeds it as `api: ApiConfig`. Every field has a default, so a config without `[api]` serves on
127.0.0.1:8787 with a generated token.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from bot4.api._token import DEFAULT_HOST, DEFAULT_PORT

__all__ = ["ApiConfig"]


class ApiConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Control API, metrics and dashboard settings."""

    # Serve the API at all (default true). Without it there is no remote kill switch.
    enabled: bool = True
    # Interface to bind (default 127.0.0.1). Anything but loopback exposes the kill switch to the
    # network: put a TLS proxy in front.
    host: Annotated[str, msgspec.Meta(min_length=1)] = DEFAULT_HOST
    # TCP port (default 8787; 0 = any free port, printed at start). `bot4 run --api-port` wins.
    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = DEFAULT_PORT
    # The bearer token (default none: BOT4_API_TOKEN, else a random one written to the run
    # directory's api-token file). At least 16 characters: it guards the kill switch.
    token: Annotated[str, msgspec.Meta(min_length=16)] | None = None
    # How often the dashboard polls /status, in milliseconds (default 1000).
    dashboard_poll_ms: Annotated[int, msgspec.Meta(ge=100, le=60_000)] = 1000

    def __repr__(self) -> str:
        token = None if self.token is None else "'***'"
        return (
            f"ApiConfig(enabled={self.enabled!r}, host={self.host!r}, port={self.port!r}, "
            f"token={token}, dashboard_poll_ms={self.dashboard_poll_ms!r})"
        )
