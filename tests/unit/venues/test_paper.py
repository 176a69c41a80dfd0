"""The paper venue against a real OrderBook: walks, time in force, resting fills, latency, fees.

Book (2 price / 3 size decimals): bids 99.90 x1.000, 99.80 x2.000, 99.70 x5.000;
asks 100.10 x1.000, 100.20 x2.000, 100.30 x5.000.
"""

from __future__ import annotations

import pytest

from bot4.clock import TestClock
from bot4.errors import VenueError
from bot4.marketdata import OrderBook
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderType,
    Side,
    TimeInForce,
    TradeTick,
    instrument_id,
)
from bot4.oms import (
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
    VenueEvent,
)
from bot4.venues import BookView, PaperVenue, PaperVenueConfig, Venue

INST = Instrument(
    id=instrument_id("BINANCE", "BTCUSDT"),
    exchange="BINANCE",
    symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    price_precision=2,
    size_precision=3,
)
IID = INST.id


class Rig:
    def __init__(self, latency_us: int = 0, **config: int) -> None:
        self.clock = TestClock()
        self.book = OrderBook(INST)
        for p, q in ((9_990, 1_000), (9_980, 2_000), (9_970, 5_000)):
            self.book.apply(Side.BUY, p, q)
        for p, q in ((10_010, 1_000), (10_020, 2_000), (10_030, 5_000)):
            self.book.apply(Side.SELL, p, q)
        self.venue = PaperVenue(
            self.clock,
            PaperVenueConfig(
                latency_us=latency_us, maker_fee_ppm=100, taker_fee_ppm=1_000, **config
            ),
            {IID: self.book},
        )
        self.events: list[VenueEvent] = []
        self.venue.set_event_handler(self.events.append)
        self._n = 0

    def submit(
        self,
        side: Side,
        qty: int,
        price: int | None,
        *,
        tif: TimeInForce = TimeInForce.GTC,
        order_type: OrderType = OrderType.LIMIT,
        trigger: int | None = None,
        iid: InstrumentId = IID,
    ) -> ClientOrderId:
        self._n += 1
        coid = ClientOrderId(f"O{self._n}")
        self.venue.submit(
            OrderSubmitted(
                client_order_id=coid,
                instrument_id=iid,
                side=side,
                order_type=order_type,
                time_in_force=tif,
                qty=qty,
                price=price,
                trigger_price=trigger,
                ts_event=0,
            )
        )
        return coid

    def fills(self) -> list[tuple[int, int, LiquiditySide]]:
        return [
            (e.last_qty, e.last_price, e.liquidity)
            for e in self.events
            if isinstance(e, OrderFilled)
        ]

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events]

    def trade(self, price: int, qty: int, aggressor: Side | None) -> None:
        self.venue.on_trade(
            TradeTick(
                instrument_id=IID,
                price=price,
                qty=qty,
                aggressor=aggressor,
                trade_id="t",
                ts_event=5,
                ts_init=5,
            )
        )


def test_protocols_are_satisfied() -> None:
    rig = Rig()
    assert isinstance(rig.venue, Venue)
    book: BookView = rig.book  # the marketdata OrderBook is a BookView
    assert book.best_bid() == (9_990, 1_000)


def test_marketable_limit_walks_levels_with_slippage_and_taker_fees() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 2_500, 10_020)
    assert rig.kinds() == ["OrderAccepted", "OrderFilled", "OrderFilled"]
    assert rig.fills() == [
        (1_000, 10_010, LiquiditySide.TAKER),
        (1_500, 10_020, LiquiditySide.TAKER),
    ]
    fees = [e.fee for e in rig.events if isinstance(e, OrderFilled)]
    # ceil(notional * 1000 / 10**6)
    assert fees == [10_010, 15_030]
    assert len({e.fill_id for e in rig.events if isinstance(e, OrderFilled)}) == 2
    assert rig.venue.resting() == 0


def test_limit_remainder_rests_beyond_its_price() -> None:
    rig = Rig()
    rig.submit(Side.SELL, 4_000, 9_980)
    assert rig.fills() == [(1_000, 9_990, LiquiditySide.TAKER), (2_000, 9_980, LiquiditySide.TAKER)]
    assert rig.venue.resting(IID) == 1


def test_market_order_walks_everything_and_the_rest_expires() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 9_000, None, order_type=OrderType.MARKET, tif=TimeInForce.GTC)
    assert [q for q, _, _ in rig.fills()] == [1_000, 2_000, 5_000]
    assert rig.kinds()[-1] == "OrderExpired"


def test_more_than_sixteen_levels_are_walked() -> None:
    rig = Rig()
    for i in range(30):
        rig.book.apply(Side.SELL, 10_100 + i, 10)
    rig.submit(Side.BUY, 8_000 + 250, 20_000, tif=TimeInForce.IOC)
    assert sum(q for q, _, _ in rig.fills()) == 8_250
    assert rig.fills()[-1] == (10, 10_124, LiquiditySide.TAKER)


def test_a_walk_past_several_copied_chunks_takes_each_level_once_in_order() -> None:
    rig = Rig()
    for i in range(100):
        rig.book.apply(Side.SELL, 10_100 + i, 10)
    rig.submit(Side.BUY, 8_000 + 900, 20_000, tif=TimeInForce.IOC)
    prices = [p for _, p, _ in rig.fills()]
    assert sum(q for q, _, _ in rig.fills()) == 8_900
    assert prices == sorted(set(prices)), "each level once, best first"
    assert prices[-1] == 10_189  # the 16- and 64-level copies were both walked past


def test_ioc_fills_what_it_can_and_expires_the_rest() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 1_500, 10_010, tif=TimeInForce.IOC)
    assert rig.fills() == [(1_000, 10_010, LiquiditySide.TAKER)]
    assert isinstance(rig.events[-1], OrderExpired)
    assert rig.venue.resting() == 0


def test_fok_fills_all_or_nothing() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 3_500, 10_020, tif=TimeInForce.FOK)
    assert rig.kinds() == ["OrderAccepted", "OrderExpired"]
    rig.events.clear()
    rig.submit(Side.BUY, 3_000, 10_020, tif=TimeInForce.FOK)
    assert [q for q, _, _ in rig.fills()] == [1_000, 2_000]
    assert rig.kinds()[-1] == "OrderFilled"


def test_post_only_is_rejected_when_it_would_take() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 100, 10_010, tif=TimeInForce.POST_ONLY)
    assert isinstance(rig.events[0], OrderRejected)
    assert rig.events[0].reason == "POST_ONLY_WOULD_TAKE"
    rig.events.clear()
    rig.submit(Side.BUY, 100, 10_000, tif=TimeInForce.POST_ONLY)
    assert rig.kinds() == ["OrderAccepted"]
    assert rig.venue.resting() == 1


def test_missing_book_or_price_is_rejected() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 100, 1, iid=InstrumentId("BINANCE:NOPE"))
    rig.submit(Side.BUY, 100, None)
    reasons = [e.reason for e in rig.events if isinstance(e, OrderRejected)]
    assert reasons == ["NO_BOOK", "NO_PRICE"]


def test_empty_book_side_is_not_marketable() -> None:
    rig = Rig()
    for p in (10_010, 10_020, 10_030):
        rig.book.apply(Side.SELL, p, 0)
    rig.submit(Side.BUY, 100, 20_000, tif=TimeInForce.POST_ONLY)
    assert rig.kinds() == ["OrderAccepted"]


def test_resting_order_waits_for_its_queue_then_fills_as_maker() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 500, 9_990)  # joins 1.000 already at 99.90
    rig.events.clear()
    rig.trade(9_990, 600, Side.SELL)  # eats 0.600 of the queue ahead
    assert rig.fills() == []
    rig.trade(9_990, 600, Side.BUY)  # a buyer's trade cannot hit our bid
    assert rig.fills() == []
    rig.trade(9_990, 600, Side.SELL)  # 0.400 ahead left, then 0.200 for us
    assert rig.fills() == [(200, 9_990, LiquiditySide.MAKER)]
    rig.trade(9_980, 1, None)  # traded through: the whole rest fills
    assert rig.fills()[-1] == (300, 9_990, LiquiditySide.MAKER)
    assert rig.venue.resting() == 0
    fee = [e.fee for e in rig.events if isinstance(e, OrderFilled)][-1]
    assert fee == -((-300 * 9_990 * 100) // 10**6)


def test_sell_rests_fill_when_trades_go_through_above() -> None:
    rig = Rig()
    rig.submit(Side.SELL, 500, 10_050)  # a new level: nobody ahead
    rig.trade(10_040, 5, Side.BUY)
    rig.trade(10_050, 200, Side.BUY)
    rig.trade(10_060, 1, Side.BUY)
    assert rig.fills() == [(200, 10_050, LiquiditySide.MAKER), (300, 10_050, LiquiditySide.MAKER)]


def test_a_book_that_crosses_a_resting_order_fills_it() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 500, 10_000)
    rig.submit(Side.SELL, 5_000, 10_005)
    rig.venue.on_book(IID, 7)
    assert rig.fills() == []
    rig.book.apply(Side.SELL, 10_000, 200)  # an ask at our bid price
    rig.venue.on_book(IID, 8)
    assert rig.fills() == [(200, 10_000, LiquiditySide.MAKER)]
    rig.book.apply(Side.BUY, 10_006, 9_000)  # a bid above our ask
    rig.venue.on_book(IID, 9)
    assert rig.fills()[-1] == (5_000, 10_005, LiquiditySide.MAKER)
    rig.venue.on_book(InstrumentId("BINANCE:NOPE"))
    rig.trade(20_000, 1, Side.BUY)  # far above our bid: nothing happens to it
    assert rig.venue.resting() == 1


def test_stop_limit_triggers_on_a_trade_through_its_trigger() -> None:
    rig = Rig()
    rig.submit(Side.BUY, 1_500, 10_020, order_type=OrderType.STOP_LIMIT, trigger=10_015)
    rig.submit(Side.SELL, 100, 9_000, order_type=OrderType.STOP_LIMIT, trigger=9_500)
    assert rig.kinds() == ["OrderAccepted", "OrderAccepted"]
    rig.trade(10_010, 1, Side.BUY)
    assert rig.fills() == []
    rig.trade(10_015, 1, Side.BUY)
    assert rig.fills() == [(1_000, 10_010, LiquiditySide.TAKER), (500, 10_020, LiquiditySide.TAKER)]
    assert rig.venue.resting() == 1  # the untriggered sell stop


def test_triggered_stop_that_cannot_fill_rests() -> None:
    rig = Rig()
    rig.submit(Side.SELL, 100, 10_100, order_type=OrderType.STOP_LIMIT, trigger=9_995)
    rig.trade(9_990, 1, Side.SELL)
    assert rig.fills() == []
    rig.trade(10_101, 1, Side.BUY)
    assert rig.fills() == [(100, 10_100, LiquiditySide.MAKER)]


def test_cancel_and_unknown_cancel() -> None:
    rig = Rig()
    coid = rig.submit(Side.BUY, 100, 9_000)
    rig.venue.cancel(coid, IID)
    rig.venue.cancel(coid, IID)
    assert isinstance(rig.events[1], OrderCanceled)
    assert isinstance(rig.events[2], OrderCancelRejected)
    assert rig.events[2].reason == "UNKNOWN_ORDER"


def test_replace_keeps_or_loses_the_queue_and_may_cross() -> None:
    rig = Rig()
    coid = rig.submit(Side.BUY, 500, 9_990)
    rig.venue.replace(coid, IID, 400, 9_990)  # smaller, same price: keeps its place
    rig.trade(9_990, 1_100, Side.SELL)
    assert rig.fills() == [(100, 9_990, LiquiditySide.MAKER)]
    rig.venue.replace(coid, IID, 100, 9_990)
    assert isinstance(rig.events[-1], OrderReplaceRejected)
    assert rig.events[-1].reason == "QTY_NOT_ABOVE_FILLED"
    rig.venue.replace(coid, IID, 400, None)
    assert rig.events[-1].reason == "NO_PRICE"  # type: ignore[union-attr]
    rig.venue.replace(coid, IID, 2_100, 10_020)  # through the asks: takes 1.000 + 1.000
    assert isinstance(rig.events[-3], OrderReplaced)
    assert rig.fills()[-2:] == [
        (1_000, 10_010, LiquiditySide.TAKER),
        (1_000, 10_020, LiquiditySide.TAKER),
    ]
    assert rig.venue.resting() == 0
    rig.venue.replace(ClientOrderId("nope"), IID, 1, 1)
    assert rig.events[-1].reason == "UNKNOWN_ORDER"  # type: ignore[union-attr]


def test_latency_delays_every_request_by_clock_time() -> None:
    rig = Rig(latency_us=250)
    coid = rig.submit(Side.BUY, 100, 9_000)
    rig.venue.cancel(coid, IID)
    assert rig.events == []
    assert rig.venue.next_due_ns() == 250_000
    rig.clock.advance_ns(249_999)
    assert rig.venue.process_due() == 0
    rig.clock.advance_ns(1)
    assert rig.venue.process_due() == 2
    assert rig.kinds() == ["OrderAccepted", "OrderCanceled"]
    assert rig.venue.next_due_ns() is None


def test_events_need_a_handler() -> None:
    venue = PaperVenue(TestClock())
    venue.add_book(IID, Rig().book)
    with pytest.raises(VenueError, match="no event handler"):
        venue.submit(
            OrderSubmitted(
                client_order_id=ClientOrderId("x"),
                instrument_id=IID,
                side=Side.BUY,
                order_type=OrderType.LIMIT,
                time_in_force=TimeInForce.GTC,
                qty=1,
                price=1,
                ts_event=0,
            )
        )


def test_queue_ahead_is_zero_beyond_the_scan_depth() -> None:
    rig = Rig(queue_scan_depth=1)
    rig.submit(Side.BUY, 100, 9_980)  # second level: not scanned, nobody assumed ahead
    rig.trade(9_980, 100, Side.SELL)
    assert rig.fills() == [(100, 9_980, LiquiditySide.MAKER)]
    assert isinstance(rig.events[0], OrderAccepted)
