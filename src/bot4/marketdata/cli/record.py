"""`bot4 record`: save a live session (frames + REST snapshots) in the recordings format.

The recording is what the feed handler saw: the connection runs the exchange's handler (so the
REST depth snapshots are fetched exactly when the sync procedure asks for them, and recorded),
and every frame sent and received goes to `<EXCH>.ws.<n>.0`, one file per connection. The
instrument metadata (exchangeInfo / products / AssetPairs) is fetched once into `<EXCH>.0`.
`bot4 replay` and the replay server read the result like the shared recordings.

`--url` and `--rest-base` point it at another server (the local replay server in tests).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated, cast

import typer

from bot4.clock import Clock, LiveClock
from bot4.errors import FeedConfigError
from bot4.marketdata._handler import FeedHandler
from bot4.marketdata.feeds import make_feed
from bot4.marketdata.recorder import RecordingWriter
from bot4.marketdata.sources._offline import EXCHANGES
from bot4.marketdata.sources.ws import FeedConnection

__all__ = ["METADATA_URLS", "RecordResult", "record_command", "record_session"]

logger = logging.getLogger(__name__)

# Where each exchange publishes its instrument metadata (precisions come from it on replay).
METADATA_URLS = {
    "binance": "https://api.binance.com/api/v3/exchangeInfo",
    "binance-futures": "https://fapi.binance.com/fapi/v1/exchangeInfo",
    "coinbase": "https://api.exchange.coinbase.com/products",
    "kraken": "https://api.kraken.com/0/public/AssetPairs",
}


class RecordResult:
    """What a recording session wrote."""

    def __init__(self, folder: Path, frames: int, snapshots: int, connections: int) -> None:
        self.folder = folder  # where the files are
        self.frames = frames  # received frames written
        self.snapshots = snapshots  # REST snapshots written
        self.connections = connections  # WebSocket connections (one .ws file each)


async def _fetch_metadata(
    conn: FeedConnection, writer: RecordingWriter, url: str, clock: Clock
) -> None:
    import aiohttp  # lazily: the CLI imports this module at every start

    try:
        async with (
            aiohttp.ClientSession() as http,
            asyncio.timeout(30),
            http.get(conn.rest_url(url)) as resp,
        ):
            body = await resp.text()
            if resp.status != 200:
                raise aiohttp.ClientResponseError(
                    resp.request_info, (), status=resp.status, message=body[:200]
                )
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("record: no instrument metadata from %s: %r", url, exc)
        return
    writer.header(url, clock.time_ns(), body)


async def record_session(
    exchange: str,
    symbols: list[str],
    out: Path,
    *,
    url: str | None = None,
    rest_base: str | None = None,
    duration_s: float | None = None,
    max_frames: int | None = None,
    clock: Clock | None = None,
) -> RecordResult:
    """Record until `duration_s` has passed or `max_frames` frames came (at least one is set)."""
    if duration_s is None and max_frames is None:
        raise FeedConfigError("record_session needs duration_s or max_frames")
    clock = clock or LiveClock()
    # Every concrete feed implements the protocol; BaseFeed itself leaves two members to them.
    handler = cast(FeedHandler, make_feed(exchange, symbols))
    writer = RecordingWriter(out, exchange)
    conn = FeedConnection(
        handler,
        url or str(getattr(handler, "ws_url", "")),
        sink=lambda events: None,
        clock=clock,
        rest_base=rest_base,
        recorder=writer,
    )
    try:
        writer.configuration({"l2_book": list(symbols), "trades": list(symbols)})
        await _fetch_metadata(conn, writer, METADATA_URLS[exchange], clock)
        task = asyncio.create_task(conn.run())
        try:
            async with asyncio.timeout(duration_s):
                while max_frames is None or conn.stats.frames < max_frames:
                    if task.done():
                        break
                    await asyncio.sleep(0.01)
        except TimeoutError:
            pass  # the duration is up: a normal end
        # A snapshot asked for near the end belongs in the recording: let it arrive.
        await conn.wait_snapshots(timeout_s=10.0)
        await conn.close()
        await task
    finally:
        writer.close()
    return RecordResult(out, writer.frames, writer.snapshots, writer.connections)


def record_command(
    exchange: Annotated[
        str, typer.Option("--exchange", help="binance, binance-futures, coinbase or kraken.")
    ],
    symbols: Annotated[
        str, typer.Option("--symbols", help="Comma-separated, as the exchange writes them.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the recording files.")],
    duration_s: Annotated[float, typer.Option("--duration-s", help="How long to record.")] = 60.0,
    max_frames: Annotated[
        int | None, typer.Option("--max-frames", help="Stop after this many frames.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="WebSocket URL (default: the exchange's).")
    ] = None,
    rest_base: Annotated[
        str | None, typer.Option("--rest-base", help="Replace the REST scheme+host (tests).")
    ] = None,
) -> None:
    """Record a live session (frames + REST snapshots) in the recordings format."""
    if exchange not in EXCHANGES:
        typer.echo(f"error: --exchange must be one of {', '.join(EXCHANGES)}", err=True)
        raise typer.Exit(2)
    names = [s.strip() for s in symbols.split(",") if s.strip()]
    if not names or duration_s <= 0:
        typer.echo("error: --symbols must name at least one symbol; --duration-s > 0", err=True)
        raise typer.Exit(2)
    result = asyncio.run(
        record_session(
            exchange, names, out, url=url, rest_base=rest_base, duration_s=duration_s,
            max_frames=max_frames,
        )
    )  # fmt: skip
    typer.echo(
        f"recorded {result.frames} frames, {result.snapshots} snapshots over "
        f"{result.connections} connection(s) into {result.folder}"
    )
