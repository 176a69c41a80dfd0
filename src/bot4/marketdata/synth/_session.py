"""A synthetic session in memory: what a recorder would have captured, ready to write or serve."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot4.marketdata.recorder import RecordingWriter

__all__ = ["Session", "wire"]

_POW10 = [10**i for i in range(20)]


def wire(value: int, precision: int, decimals: int) -> str:
    """A fixed-point int as an exchange writes it: `precision` real decimals padded to `decimals`.

    Exchanges pad (Binance spot writes 8 decimals whatever the tick), so the parsers must accept
    trailing zeros beyond the instrument's precision; the generators reproduce that.
    """
    q, r = divmod(value, _POW10[precision])
    if decimals == 0:
        return str(q)
    return f"{q}.{r * _POW10[decimals - precision]:0{decimals}d}"


@dataclass(slots=True)
class Session:
    """One recorded (or generated) session of one exchange over one WebSocket connection."""

    exchange: str  # "binance", "binance-futures", "coinbase", "kraken"
    ws_url: str  # the URL the client connected to (Binance: the streams are in it)
    configuration: dict[str, list[str]]  # the `configuration:` line: {channel: [symbols]}
    headers: list[tuple[str, int, str]] = field(default_factory=list)  # (url, ts_ns, body)
    sent: list[str] = field(default_factory=list)  # subscribe frames the client sent
    frames: list[tuple[int, str]] = field(default_factory=list)  # (ts_ns, text) received
    snapshots: list[tuple[str, int, str]] = field(default_factory=list)  # REST (url, ts_ns, body)
    # frame index -> frames a venue sends on a (re)subscribe there (Kraken's in-stream snapshots)
    resubscribe_frames: dict[int, list[str]] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        """Write the session in the recordings format; returns the `.ws.1.0` file's path."""
        writer = RecordingWriter(folder, self.exchange)
        try:
            start = self.frames[0][0] if self.frames else 0
            for url, ts, body in self.headers:
                writer.header(url, ts, body)
            writer.configuration(self.configuration)
            writer.ws_connect(self.ws_url, start)
            for text in self.sent:
                writer.ws_sent(self.ws_url, start, text)
            for ts, text in self.frames:
                writer.ws_recv(ts, text)
            for url, ts, body in sorted(self.snapshots, key=lambda s: s[1]):
                writer.http(url, ts, body)
        finally:
            writer.close()
        return folder / f"{writer.prefix}.ws.1.0"
