"""`bot4 replay`: one recorded WebSocket connection through a feed handler, offline, to JSON.

The contract (other tools read it): `bot4 replay WS_FILE --exchange {binance,binance-futures,
coinbase,kraken} [--snapshots HTTP_FILE] [--header HEADER_FILE] [--verify] --json OUT` writes
`messages`, `parsed`, `errors`, `gaps`, `resyncs`, `checksum_ok`, `checksum_failed` (and a few more
counters) and `books`: {symbol: {"synced", "bids", "asks"}} with the top 10 levels as decimal
strings. Malformed lines are counted and the exit status stays 0; only an unreadable file or bad
arguments fail, with one line on stderr and exit status 2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot4.marketdata.sources._offline import EXCHANGES, replay_offline, replay_result

__all__ = ["replay_command"]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _count_lines(path: Path) -> int:
    """Lines in the file (a byte scan, ~GB/s: the bar's total without parsing anything)."""
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return n


@contextlib.contextmanager
def _progress(ws_file: Path, console: Console) -> Iterator[Callable[[int], object] | None]:
    """A progress bar on the console while the file is replayed; None (no bar) unless a TTY."""
    if not console.file.isatty():
        yield None
        return
    total = _count_lines(ws_file)
    columns = (
        TextColumn("replay {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("lines"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(ws_file.name, total=total)
        yield lambda lines: bar.update(task, completed=lines)


def replay_command(
    ws_file: Annotated[Path, typer.Argument(help="A recorded WebSocket connection (.ws.N.0).")],
    exchange: Annotated[
        str, typer.Option("--exchange", help="binance, binance-futures, coinbase or kraken.")
    ] = "",
    snapshots: Annotated[
        Path | None, typer.Option("--snapshots", help="Recorded REST snapshots (.http.0.0).")
    ] = None,
    header: Annotated[
        Path | None, typer.Option("--header", help="Instrument metadata header (.0).")
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Verify sequence numbers and checksums.")
    ] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result here.")] = None,
) -> None:
    """Replay a recorded WebSocket session through the feed handler (no network) into JSON."""
    if exchange not in EXCHANGES:
        raise _fail(f"--exchange must be one of {', '.join(EXCHANGES)} (got {exchange!r})")
    if json_out is None:
        raise _fail("--json OUT is required")
    for label, path in (("WS_FILE", ws_file), ("--snapshots", snapshots), ("--header", header)):
        if path is not None and not path.is_file():
            raise _fail(f"{label}: cannot read {path}")
    try:
        with _progress(ws_file, Console(stderr=True)) as progress:
            feed = replay_offline(
                ws_file, exchange, snapshots, header, verify=verify, progress=progress
            )
    except (OSError, msgspec.DecodeError) as exc:
        raise _fail(f"cannot read the recording: {exc}") from None
    result = replay_result(feed)
    try:
        json_out.write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=1))
    except OSError as exc:
        raise _fail(f"cannot write {json_out}: {exc}") from None
    s = feed.stats
    typer.echo(
        f"{exchange}: {s.messages} messages, {s.errors} errors, {s.gaps} gaps, "
        f"{s.resyncs} resyncs, checksums {s.checksum_ok} ok / {s.checksum_failed} failed, "
        f"{sum(b.synced for b in feed.books.values())}/{len(feed.books)} books synced"
    )
