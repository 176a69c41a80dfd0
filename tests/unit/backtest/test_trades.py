"""FIFO round trips: hand-computed PnL and fee shares, split lots, flips, float dust."""

from __future__ import annotations

import pytest

from bot4.backtest import FillRecord
from bot4.backtest._trades import RoundTrip, match_fills, trade_stats

S = 1_000_000_000


def fill(
    ts_s: float,
    side: str,
    price: float,
    qty: float,
    fee: float = 0.0,
    sid: str = "mm",
    inst: str = "X",
) -> FillRecord:
    return FillRecord(
        ts_ns=int(ts_s * S),
        strategy_id=sid,
        instrument=inst,
        side=side,  # type: ignore[arg-type]
        price=price,
        qty=qty,
        fee=fee,
        liquidity="TAKER",
    )


def test_a_lot_closed_by_two_exits_is_split_and_the_remainder_flips_short() -> None:
    # buy 2 @ 100 (fee 0.2); sell 1 @ 110 (fee 0.11); sell 1.5 @ 90 (fee 0.135)
    trips, books = match_fills(
        [
            fill(10, "BUY", 100, 2, 0.2),
            fill(20, "SELL", 110, 1, 0.11),
            fill(30, "SELL", 90, 1.5, 0.135),
        ]
    )
    assert [(t.direction, t.qty, t.entry_price, t.exit_price) for t in trips] == [
        ("LONG", 1, 100, 110),
        ("LONG", 1, 100, 90),
    ]
    first, second = trips
    assert first.gross_pnl == pytest.approx(10.0)
    assert first.fees == pytest.approx(0.1 + 0.11)  # half the entry fee, all of the exit fee
    assert second.gross_pnl == pytest.approx(-10.0)
    assert second.fees == pytest.approx(0.1 + 0.09)  # the other half; 1 of 1.5 of the exit fee
    assert (first.entry_ts_ns, first.exit_ts_ns) == (10 * S, 20 * S)
    book = books[("mm", "X")]
    assert book.open_qty() == pytest.approx(-0.5)
    assert book.lots[0].fee == pytest.approx(0.045)  # what is left of the flipping fill's fee
    assert book.unrealized(95.0) == pytest.approx(-2.5)  # short 0.5 from 90, marked at 95
    assert book.unrealized(None) == 0.0
    assert (book.fills, book.turnover, book.fees) == (3, pytest.approx(445.0), pytest.approx(0.445))


def test_short_round_trip_and_fifo_order_across_lots() -> None:
    trips, books = match_fills(
        [fill(1, "SELL", 50, 1), fill(2, "SELL", 60, 1), fill(3, "BUY", 55, 1.5)]
    )
    assert [(t.entry_price, t.qty, t.gross_pnl) for t in trips] == [
        (50, 1, pytest.approx(-5.0)),
        (60, 0.5, pytest.approx(2.5)),
    ]
    assert {t.direction for t in trips} == {"SHORT"}
    assert books[("mm", "X")].open_qty() == pytest.approx(-0.5)


def test_float_dust_closes_a_lot_and_books_are_per_strategy_and_instrument() -> None:
    trips, books = match_fills(
        [
            fill(1, "BUY", 10, 0.3),
            fill(2, "SELL", 10, 0.1),
            fill(3, "SELL", 10, 0.2),  # 0.3 - 0.1 - 0.2 is 2.8e-17 in floats
            fill(4, "BUY", 10, 1, sid="other"),
            fill(5, "BUY", 10, 1, inst="Y"),
        ]
    )
    assert len(trips) == 2
    assert list(books) == [("mm", "X"), ("mm", "Y"), ("other", "X")]
    assert not books[("mm", "X")].lots
    assert books[("other", "X")].open_qty() == 1


def test_fills_are_matched_in_time_order_whatever_order_they_come_in() -> None:
    a = match_fills([fill(2, "SELL", 11, 1), fill(1, "BUY", 10, 1)])[0]
    assert [(t.direction, t.gross_pnl) for t in a] == [("LONG", pytest.approx(1.0))]


def _trip(pnl: float, direction: str = "LONG", hold_s: int = 10) -> RoundTrip:
    return RoundTrip("mm", "X", direction, 1.0, 0, hold_s * S, 100.0, 100.0 + pnl, pnl, 0.0)


def test_trade_stats_by_hand() -> None:
    trips = [
        _trip(3),
        _trip(1, hold_s=30),
        _trip(-2, "SHORT"),
        _trip(0),
        _trip(-1),
        _trip(-1),
        _trip(4),
    ]
    s = trade_stats(trips)
    assert (s["trades"], s["wins"], s["losses"]) == (7, 3, 3)
    assert s["win_rate"] == pytest.approx(3 / 7)
    assert s["gross_profit"] == pytest.approx(8.0)
    assert s["gross_loss"] == pytest.approx(-4.0)
    assert s["profit_factor"] == pytest.approx(2.0)
    assert s["expectancy"] == pytest.approx(4 / 7)
    assert s["avg_win"] == pytest.approx(8 / 3)
    assert s["avg_loss"] == pytest.approx(-4 / 3)
    assert (s["best_trade"], s["worst_trade"]) == (4, -2)
    assert s["avg_holding_s"] == pytest.approx(90 / 7)
    assert (s["min_holding_s"], s["max_holding_s"]) == (10, 30)
    assert (s["max_consecutive_wins"], s["max_consecutive_losses"]) == (2, 2)
    assert s["long_share"] == pytest.approx(6 / 7)


def test_trade_stats_without_losses_or_trades_are_none_not_inf() -> None:
    s = trade_stats([_trip(1)])
    assert s["profit_factor"] is None
    assert s["win_rate"] == 1.0
    empty = trade_stats([])
    assert empty["trades"] == 0
    assert all(empty[k] is None for k in ("win_rate", "profit_factor", "expectancy", "best_trade"))
