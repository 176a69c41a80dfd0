"""A Binance API error the emulator answers with: HTTP status, Binance code and message."""

from __future__ import annotations

from typing import Any


class Reject(Exception):  # noqa: N818 - an answer, not a failure of the emulator
    """Raised inside a handler; the server turns it into `{"code": ..., "msg": ...}`."""

    def __init__(
        self,
        status: int,
        code: int,
        msg: str,
        headers: dict[str, str] | None = None,
        *,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(msg)
        self.data = data  # extra body field (cancelReplace's partial results)
        self.status = status
        self.code = code
        self.msg = msg
        self.headers = headers or {}
