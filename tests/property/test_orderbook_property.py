"""OrderBook against a plain dict reference, under arbitrary update sequences (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot4.marketdata import OrderBook
from bot4.model import Instrument, InstrumentId, Side

INST = Instrument(
    id=InstrumentId("TEST:X"),
    exchange="TEST",
    symbol="X",
    base="X",
    quote="Y",
    price_precision=0,
    size_precision=0,
)

updates = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(min_value=1, max_value=60),
        st.integers(min_value=0, max_value=5),  # 0 deletes (often)
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(updates, st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=40))
def test_book_matches_dict_reference(
    ops: list[tuple[Side, int, int]], n: int, walk_qty: int
) -> None:
    book = OrderBook(INST)
    ref: dict[Side, dict[int, int]] = {Side.BUY: {}, Side.SELL: {}}
    for side, price, qty in ops:
        book.apply(side, price, qty)
        if qty:
            ref[side][price] = qty
        else:
            ref[side].pop(price, None)
    bids = sorted(ref[Side.BUY].items(), reverse=True)
    asks = sorted(ref[Side.SELL].items())
    assert book.bids() == bids
    assert book.asks() == asks
    assert book.bids(n) == bids[:n]
    assert book.asks(n) == asks[:n]
    assert book.best_bid() == (bids[0] if bids else None)
    assert book.best_ask() == (asks[0] if asks else None)
    assert book.is_crossed() == bool(bids and asks and bids[0][0] >= asks[0][0])
    # walk: greedy over the reference levels.
    for side, levels in ((Side.BUY, asks), (Side.SELL, bids)):
        left, notional = walk_qty, 0
        for price, qty in levels:
            take = min(qty, left)
            left -= take
            notional += take * price
        assert book.walk(side, walk_qty) == (walk_qty - left, notional)
    book.truncate(n)
    assert book.bids() == bids[:n]
    assert book.asks() == asks[:n]
