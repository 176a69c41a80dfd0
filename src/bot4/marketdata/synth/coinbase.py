"""Synthetic Coinbase Exchange sessions: `snapshot`, `l2update` and `match` on one connection.

The `level2` channel has no sequence numbers or checksums; the generator writes what Coinbase
writes: one full snapshot per product, then changes as (side, price, new size), size "0" deletes.
"""

from __future__ import annotations

import random

import orjson

from bot4.marketdata.synth._ladder import Ladder, sample_levels
from bot4.marketdata.synth._session import Session, wire
from bot4.marketdata.synth.binance import SynthSymbol

__all__ = ["COINBASE_SYMBOLS", "coinbase_session"]

_START_NS = 1_764_000_000 * 1_000_000_000

COINBASE_SYMBOLS: tuple[SynthSymbol, ...] = (
    SynthSymbol(symbol="BTC-USD", base="BTC", quote="USD", mid="43250.00",
                price_precision=2, size_precision=8, max_lots=50_000_000),
    SynthSymbol(symbol="ETH-USD", base="ETH", quote="USD", mid="2250.00",
                price_precision=2, size_precision=8, max_lots=500_000_000),
)  # fmt: skip


def _iso(ts_ns: int) -> str:
    # A fixed calendar day is enough for synthetic data; only the time of day moves.
    s, ns = divmod(ts_ns, 10**9)
    h, rem = divmod(s % 86_400, 3600)
    return f"2025-11-24T{h:02d}:{rem // 60:02d}:{rem % 60:02d}.{ns // 1000:06d}Z"


def coinbase_session(
    *,
    messages: int,
    seed: int,
    symbols: tuple[SynthSymbol, ...] = COINBASE_SYMBOLS,
    depth: int = 50,
    duration_s: float = 60.0,
    trade_ratio: float = 0.1,
    resubscribe_at: tuple[int, ...] = (),
) -> Session:
    """A deterministic Coinbase session: subscriptions, snapshots, then l2updates and matches.

    `resubscribe_at` as in `kraken_session`: fresh snapshots for a client reconnecting there.
    """
    # Synthetic data, seeded for determinism: not a security use of random.
    rng = random.Random(seed)  # nosec B311
    ids = [s.symbol for s in symbols]
    session = Session(
        exchange="coinbase",
        ws_url="wss://ws-feed.exchange.coinbase.com",
        configuration={"l2_book": ids, "trades": ids},
    )
    products = [
        {"id": s.symbol, "base_currency": s.base, "quote_currency": s.quote,
         "quote_increment": wire(1, s.price_precision, s.price_precision),
         "base_increment": wire(1, s.size_precision, s.size_precision), "status": "online"}
        for s in symbols
    ]  # fmt: skip
    session.headers.append(
        ("https://api.pro.coinbase.com/products", _START_NS, orjson.dumps(products).decode())
    )
    for channel in ("level2", "matches"):
        session.sent.append(
            orjson.dumps({"type": "subscribe", "product_ids": ids, "channels": [channel]}).decode()
        )
    step_ns = max(1, int(duration_s * 1e9) // max(messages + len(symbols) + 1, 1))
    ts = _START_NS
    dumps = orjson.dumps

    def emit(doc: object) -> None:
        nonlocal ts
        ts += step_ns
        session.frames.append((ts, dumps(doc).decode()))

    channels = [{"name": "level2", "product_ids": ids}, {"name": "matches", "product_ids": ids}]
    emit({"type": "subscriptions", "channels": channels})
    ladders = [
        Ladder(rng, round(float(s.mid) * 10**s.price_precision), depth, s.max_lots) for s in symbols
    ]

    def snapshots() -> list[str]:
        """What Coinbase sends after a (re)subscribe to level2: a full book per product."""
        out = []
        for s, lad in zip(symbols, ladders, strict=True):
            pp, sp = s.price_precision, s.size_precision
            out.append(dumps({"type": "snapshot", "product_id": s.symbol,
                "bids": [[wire(p, pp, pp), wire(q, sp, sp)] for p, q in lad.top(True)],
                "asks": [[wire(p, pp, pp), wire(q, sp, sp)] for p, q in lad.top(False)]}
            ).decode())  # fmt: skip
        return out

    for text in snapshots():
        ts += step_ns
        session.frames.append((ts, text))
    sequence = rng.randrange(10**8, 10**9)
    trade_id = rng.randrange(10**6, 10**7)
    pending = sorted(resubscribe_at)
    for _ in range(messages):
        if pending and len(session.frames) >= pending[0]:
            # A client reconnecting here gets fresh snapshots instead of what it missed.
            session.resubscribe_frames[len(session.frames)] = snapshots()
            while pending and len(session.frames) >= pending[0]:
                pending.pop(0)
        n = rng.randrange(len(symbols))
        s, lad = symbols[n], ladders[n]
        pp, sp = s.price_precision, s.size_precision
        sequence += rng.randint(1, 20)
        if rng.random() < trade_ratio:
            trade_id += 1
            side = rng.choice(("buy", "sell"))
            price = lad.mid - 1 if side == "buy" else lad.mid + 1
            emit({"type": "match", "trade_id": trade_id,
                  "maker_order_id": f"{rng.getrandbits(128):032x}",
                  "taker_order_id": f"{rng.getrandbits(128):032x}", "side": side,
                  "size": wire(rng.randint(1, s.max_lots // 100), sp, sp),
                  "price": wire(price, pp, pp), "product_id": s.symbol, "sequence": sequence,
                  "time": _iso(ts + step_ns)})  # fmt: skip
            continue
        changes = lad.step(max(1, sample_levels(rng) // 2))
        emit({"type": "l2update", "product_id": s.symbol,
              "changes": [["buy" if b else "sell", wire(p, pp, pp), wire(q, sp, sp)]
                          for b, p, q in changes],
              "time": _iso(ts + step_ns)})  # fmt: skip
    if pending:
        session.resubscribe_frames[len(session.frames)] = snapshots()
    return session
