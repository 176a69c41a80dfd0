"""Writes sessions in the recordings format (cryptofeed's raw capture), for `bot4 record` and synth.

One folder per session, the same files `/work/shared/data/recordings/README.md` describes:
`<EXCH>.0` (instrument metadata REST responses and the `configuration:` line),
`<EXCH>.http.0.0` (REST snapshots taken during the run) and `<EXCH>.ws.<conn>.0` (one file per
WebSocket connection: connect line, frames we sent, frames we received). Because the format is
the shared one, `bot4 replay` and the replay server read Bot4's own recordings and the shared ones
alike. Timestamps are written with full nanosecond digits (the readers parse them as floats).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

__all__ = ["RecordingWriter", "format_ts"]


def format_ts(ts_ns: int) -> str:
    """Unix seconds as the format writes them, exact to the nanosecond: `1633998512.063356900`."""
    return f"{ts_ns // 1_000_000_000}.{ts_ns % 1_000_000_000:09d}"


def _one_line(text: str) -> str:
    # The format is line based: a body with a newline would split a record in two.
    return text.replace("\r", "").replace("\n", " ")


class RecordingWriter:
    """Appends one session's records to its files; `close()` is idempotent.

    Files are opened lazily, so a session that never fetched a snapshot has no `.http.0.0`.
    """

    def __init__(self, folder: Path, exchange: str) -> None:
        self.folder = folder  # where the files go (created)
        self.prefix = exchange.upper().replace("-", "_")  # file prefix: BINANCE, BINANCE_FUTURES
        self.connections = 0  # WebSocket connections started so far (file number = this)
        self.frames = 0  # received frames written, over all connections
        self.snapshots = 0  # REST responses written to the `.http.0.0` file
        self._files: dict[str, IO[str]] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def _file(self, name: str) -> IO[str]:
        f = self._files.get(name)
        if f is None:
            f = (self.folder / name).open("a", encoding="utf-8")
            self._files[name] = f
        return f

    def _ws(self) -> IO[str]:
        assert self.connections > 0, "ws_connect() opens a connection first"  # nosec B101
        return self._file(f"{self.prefix}.ws.{self.connections}.0")

    def header(self, url: str, ts_ns: int, body: str) -> None:
        """An instrument metadata response (exchangeInfo, products, AssetPairs)."""
        self._file(f"{self.prefix}.0").write(f"{url} -> {format_ts(ts_ns)}: {_one_line(body)}\n")

    def configuration(self, config: dict[str, list[str]]) -> None:
        """The subscription, as {channel: [symbols]}."""
        self._file(f"{self.prefix}.0").write(f"configuration: {json.dumps(config)}\n")

    def ws_connect(self, url: str, ts_ns: int) -> None:
        """A new WebSocket connection: later frames go to its own `.ws.<n>.0` file."""
        self.connections += 1
        self._ws().write(f"{url} <-> {format_ts(ts_ns)}\n")

    def ws_sent(self, url: str, ts_ns: int, text: str) -> None:
        self._ws().write(f"{url} <- {format_ts(ts_ns)}: {_one_line(text)}\n")

    def ws_recv(self, ts_ns: int, text: str) -> None:
        self._ws().write(f"{format_ts(ts_ns)}: {_one_line(text)}\n")
        self.frames += 1

    def http(self, url: str, ts_ns: int, body: str) -> None:
        """A REST response taken during the run (a depth snapshot)."""
        self._file(f"{self.prefix}.http.0.0").write(
            f"{url} -> {format_ts(ts_ns)}: {_one_line(body)}\n"
        )
        self.snapshots += 1

    def flush(self) -> None:
        for f in self._files.values():
            f.flush()

    def close(self) -> None:
        files, self._files = self._files, {}
        for f in files.values():
            f.close()
