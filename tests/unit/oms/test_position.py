"""Netting positions and the portfolio's account numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support.oms import IID

from bot4.clock import TestClock
from bot4.model import Instrument, Side, instrument_id
from bot4.oms import Portfolio, Position

DAY_NS = 86_400 * 1_000_000_000


def test_long_then_reduce_then_flip() -> None:
    pos = Position(IID)
    assert pos.avg_entry_price is None
    assert pos.apply_fill(Side.BUY, 10, 100, 1) == 0
    assert pos.apply_fill(Side.BUY, 10, 110, 1) == 0
    assert (pos.qty, pos.cost, pos.avg_entry_price) == (20, 2100, 105)
    assert pos.apply_fill(Side.SELL, 5, 120, 1) == 5 * 120 - 525
    assert (pos.qty, pos.cost) == (15, 1575)
    # Sell 25: close 15 at 90 (loss), open 10 short at 90.
    realized = pos.apply_fill(Side.SELL, 25, 90, 1)
    assert realized == 15 * 90 - 1575
    assert (pos.qty, pos.cost, pos.avg_entry_price) == (-10, -900, 90)
    assert pos.realized_pnl == 75 + realized
    assert pos.fees == 4
    assert (pos.buy_qty, pos.sell_qty, pos.fill_count) == (20, 30, 4)
    pos.mark_price = 80
    assert pos.unrealized_pnl == -10 * 80 + 900
    # Buy back everything: flat, cost zero.
    pos.apply_fill(Side.BUY, 10, 85, 0)
    assert (pos.qty, pos.cost, pos.unrealized_pnl) == (0, 0, 0)


def test_short_reduce_realizes_with_the_right_sign() -> None:
    pos = Position(IID)
    pos.apply_fill(Side.SELL, 4, 100, 0)
    assert pos.apply_fill(Side.BUY, 2, 90, 0) == 20
    assert pos.qty == -2


fills = st.lists(
    st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 1000), st.integers(1, 10**6)),
    max_size=60,
)


@given(fills, st.integers(1, 10**6))
def test_position_agrees_with_the_sum_of_its_fills(
    seq: list[tuple[Side, int, int]], mark: int
) -> None:
    pos = Position(IID)
    cash = 0
    for side, qty, price in seq:
        pos.apply_fill(side, qty, price, 0)
        cash -= side.sign * qty * price
    pos.mark_price = mark
    assert pos.qty == sum(s.sign * q for s, q, _ in seq)
    assert pos.qty == pos.buy_qty - pos.sell_qty
    # Exact whatever the rounding of the average price.
    assert pos.realized_pnl + pos.unrealized_pnl == cash + pos.qty * mark
    if pos.qty == 0:
        assert pos.cost == 0
    else:
        assert (pos.cost > 0) == (pos.qty > 0)


def _inst(exchange: str, symbol: str, pp: int, sp: int) -> Instrument:
    return Instrument(
        id=instrument_id(exchange, symbol),
        exchange=exchange,
        symbol=symbol,
        base=symbol[:3],
        quote="USD",
        price_precision=pp,
        size_precision=sp,
    )


def test_portfolio_equity_exposure_drawdown_and_daily_pnl() -> None:
    clock = TestClock()
    btc = _inst("BINANCE", "BTCUSDT", 2, 3)
    eth = _inst("BINANCE", "ETHUSDT", 2, 3)
    kraken = _inst("KRAKEN", "XBT/USD", 5, 8)
    pf = Portfolio(
        {btc.id: btc, eth.id: eth, kraken.id: kraken},
        clock=clock,
        starting_equity=1_000 * 10**8,
    )
    # BTC: 1.000 @ 100.00 -> notional units 10**5 per quote unit; account 10**8.
    pf.apply_fill(btc.id, Side.BUY, 1_000, 10_000, 50)
    assert pf.position_qty(btc.id) == 1_000
    assert pf.position_qty(eth.id) == 0
    assert pf.fees() == 50 * 1000
    assert pf.equity() == 1_000 * 10**8 - 50_000
    pf.set_mark(btc.id, 11_000)  # +10.00 quote
    assert pf.unrealized_pnl() == 10 * 10**8
    assert pf.exposure(btc.id) == 110 * 10**8
    pf.apply_fill(eth.id, Side.SELL, 2_000, 5_000, 0)  # short 2 @ 50.00
    assert pf.net_exposure() == 110 * 10**8 - 100 * 10**8
    assert pf.gross_exposure() == 210 * 10**8
    peak = pf.peak_equity
    pf.set_mark(btc.id, 9_000)  # -20.00 from the peak
    assert pf.drawdown() == peak - pf.equity() == 20 * 10**8
    pf.apply_fill(btc.id, Side.SELL, 1_000, 9_000, 0)
    assert pf.realized_pnl() == -10 * 10**8
    assert pf.exposure(btc.id) == 0
    assert pf.daily_pnl() == pf.equity() - 1_000 * 10**8
    clock.advance_ns(DAY_NS)
    assert pf.daily_pnl() == 0  # a new day starts from the current equity
    pf.set_mark(eth.id, 4_000)
    assert pf.daily_pnl() == 20 * 10**8
    # An account coarser than the instrument floors (13 decimals -> 8).
    pf.apply_fill(kraken.id, Side.BUY, 10**8, 100_000, 123_456)
    assert pf.to_account(kraken.id, 10**13) == 10**8
    assert pf.fees() == 50_000 + 1


def test_unknown_instrument_is_refused() -> None:
    pf = Portfolio({}, clock=TestClock())
    with pytest.raises(KeyError):
        pf.position(IID)
    assert pf.exposure(IID) == 0
    assert pf.gross_exposure() == 0
