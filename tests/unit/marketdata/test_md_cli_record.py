"""`bot4 record` against the loopback replay server playing the exchange."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.io import book_state, replay_offline
from typer.testing import CliRunner

from bot4.cli import app
from bot4.marketdata.cli.record import METADATA_URLS, record_session
from bot4.marketdata.feeds import BinanceSpotFeed
from bot4.marketdata.recorder import RecordingWriter, format_ts
from bot4.marketdata.sources.recording import read_header, read_records
from bot4.marketdata.sources.replay import (
    RecordedSession,
    ReplayServer,
    SnapshotServer,
    from_synthetic,
    load_session,
)
from bot4.marketdata.synth import binance_session

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def _exchange() -> RecordedSession:
    return from_synthetic(binance_session(messages=800, seed=21, depth=40, duration_s=1))


def _with_metadata(session: RecordedSession) -> list[tuple[str, int, str]]:
    info = binance_session(messages=1, seed=21, depth=1).headers
    return [*session.snapshots, *info]


async def test_record_writes_what_replays_to_the_same_books(tmp_path: Path) -> None:
    session = _exchange()
    async with (
        ReplayServer(session.frames) as ws,
        SnapshotServer(_with_metadata(session)) as http,
    ):
        result = await record_session(
            "binance", SYMBOLS, tmp_path, url=ws.url, rest_base=http.base, max_frames=800,
            duration_s=20,
        )  # fmt: skip
    assert result.frames == 800
    assert result.snapshots == 3
    assert result.connections == 1
    header = read_header(tmp_path / "BINANCE.0")
    assert header.configuration["l2_book"] == SYMBOLS
    assert [r.url for r in header.responses] == [METADATA_URLS["binance"]]
    sent = [r for r in read_records(tmp_path / "BINANCE.ws.1.0") if r.kind == "sent"]
    assert len(sent) == 1 and "SUBSCRIBE" in sent[0].body

    recorded = load_session(tmp_path / "BINANCE.ws.1.0", tmp_path / "BINANCE.http.0.0")
    assert [t for _, t in recorded.frames] == [t for _, t in session.frames]
    # Replaying the recording offline rebuilds the books the generator's session builds.
    ours, theirs = BinanceSpotFeed(SYMBOLS), BinanceSpotFeed(SYMBOLS)
    replay_offline(ours, recorded.frames, recorded.snapshots)
    replay_offline(theirs, session.frames, session.snapshots)
    assert book_state(ours.books) == book_state(theirs.books)
    assert all(b.synced for b in ours.books.values())


async def test_record_without_metadata_or_limits(tmp_path: Path) -> None:
    session = _exchange()
    with pytest.raises(ValueError, match="duration_s or max_frames"):
        await record_session("binance", SYMBOLS, tmp_path)
    async with ReplayServer(session.frames) as ws, SnapshotServer(session.snapshots) as http:
        # No exchangeInfo on this server (404): recorded without it, with a warning.
        result = await record_session(
            "binance", SYMBOLS, tmp_path, url=ws.url, rest_base=http.base, duration_s=0.5
        )
    # Stopped by the clock, not by a frame count: whatever arrived by then is all on disk.
    recv = [r for r in read_records(tmp_path / "BINANCE.ws.1.0") if r.kind == "recv"]
    assert 0 < result.frames <= 800
    assert len(recv) == result.frames
    assert read_header(tmp_path / "BINANCE.0").responses == []


@pytest.fixture
def exchange_in_thread() -> Iterator[tuple[str, str]]:
    """The replay servers on their own loop in a thread, for the synchronous CLI runner."""
    session = _exchange()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    urls: list[str] = []
    servers: list[object] = []

    async def start() -> None:
        ws = ReplayServer(session.frames)
        http = SnapshotServer(_with_metadata(session))
        await ws.start()
        await http.start()
        servers.extend([ws, http])
        urls.extend([ws.url, http.base])
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    assert ready.wait(10)
    try:
        yield urls[0], urls[1]
    finally:
        for s in servers:
            asyncio.run_coroutine_threadsafe(s.close(), loop).result(10)  # type: ignore[attr-defined]
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_record_cli(tmp_path: Path, exchange_in_thread: tuple[str, str]) -> None:
    ws_url, rest = exchange_in_thread
    runner = CliRunner()
    args = ["record", "--exchange", "binance", "--symbols", "BTCUSDT,ETHUSDT,SOLUSDT",
            "--out", str(tmp_path), "--url", ws_url, "--rest-base", rest, "--max-frames", "800",
            "--duration-s", "20"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "recorded 800 frames, 3 snapshots over 1 connection(s)" in result.output
    assert (tmp_path / "BINANCE.http.0.0").is_file()


def test_record_cli_rejects_bad_arguments(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["record", "--exchange", "nope", "--symbols", "X", "--out", "o"])
    assert bad.exit_code == 2
    assert "--exchange must be one of" in bad.output
    empty = runner.invoke(
        app, ["record", "--exchange", "kraken", "--symbols", " , ", "--out", str(tmp_path)]
    )
    assert empty.exit_code == 2


def test_writer_format_is_what_the_reader_reads(tmp_path: Path) -> None:
    w = RecordingWriter(tmp_path, "binance-futures")
    w.configuration({"l2_book": ["BTCUSDT"]})
    w.header("https://x/exchangeInfo", 1_000_000_000_123, '{"a":\n1}')
    w.ws_connect("wss://x", 2_000_000_000_000)
    w.ws_sent("wss://x", 2_000_000_000_001, "sub")
    w.ws_recv(2_000_000_000_002, '{"b":2}')
    w.http("https://x/depth", 2_000_000_000_003, "{}")
    w.flush()
    w.close()
    w.close()  # idempotent
    assert format_ts(1_000_000_000_123) == "1000.000000123"
    header = read_header(tmp_path / "BINANCE_FUTURES.0")
    assert header.responses[0].body == '{"a": 1}'  # newlines flattened: one record per line
    assert header.responses[0].ts_ns == 1_000_000_000_123
    kinds = [(r.kind, r.ts_ns) for r in read_records(tmp_path / "BINANCE_FUTURES.ws.1.0")]
    assert kinds == [
        ("connect", 2_000_000_000_000),
        ("sent", 2_000_000_000_001),
        ("recv", 2_000_000_000_002),
    ]
    assert [r.url for r in read_records(tmp_path / "BINANCE_FUTURES.http.0.0")] == [
        "https://x/depth"
    ]
    w2 = RecordingWriter(tmp_path / "n", "kraken")
    with pytest.raises(AssertionError, match="ws_connect"):
        w2.ws_recv(1, "x")
    w2.close()
