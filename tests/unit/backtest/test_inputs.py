"""The recorded inputs: frozen msgspec Structs that round-trip through JSON and validate sides."""

from __future__ import annotations

import msgspec
import pytest

from bot4.backtest import BacktestInputs, EquityPoint, FillRecord, PricePoint


def _inputs() -> BacktestInputs:
    return BacktestInputs(
        fills=[
            FillRecord(
                ts_ns=1,
                strategy_id="mm",
                instrument="BINANCE:BTCUSDT",
                side="BUY",
                price=100.5,
                qty=0.25,
                fee=-0.01,
                liquidity="MAKER",
            )
        ],
        equity=[EquityPoint(ts_ns=1, equity=1000.0, gross_exposure=25.0, net_exposure=25.0)],
        prices=[PricePoint(ts_ns=1, instrument="BINANCE:BTCUSDT", price=100.4)],
        starting_equity=1000.0,
        denials={"max_notional": 3},
        orders=4,
        start_ns=0,
        end_ns=10,
        fill_model="book-touch",
        strategies={"mm": "bot4.engine:MarketMaker"},
        instruments=["BINANCE:BTCUSDT"],
        data=["btc.csv (trades csv)"],
    )


def test_inputs_round_trip_through_json() -> None:
    original = _inputs()
    raw = msgspec.json.encode(original)
    assert msgspec.json.decode(raw, type=BacktestInputs) == original


def test_a_side_or_liquidity_outside_the_enumeration_is_refused() -> None:
    raw = msgspec.json.encode(_inputs()).replace(b'"BUY"', b'"buy"')
    with pytest.raises(msgspec.ValidationError, match="side"):
        msgspec.json.decode(raw, type=BacktestInputs)
    raw = msgspec.json.encode(_inputs()).replace(b'"MAKER"', b'"maker"')
    with pytest.raises(msgspec.ValidationError, match="liquidity"):
        msgspec.json.decode(raw, type=BacktestInputs)


def test_records_are_frozen() -> None:
    fill = _inputs().fills[0]
    with pytest.raises(AttributeError):
        fill.price = 1.0  # type: ignore[misc]
