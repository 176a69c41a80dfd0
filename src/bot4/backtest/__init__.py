# bot4.backtest: replay recorded data through the engine and report on it. Sits above engine and
# below config. The report half depends only on msgspec, the standard library and bot4.errors:
#   _inputs       FillRecord, EquityPoint, PricePoint, BacktestInputs (what a run records)
#   _trades       FIFO round trips per (strategy, instrument), trade statistics
#   _curve        equity curve: return grid, Sharpe/Sortino, drawdowns, exposure, downsampling
#   _stats        compute_stats (inputs -> report dict), dump_report (report.json's bytes)
#   _charts       inline SVG time charts with buy/sell markers
#   _html         report.html from a report dict
#   _sweep_table  a sweep's ranked table (sweep.csv + sweep.html)
#   _capture      what a run keeps for the report: fills, equity/exposure, prices, orders sent
#   _driver       run_backtest: data -> the node's own parts on a TestClock -> report
#   _sweep        parameter grids applied to the config tables, run in worker processes
"""Backtests: recorded inputs, their statistics, report.json/report.html and sweep tables."""

from bot4.backtest._driver import BacktestResult as BacktestResult
from bot4.backtest._driver import run_backtest as run_backtest
from bot4.backtest._driver import summary_line as summary_line
from bot4.backtest._driver import write_report as write_report
from bot4.backtest._html import render_backtest_html as render_backtest_html
from bot4.backtest._html import write_backtest_html as write_backtest_html
from bot4.backtest._inputs import BacktestInputs as BacktestInputs
from bot4.backtest._inputs import EquityPoint as EquityPoint
from bot4.backtest._inputs import FillRecord as FillRecord
from bot4.backtest._inputs import PricePoint as PricePoint
from bot4.backtest._stats import REPORT_VERSION as REPORT_VERSION
from bot4.backtest._stats import compute_stats as compute_stats
from bot4.backtest._stats import dump_report as dump_report
from bot4.backtest._sweep import SweepPoint as SweepPoint
from bot4.backtest._sweep import parse_setting as parse_setting
from bot4.backtest._sweep import parse_value as parse_value
from bot4.backtest._sweep import points as points
from bot4.backtest._sweep import run_points as run_points
from bot4.backtest._sweep_table import rank_rows as rank_rows
from bot4.backtest._sweep_table import write_sweep_table as write_sweep_table

__all__ = [
    "REPORT_VERSION",
    "BacktestInputs",
    "BacktestResult",
    "EquityPoint",
    "FillRecord",
    "PricePoint",
    "SweepPoint",
    "compute_stats",
    "dump_report",
    "parse_setting",
    "parse_value",
    "points",
    "rank_rows",
    "render_backtest_html",
    "run_backtest",
    "run_points",
    "summary_line",
    "write_backtest_html",
    "write_report",
    "write_sweep_table",
]
