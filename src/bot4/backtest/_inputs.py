"""What a backtest run records for its report: fills, the equity curve, sampled prices.

The driver fills these in; the statistics (`_stats`) and the page (`_html`) read nothing else, so
the report is a pure function of these Structs. Numbers are floats in quote currency: the report
is analytics (DESIGN.md: floats only for analytics), the exact fixed-point state stays in the OMS.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["BacktestInputs", "EquityPoint", "FillRecord", "PricePoint"]


class FillRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One fill as the report sees it."""

    ts_ns: int  # when the fill happened (simulated time)
    strategy_id: str  # the strategy whose order filled
    instrument: str  # instrument id as text ("BINANCE:BTCUSDT")
    side: Literal["BUY", "SELL"]
    price: float  # fill price, quote per base unit
    qty: float  # filled quantity, base units, > 0
    fee: float  # fee in quote currency (a maker rebate is negative)
    liquidity: Literal["MAKER", "TAKER"]


class EquityPoint(msgspec.Struct, frozen=True, kw_only=True):
    """Account equity and exposure at one instant (quote units)."""

    ts_ns: int
    equity: float  # cash + marked positions, after fees
    gross_exposure: float  # sum of |position notional|
    net_exposure: float  # sum of signed position notional (long > 0)


class PricePoint(msgspec.Struct, frozen=True, kw_only=True):
    """A sampled mid or trade price, for the price chart and for marking open lots."""

    ts_ns: int
    instrument: str
    price: float


class BacktestInputs(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one run hands to `compute_stats`; lists are in time order as recorded."""

    fills: list[FillRecord]
    equity: list[EquityPoint]
    prices: list[PricePoint]
    starting_equity: float  # quote units at start_ns
    denials: dict[str, int]  # risk denials by check name, as counted by the router
    orders: int  # orders submitted (before risk)
    start_ns: int  # the replayed period, inclusive
    end_ns: int
    fill_model: str  # how fills were simulated (named by the driver)
    strategies: dict[str, str]  # strategy id -> class spec ("bot4.engine:MarketMaker")
    instruments: list[str]
    data: list[str]  # data files and their formats ("btc.csv (trades csv)")
