"""End to end over a real loopback WebSocket: replay server -> FeedConnection -> books."""

from __future__ import annotations

import asyncio

from tests.support.io import book_state, replay_offline
from tests.support.waiting import until

from bot4.clock import LiveClock
from bot4.marketdata.feeds.binance import BinanceFuturesFeed, BinanceSpotFeed
from bot4.marketdata.sources._ws_config import ConnectionConfig
from bot4.marketdata.sources.replay import ReplayServer, SnapshotServer, from_synthetic
from bot4.marketdata.sources.ws import FeedConnection
from bot4.marketdata.synth import binance_session

FAST = ConnectionConfig(backoff_initial_s=0.005, backoff_max_s=0.02, connect_timeout_s=5)
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def _all_synced(handler: BinanceSpotFeed | BinanceFuturesFeed) -> bool:
    """Every symbol has a synced book (the snapshots may land after the last frame)."""
    return sorted(handler.books) == SYMBOLS and all(b.synced for b in handler.books.values())


async def _e2e(futures: bool) -> int:
    session = from_synthetic(
        binance_session(messages=6000, seed=11, futures=futures, depth=200, duration_s=1)
    )
    feed_cls = BinanceFuturesFeed if futures else BinanceSpotFeed
    offline = feed_cls(SYMBOLS)
    replay_offline(offline, session.frames, session.snapshots)
    expected = book_state(offline.books)
    assert all(synced for synced, _, _ in expected.values())

    # Cut the link after frame 2000 and lose 40 frames while reconnecting: the client must
    # notice nothing is wrong only through on_disconnect, fetch fresh snapshots and resync.
    async with (
        ReplayServer(session.frames, disconnect_after=[2000], skip_on_reconnect=40) as ws,
        SnapshotServer(session.snapshots) as http,
    ):
        handler = feed_cls(SYMBOLS)
        events: list[object] = []
        conn = FeedConnection(
            handler, ws.url, sink=events.extend, clock=LiveClock(), rest_base=http.base, config=FAST
        )
        task = asyncio.create_task(conn.run())
        await until(
            lambda: (
                ws.done.is_set()
                and conn.stats.frames == ws.stats.frames_sent
                and _all_synced(handler)
            )
        )
        live = book_state(handler.books)
        await conn.close()
        await task

    assert ws.stats.connections == 2
    assert ws.stats.frames_skipped == 40
    assert conn.stats.connects == 2 and conn.stats.disconnects == 2
    # Each symbol synced on each connection; a snapshot that came back after its connection
    # ended is discarded (its connection's books were reset), never applied to the new one.
    assert conn.stats.snapshots_applied + conn.stats.snapshots_discarded == 6
    assert conn.stats.snapshots_applied >= 3
    assert len(http.requests) == 6
    assert handler.stats.errors == 0
    assert live == expected
    assert events, "the sink received the normalised events"
    return conn.stats.connects


async def test_forced_disconnect_resyncs_spot_books_equal_offline_replay() -> None:
    assert await _e2e(futures=False) == 2


async def test_forced_disconnect_resyncs_futures_books_equal_offline_replay() -> None:
    assert await _e2e(futures=True) == 2


async def test_malformed_frames_are_counted_and_never_stop_the_feed() -> None:
    session = from_synthetic(binance_session(messages=1500, seed=12, depth=100, duration_s=1))
    frames = list(session.frames)
    for i, junk in ((100, "not json"), (700, '{"stream":"x","data":{"e":"depthUpdate"}}'),
                    (1200, "\x00\x01")):  # fmt: skip
        frames.insert(i, (frames[i][0], junk))
    offline = BinanceSpotFeed(SYMBOLS)
    replay_offline(offline, frames, session.snapshots)
    async with ReplayServer(frames) as ws, SnapshotServer(session.snapshots) as http:
        handler = BinanceSpotFeed(SYMBOLS)
        conn = FeedConnection(
            handler, ws.url, sink=lambda e: None, clock=LiveClock(), rest_base=http.base,
            config=FAST,
        )  # fmt: skip
        task = asyncio.create_task(conn.run())
        await until(
            lambda: ws.done.is_set() and conn.stats.frames == len(frames) and _all_synced(handler)
        )
        live = book_state(handler.books)
        await conn.close()
        await task
    assert handler.stats.errors + handler.stats.unknown == 3
    assert conn.stats.connects == 1  # a bad frame costs the frame, not the connection
    assert live == book_state(offline.books)


async def test_kraken_reconnect_resubscribes_and_resyncs_from_fresh_snapshots() -> None:
    from bot4.marketdata.feeds import KrakenFeed
    from bot4.marketdata.synth.kraken import kraken_session

    synth = kraken_session(messages=3000, seed=13, resubscribe_at=(1600,))
    session = from_synthetic(synth)
    (at,) = session.resubscribe_frames  # the first frame index at or after 1600
    pairs = ["XBT/USD", "ETH/USD"]
    offline = KrakenFeed(pairs, depth=10)
    replay_offline(offline, session.frames, [])
    # Cut after frame 1499 and lose everything up to `at`: only the fresh snapshots that
    # answer the resubscription can bring the books back.
    async with ReplayServer(
        session.frames,
        disconnect_after=[1499],
        skip_on_reconnect=at - 1500,
        resubscribe_frames=session.resubscribe_frames,
    ) as ws:
        handler = KrakenFeed(pairs, depth=10)
        conn = FeedConnection(handler, ws.url, sink=lambda e: None, clock=LiveClock(), config=FAST)
        total = len(session.frames) - (at - 1500) + len(session.resubscribe_frames[at])
        task = asyncio.create_task(conn.run())
        await until(lambda: ws.done.is_set() and conn.stats.frames == total)
        live = book_state(handler.books)
        await conn.close()
        await task
    subscribe = handler.subscribe_messages()
    assert [m for m in ws.stats.received if m in subscribe] == subscribe * 2  # resubscribed
    assert handler.stats.checksum_failed == 0 and handler.stats.errors == 0
    assert conn.stats.connects == 2
    assert all(synced for synced, _, _ in live.values()) and len(live) == 2
    assert live == book_state(offline.books)


async def test_kraken_checksum_failure_reconnects_and_resyncs_over_the_network() -> None:
    from bot4.marketdata.feeds import KrakenFeed
    from bot4.marketdata.synth.kraken import kraken_session

    # Fresh snapshots every 100 frames (and at the end): wherever the reconnect lands, the
    # server can answer the resubscription as Kraken would.
    synth = kraken_session(messages=3000, seed=14, resubscribe_at=tuple(range(0, 3400, 100)))
    session = from_synthetic(synth)
    frames = list(session.frames)
    bad = next(i for i in range(1000, len(frames)) if '"c":"' in frames[i][1])
    ts, text = frames[bad]
    head, _, tail = text.partition('"c":"')
    checksum, _, rest = tail.partition('"')
    wrong = "1" if checksum != "1" else "2"
    frames[bad] = (ts, f'{head}"c":"{wrong}"{rest}')  # the update claims another book
    pairs = ["XBT/USD", "ETH/USD"]
    truth = KrakenFeed(pairs, depth=10)
    replay_offline(truth, session.frames, [])
    expected = book_state(truth.books)
    async with ReplayServer(frames, resubscribe_frames=session.resubscribe_frames) as ws:
        handler = KrakenFeed(pairs, depth=10)
        conn = FeedConnection(handler, ws.url, sink=lambda e: None, clock=LiveClock(), config=FAST)
        task = asyncio.create_task(conn.run())
        # Converges: the corrupted update fails its checksum, the handler asks for a resync,
        # the connection drops, reconnects and resubscribes, and fresh snapshots rebuild it.
        await until(
            lambda: ws.done.is_set() and conn.stats.connects == 2
            and book_state(handler.books) == expected
        )  # fmt: skip
        await conn.close()
        await task
    assert handler.stats.checksum_failed == 1
    assert conn.stats.requested_reconnects == 1


async def test_coinbase_reconnect_resnapshots_and_books_equal_offline_replay() -> None:
    from bot4.marketdata.feeds import CoinbaseFeed
    from bot4.marketdata.synth.coinbase import coinbase_session

    # Coinbase's level2 has no sequence numbers: a disconnect can only be healed by the
    # snapshot that answers the new subscription.
    synth = coinbase_session(messages=3000, seed=15, resubscribe_at=tuple(range(0, 3400, 100)))
    session = from_synthetic(synth)
    products = ["BTC-USD", "ETH-USD"]
    truth = CoinbaseFeed(products)
    replay_offline(truth, session.frames, [])
    expected = book_state(truth.books)
    async with ReplayServer(
        session.frames, disconnect_after=[1234], resubscribe_frames=session.resubscribe_frames
    ) as ws:
        handler = CoinbaseFeed(products)
        conn = FeedConnection(handler, ws.url, sink=lambda e: None, clock=LiveClock(), config=FAST)
        task = asyncio.create_task(conn.run())
        await until(
            lambda: ws.done.is_set() and conn.stats.connects == 2
            and book_state(handler.books) == expected
        )  # fmt: skip
        await conn.close()
        await task
    assert ws.stats.frames_skipped == 1300 - 1235  # resumed at the next snapshot point
    assert handler.stats.errors == 0 and handler.stats.crossed == 0
