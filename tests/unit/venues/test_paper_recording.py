"""The paper venue against real market data: a recorded Coinbase session (level2 + matches).

The recording is replayed through the real `CoinbaseFeed`; its books are the paper venue's books
and its events are routed with `on_market_event`, exactly as the engine does live.
"""

from __future__ import annotations

from pathlib import Path

from bot4.clock import TestClock
from bot4.marketdata.feeds import make_feed
from bot4.marketdata.sources.recording import read_header, read_records
from bot4.model import (
    ClientOrderId,
    InstrumentId,
    OrderType,
    Side,
    TimeInForce,
    TradeTick,
    instruments_from_header,
)
from bot4.oms import LiquiditySide, OrderFilled, OrderSubmitted, VenueEvent
from bot4.venues import PaperVenue

SYMBOL = "SKL-USD"  # the most traded symbol of the session (53 trades)
IID = InstrumentId(f"COINBASE:{SYMBOL}")


def _order(coid: str, side: Side, qty: int, price: int, tif: TimeInForce) -> OrderSubmitted:
    return OrderSubmitted(
        client_order_id=ClientOrderId(coid),
        instrument_id=IID,
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=tif,
        qty=qty,
        price=price,
        ts_event=0,
    )


def test_paper_fills_follow_the_recorded_book_and_trades(recordings: Path) -> None:
    instruments = instruments_from_header(read_header(recordings / "COINBASE.0"), "coinbase")
    feed = make_feed("coinbase", instruments=instruments)
    venue = PaperVenue(TestClock())
    events: list[VenueEvent] = []
    trades: list[TradeTick] = []
    venue.set_event_handler(events.append)
    placed = False
    expected_walk: list[tuple[int, int]] = []
    for record in read_records(recordings / "COINBASE.ws.28.0"):
        if record.kind != "recv":
            continue
        for event in feed.on_message(record.body, record.ts_ns):
            if isinstance(event, TradeTick) and event.instrument_id == IID:
                trades.append(event)
                events.append(event)  # type: ignore[arg-type]  # a marker in the event stream
            venue.on_market_event(event)
        book = feed.books.get(SYMBOL)
        if not placed and book is not None and book.synced and len(book.asks(3)) == 3:
            placed = True
            venue.add_book(IID, book)
            asks = book.asks(3)
            bid = book.best_bid()
            assert bid is not None
            # A marketable IOC buy up to the third ask, for more than the three levels hold.
            limit = asks[2][0]
            qty = sum(q for _, q in asks) + 1
            expected_walk = [(q, p) for p, q in asks]
            venue.submit(_order("ioc", Side.BUY, qty, limit, TimeInForce.IOC))
            # A resting buy joining the best bid (behind its recorded quantity).
            rest_price, rest_qty = bid
            venue.submit(_order("rest", Side.BUY, rest_qty, rest_price, TimeInForce.GTC))
    assert placed, f"the {SYMBOL} book never synced"
    assert trades, "the recording has trades for the symbol"
    ioc_fills = [e for e in events if isinstance(e, OrderFilled) and e.client_order_id == "ioc"]
    assert [(f.last_qty, f.last_price) for f in ioc_fills] == expected_walk
    assert all(f.liquidity is LiquiditySide.TAKER for f in ioc_fills)
    # Every fill of the resting order is a maker fill at its price, right after a recorded trade
    # at or below that price (or a book update crossing it), never more than its quantity.
    rest_fills = [e for e in events if isinstance(e, OrderFilled) and e.client_order_id == "rest"]
    assert all(f.last_price == rest_price for f in rest_fills)
    assert all(f.liquidity is LiquiditySide.MAKER for f in rest_fills)
    for fill in rest_fills:
        before = events[: events.index(fill)]
        last_trade = next((e for e in reversed(before) if isinstance(e, TradeTick)), None)
        if last_trade is not None and last_trade is before[-1]:
            assert last_trade.price <= rest_price
    assert sum(f.last_qty for f in rest_fills) <= rest_qty
    # In this session the market later trades through that bid: the order completes.
    assert sum(f.last_qty for f in rest_fills) == rest_qty
    assert venue.resting() == 0
