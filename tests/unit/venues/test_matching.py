"""Matching under each fill-model setting: queue estimate, book-cross fills, per-exchange fees."""

from __future__ import annotations

from tests.support.venues import VenueRig, book, instrument

from bot4.model import (
    InstrumentId,
    LiquiditySide,
    OrderFilled,
    OrderType,
    Side,
    TimeInForce,
    TradeTick,
)
from bot4.venues import FeeRates, PaperVenueConfig

MAKER, TAKER = LiquiditySide.MAKER, LiquiditySide.TAKER


def _fee(qty: int, price: int, ppm: int) -> int:
    return -((-qty * price * ppm) // 10**6)  # ceil, as the module docstring says


def test_queue_book_waits_behind_the_shown_quantity_queue_none_does_not() -> None:
    for queue, first_fill in (("book", []), ("none", [(400, 9_990, MAKER, 0)])):
        rig = VenueRig(PaperVenueConfig(queue=queue, maker_fee_ppm=0))  # type: ignore[arg-type]
        rig.submit(Side.BUY, 500, 9_990)  # joins the 1.000 the book shows at 99.90
        rig.trade(9_990, 400, Side.SELL)
        assert rig.fills() == first_fill, queue
        rig.trade(9_990, 400, Side.BUY)  # a buyer's trade never hits a bid, queue or not
        assert rig.fills() == first_fill, queue


def test_queue_none_fills_up_to_the_trade_and_then_the_rest() -> None:
    rig = VenueRig(PaperVenueConfig(queue="none", maker_fee_ppm=0))
    rig.submit(Side.SELL, 500, 10_010)
    rig.trade(10_010, 300, Side.BUY)
    rig.trade(10_010, 300, Side.BUY)
    assert rig.fills() == [(300, 10_010, MAKER, 0), (200, 10_010, MAKER, 0)]
    assert rig.venue.resting() == 0


def test_without_book_cross_fills_only_trades_fill_resting_orders() -> None:
    rig = VenueRig(PaperVenueConfig(fill_on_book_cross=False, maker_fee_ppm=0))
    rig.submit(Side.BUY, 500, 10_000)
    rig.books[rig.iid].apply(Side.SELL, 10_000, 200)  # an ask at our bid price
    rig.venue.on_book(rig.iid, 8)
    assert rig.fills() == []
    rig.trade(9_995, 1, Side.SELL)  # the market trades through our bid
    assert rig.fills() == [(500, 10_000, MAKER, 0)]
    # The default still fills on the cross, as before.
    rig = VenueRig(PaperVenueConfig(maker_fee_ppm=0))
    rig.submit(Side.BUY, 500, 10_000)
    rig.books[rig.iid].apply(Side.SELL, 10_000, 200)
    rig.venue.on_book(rig.iid, 8)
    assert rig.fills() == [(200, 10_000, MAKER, 0)]


def test_each_exchange_pays_its_own_fees_else_the_default_pair() -> None:
    binance, kraken, coinbase = instrument("BINANCE"), instrument("KRAKEN"), instrument("COINBASE")
    config = PaperVenueConfig(
        maker_fee_ppm=100,
        taker_fee_ppm=500,
        fees={
            "binance": FeeRates(maker_ppm=-25, taker_ppm=750),
            "KRAKEN": FeeRates(taker_ppm=2_600),
        },
    )
    rig = VenueRig(config, binance, kraken, coinbase)
    for inst in (binance, kraken, coinbase):
        rig.submit(Side.BUY, 1_500, 10_020, tif=TimeInForce.IOC, iid=inst.id)  # walks 2 levels
        rig.submit(Side.SELL, 300, 10_050, iid=inst.id)  # rests, then a trade goes through it
        rig.trade(10_060, 1, Side.BUY, iid=inst.id)
    by_exchange: dict[str, list[tuple[int, int, LiquiditySide, int]]] = {}
    for e in rig.events:
        if isinstance(e, OrderFilled):
            by_exchange.setdefault(e.instrument_id.split(":")[0], []).append(
                (e.last_qty, e.last_price, e.liquidity, e.fee)
            )
    for exchange, (maker, taker) in {
        "BINANCE": (-25, 750),
        "KRAKEN": (100, 2_600),
        "COINBASE": (100, 500),
    }.items():
        assert by_exchange[exchange] == [
            (1_000, 10_010, TAKER, _fee(1_000, 10_010, taker)),
            (500, 10_020, TAKER, _fee(500, 10_020, taker)),
            (300, 10_050, MAKER, _fee(300, 10_050, maker)),
        ], exchange
    assert by_exchange["BINANCE"][-1][-1] < 0  # a maker rebate is a negative fee


def test_fees_for_an_instrument_is_looked_up_once() -> None:
    rig = VenueRig(PaperVenueConfig(fees={"BINANCE": FeeRates(maker_ppm=1, taker_ppm=2)}))
    assert rig.venue.fees_for(rig.iid) == (1, 2)
    assert rig.venue.fees_for(rig.iid) is rig.venue.fees_for(rig.iid)
    assert rig.venue.fees_for(InstrumentId("OKX:BTC-USDT")) == (1_000, 1_000)


def test_an_order_the_touch_fills_pays_its_exchange_taker_fee() -> None:
    rig = VenueRig(PaperVenueConfig(fees={"BINANCE": FeeRates(taker_ppm=300)}))
    rig.submit(Side.BUY, 600, 10_010)  # the best ask alone fills it
    assert rig.fills() == [(600, 10_010, TAKER, _fee(600, 10_010, 300))]


def test_an_untriggered_stop_ignores_a_crossing_book() -> None:
    rig = VenueRig(PaperVenueConfig())
    rig.submit(Side.BUY, 100, 10_020, order_type=OrderType.STOP_LIMIT, trigger=10_500)
    rig.venue.on_book(rig.iid, 8)  # its limit is above the best ask, but it has not triggered
    assert rig.fills() == []
    assert rig.venue.resting() == 1


def test_trades_without_a_book_make_a_one_level_book_at_the_last_trade() -> None:
    eth = instrument(symbol="ETHUSDT")
    rig = VenueRig(PaperVenueConfig(maker_fee_ppm=0, taker_fee_ppm=0))
    rig.submit(Side.BUY, 100, 2_000, iid=eth.id)
    assert rig.kinds() == ["OrderRejected"], "no book and no trade yet: nothing to match"

    def trade(price: int, qty: int) -> None:
        rig.venue.on_market_event(
            TradeTick(instrument_id=eth.id, price=price, qty=qty, aggressor=Side.SELL,
                      trade_id="t", ts_event=5, ts_init=5)
        )  # fmt: skip

    trade(2_000, 60)
    trade(2_001, 70)  # the book follows the last trade
    rig.submit(Side.BUY, 100, 2_001, iid=eth.id)  # marketable: takes the 70 shown
    assert rig.fills() == [(70, 2_001, TAKER, 0)]
    trade(2_000, 5)  # trades through the 30 left resting at 20.01
    assert rig.fills()[1:] == [(30, 2_001, MAKER, 0)]
    # A real book replaces it.
    rig.venue.add_book(eth.id, book(eth))
    rig.submit(Side.BUY, 100, 2_001, iid=eth.id)
    assert rig.fills()[2:] == [], "the real book's best ask is 100.10"
    trade(1_999, 1)
    assert rig.venue.resting(eth.id) == 0
