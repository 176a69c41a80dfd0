"""Synthetic Kraken WebSocket v1 sessions: `book-10` snapshots and updates with valid CRC32.

Kraken's rules, reproduced: a client keeps only the subscribed depth; an update lists the levels
that changed within it (a level pushed below the depth is not deleted by Kraken — the client
truncates), a deletion inside the depth comes with the level that moves up into view, and `c`
is the CRC32 of the top 10 asks (ascending) then top 10 bids (descending), each level written as
price then volume with the dot removed and leading zeros stripped.
"""

from __future__ import annotations

import random
import zlib

import orjson

from bot4.marketdata.synth._ladder import Ladder, sample_levels
from bot4.marketdata.synth._session import Session, wire
from bot4.marketdata.synth.binance import SynthSymbol

__all__ = ["KRAKEN_SYMBOLS", "kraken_checksum", "kraken_session"]

_START_NS = 1_764_000_000 * 1_000_000_000
_PRICE_WIRE = 5  # Kraken writes prices with 5 decimals for these pairs ("56218.30000")
_VOL_WIRE = 8  # and volumes with 8 ("0.15000000")

KRAKEN_SYMBOLS: tuple[SynthSymbol, ...] = (
    SynthSymbol(symbol="XBT/USD", base="XBT", quote="USD", mid="43250.0",
                price_precision=1, size_precision=8, max_lots=500_000_000),
    SynthSymbol(symbol="ETH/USD", base="ETH", quote="USD", mid="2250.00",
                price_precision=2, size_precision=8, max_lots=5_000_000_000),
)  # fmt: skip


def _digits(text: str) -> str:
    return text.replace(".", "").lstrip("0")


def kraken_checksum(asks: list[tuple[str, str]], bids: list[tuple[str, str]]) -> str:
    """Kraken's book checksum over the top 10 of each side, as the decimal string it sends."""
    parts = [_digits(p) + _digits(v) for p, v in asks[:10]]
    parts += [_digits(p) + _digits(v) for p, v in bids[:10]]
    return str(zlib.crc32("".join(parts).encode()))


def kraken_session(
    *,
    messages: int,
    seed: int,
    symbols: tuple[SynthSymbol, ...] = KRAKEN_SYMBOLS,
    depth: int = 10,
    duration_s: float = 60.0,
    trade_ratio: float = 0.1,
    resubscribe_at: tuple[int, ...] = (),
) -> Session:
    """A deterministic Kraken v1 session: status, subscriptions, snapshots, then updates/trades.

    For each frame index in `resubscribe_at`, `session.resubscribe_frames[i]` holds what Kraken
    would send a client that (re)subscribes just before frame `i`: fresh book snapshots. The
    replay server sends them on a reconnect at that point, so in-stream resyncs are testable.
    """
    # Synthetic data, seeded for determinism: not a security use of random.
    rng = random.Random(seed)  # nosec B311
    pairs = [s.symbol for s in symbols]
    session = Session(
        exchange="kraken",
        ws_url="wss://ws.kraken.com",
        configuration={"l2_book": [p.replace("/", "-") for p in pairs], "trades": []},
    )
    session.configuration["trades"] = list(session.configuration["l2_book"])
    session.headers.append(
        ("https://api.kraken.com/0/public/AssetPairs", _START_NS, _pairs(symbols))
    )
    session.sent.append(
        orjson.dumps(
            {"event": "subscribe", "pair": pairs, "subscription": {"name": "book", "depth": depth}}
        ).decode()
    )
    session.sent.append(
        orjson.dumps(
            {"event": "subscribe", "pair": pairs, "subscription": {"name": "trade"}}
        ).decode()
    )
    step_ns = max(1, int(duration_s * 1e9) // max(messages + 2 * len(symbols) + 1, 1))
    ts = _START_NS
    frames = session.frames
    dumps = orjson.dumps
    channel = f"book-{depth}"

    def emit(doc: object) -> None:
        nonlocal ts
        ts += step_ns
        frames.append((ts, doc if isinstance(doc, str) else dumps(doc).decode()))

    emit({"connectionID": rng.getrandbits(63), "event": "systemStatus", "status": "online",
          "version": "1.9.0"})  # fmt: skip
    ladders = []
    for n, s in enumerate(symbols):
        mid = round(float(s.mid) * 10**s.price_precision)
        ladders.append(Ladder(rng, mid, depth * 3, s.max_lots))
        emit({"channelID": 100 + n, "channelName": channel, "event": "subscriptionStatus",
              "pair": s.symbol, "status": "subscribed",
              "subscription": {"depth": depth, "name": "book"}})  # fmt: skip

    def snapshots() -> list[str]:
        """What Kraken sends after a (re)subscribe: the status and the book of every pair."""
        out = []
        tss = f"{ts // 10**9}.{ts % 10**9 // 1000:06d}"
        for n, s in enumerate(symbols):
            status = {"channelID": 100 + n, "channelName": channel, "event": "subscriptionStatus",
                      "pair": s.symbol, "status": "subscribed",
                      "subscription": {"depth": depth, "name": "book"}}  # fmt: skip
            out.append(dumps(status).decode())
        for n, s in enumerate(symbols):
            lad = ladders[n]
            asks = [[*_lvl(s, p, q), tss] for p, q in lad.top(False, depth)]
            bids = [[*_lvl(s, p, q), tss] for p, q in lad.top(True, depth)]
            out.append(dumps([100 + n, {"as": asks, "bs": bids}, channel, s.symbol]).decode())
        return out

    for text in snapshots()[len(symbols) :]:
        emit(text)
    pending = sorted(resubscribe_at)
    for _ in range(messages):
        if pending and len(frames) >= pending[0]:
            # A client reconnecting here would get these instead of the frames it missed.
            session.resubscribe_frames[len(frames)] = snapshots()
            while pending and len(frames) >= pending[0]:
                pending.pop(0)
        n = rng.randrange(len(symbols))
        s, lad = symbols[n], ladders[n]
        tss = f"{(ts + step_ns) // 10**9}.{(ts + step_ns) % 10**9 // 1000:06d}"
        if rng.random() < trade_ratio:
            side = rng.choice("bs")
            price = lad.mid + (1 if side == "b" else -1)
            qty = rng.randint(1, s.max_lots // 100)
            trade = [wire(price, s.price_precision, _PRICE_WIRE),
                     wire(qty, s.size_precision, _VOL_WIRE), tss, side, "l", ""]  # fmt: skip
            emit([200 + n, [trade], "trade", s.symbol])
            continue
        old_a, old_b = dict(lad.top(False, depth)), dict(lad.top(True, depth))
        lad.step(max(1, sample_levels(rng) // 3))
        new_a_l, new_b_l = lad.top(False, depth), lad.top(True, depth)
        a = _diff(s, old_a, dict(new_a_l), lad.asks, tss)
        b = _diff(s, old_b, dict(new_b_l), lad.bids, tss)
        if not a and not b:
            continue
        checksum = kraken_checksum(
            [_lvl(s, p, q) for p, q in new_a_l], [_lvl(s, p, q) for p, q in new_b_l]
        )
        if a and b:
            emit([100 + n, {"a": a}, {"b": b, "c": checksum}, channel, s.symbol])
        elif a:
            emit([100 + n, {"a": a, "c": checksum}, channel, s.symbol])
        else:
            emit([100 + n, {"b": b, "c": checksum}, channel, s.symbol])
        if rng.random() < 0.02:
            emit('{"event":"heartbeat"}')
    if pending:
        # Asked for at (or past) the end: the books as the session leaves them.
        session.resubscribe_frames[len(frames)] = snapshots()
    return session


def _lvl(s: SynthSymbol, price: int, qty: int) -> tuple[str, str]:
    return wire(price, s.price_precision, _PRICE_WIRE), wire(qty, s.size_precision, _VOL_WIRE)


def _diff(
    s: SynthSymbol, old: dict[int, int], new: dict[int, int], full: dict[int, int], tss: str
) -> list[list[str]]:
    """Levels an update carries: changed or newly visible ones, and deletions inside the depth.

    A level that left the view but still exists deeper was pushed out by an insert: Kraken does
    not send it; the client's truncation removes it.
    """
    out = [[*_lvl(s, p, q), tss] for p, q in new.items() if old.get(p) != q]
    out += [[*_lvl(s, p, 0), tss] for p in old if p not in new and p not in full]
    return out


def _pairs(symbols: tuple[SynthSymbol, ...]) -> str:
    result = {
        f"{s.base}{s.quote}": {
            "altname": f"{s.base}{s.quote}", "wsname": s.symbol, "base": s.base,
            "quote": s.quote, "pair_decimals": s.price_precision, "lot_decimals": s.size_precision,
        }
        for s in symbols
    }  # fmt: skip
    return orjson.dumps({"error": [], "result": result}).decode()
