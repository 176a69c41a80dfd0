"""Instruments from Binance's `exchangeInfo` document (the edge: decimal strings in, ints out).

`instruments_from_binance` turns the JSON body of `GET /api/v3/exchangeInfo` into `Instrument`s
with their filters in fixed point. Filter bounds with more decimals than the instrument's
precision are rounded to the safe side (a minimum up, a maximum down) — a bound can only get
stricter, and orders themselves are never rounded. A filter type this module does not know is
kept as `UnknownFilter`, logged, and listed in the result's `unknown`; with `strict=True` it is a
`ConfigError`. `bundled_instruments()` loads the project's own set (`bot4/data/instruments.json`,
~50 Binance spot symbols in the same form), so tests, benchmarks and the default run need
nothing outside the package.
"""

from __future__ import annotations

import logging
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from bot4.errors import ConfigError
from bot4.model._filters import (
    MULT_SCALE,
    IcebergParts,
    InstrumentFilters,
    LotSize,
    MaxNumAlgoOrders,
    MaxNumOrders,
    MaxPosition,
    MinNotional,
    Notional,
    PercentPrice,
    PercentPriceBySide,
    PriceFilter,
    UnknownFilter,
)
from bot4.model._fixed import decimals_of, to_fixed
from bot4.model._instrument import Instrument, InstrumentId, instrument_id

__all__ = ["ExchangeInfoLoad", "bundled_instruments", "instruments_from_binance"]

log = logging.getLogger(__name__)

_MULT_DECIMALS = len(str(MULT_SCALE)) - 1  # MULT_SCALE == 10**_MULT_DECIMALS


class _Symbol(msgspec.Struct, rename="camel"):
    """One entry of exchangeInfo `symbols` (only the fields Bot4 uses)."""

    symbol: str  # "BTCUSDT"
    status: str  # "TRADING", "BREAK", "HALT", ...
    base_asset: str  # "BTC"
    quote_asset: str  # "USDT"
    base_asset_precision: int = 8  # decimals Binance keeps for the base asset
    quote_precision: int = 8  # decimals Binance keeps for the quote asset
    filters: list[dict[str, Any]] = []  # each {"filterType": ..., ...}


class _ExchangeInfo(msgspec.Struct):
    symbols: list[_Symbol]


class ExchangeInfoLoad(msgspec.Struct, frozen=True, kw_only=True):
    """The loader's result: the instruments, and every unknown filter as "SYMBOL: TYPE"."""

    instruments: tuple[Instrument, ...]
    unknown: tuple[str, ...]


_decoder = msgspec.json.Decoder(_ExchangeInfo)


def _fx(text: Any, precision: int, *, up: bool) -> int:
    """A decimal string as fixed point; past the precision, rounded up (`up`) or down."""
    s = str(text)
    try:
        return to_fixed(s, precision)
    except ValueError:
        scaled = Decimal(s).scaleb(precision)
        return int(scaled.to_integral_value(ROUND_CEILING if up else ROUND_FLOOR))


def _filters(sym: _Symbol, pp: int, sp: int) -> InstrumentFilters:
    """Build the fixed-point filters of one symbol; unknown types are kept verbatim."""
    np_ = pp + sp
    out: dict[str, Any] = {}
    unknown: list[UnknownFilter] = []
    for f in sym.filters:
        t = f.get("filterType")
        if t == "PRICE_FILTER":
            out["price"] = PriceFilter(
                min_price=_fx(f["minPrice"], pp, up=True),
                max_price=_fx(f["maxPrice"], pp, up=False),
                tick=_fx(f["tickSize"], pp, up=True),
            )
        elif t == "PERCENT_PRICE":
            out["percent_price"] = PercentPrice(
                multiplier_up=_fx(f["multiplierUp"], _MULT_DECIMALS, up=False),
                multiplier_down=_fx(f["multiplierDown"], _MULT_DECIMALS, up=True),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t == "PERCENT_PRICE_BY_SIDE":
            out["percent_price_by_side"] = PercentPriceBySide(
                bid_multiplier_up=_fx(f["bidMultiplierUp"], _MULT_DECIMALS, up=False),
                bid_multiplier_down=_fx(f["bidMultiplierDown"], _MULT_DECIMALS, up=True),
                ask_multiplier_up=_fx(f["askMultiplierUp"], _MULT_DECIMALS, up=False),
                ask_multiplier_down=_fx(f["askMultiplierDown"], _MULT_DECIMALS, up=True),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t in ("LOT_SIZE", "MARKET_LOT_SIZE"):
            lot = LotSize(
                min_qty=_fx(f["minQty"], sp, up=True),
                max_qty=_fx(f["maxQty"], sp, up=False),
                step=_fx(f["stepSize"], sp, up=True),
            )
            out["lot_size" if t == "LOT_SIZE" else "market_lot_size"] = lot
        elif t == "MIN_NOTIONAL":
            out["min_notional"] = MinNotional(
                min_notional=_fx(f["minNotional"], np_, up=True),
                apply_to_market=bool(f.get("applyToMarket", True)),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t == "NOTIONAL":
            out["notional"] = Notional(
                min_notional=_fx(f.get("minNotional", "0"), np_, up=True),
                apply_min_to_market=bool(f.get("applyMinToMarket", True)),
                max_notional=_fx(f.get("maxNotional", "0"), np_, up=False),
                apply_max_to_market=bool(f.get("applyMaxToMarket", False)),
                avg_price_mins=int(f.get("avgPriceMins", 0)),
            )
        elif t == "ICEBERG_PARTS":
            out["iceberg_parts"] = IcebergParts(limit=int(f["limit"]))
        elif t == "MAX_NUM_ORDERS":
            out["max_num_orders"] = MaxNumOrders(max_num_orders=int(f["maxNumOrders"]))
        elif t == "MAX_NUM_ALGO_ORDERS":
            out["max_num_algo_orders"] = MaxNumAlgoOrders(
                max_num_algo_orders=int(f["maxNumAlgoOrders"])
            )
        elif t == "MAX_POSITION":
            out["max_position"] = MaxPosition(max_position=_fx(f["maxPosition"], sp, up=False))
        else:
            raw = msgspec.json.encode(f).decode()
            unknown.append(UnknownFilter(filter_type=str(t), raw=raw))
    return InstrumentFilters(**out, unknown=tuple(unknown))


def _precision(step: Any, fallback: int) -> int:
    s = str(step) if step is not None else "0"
    return decimals_of(s) if Decimal(s) > 0 else fallback


def instruments_from_binance(
    body: bytes | str, *, exchange: str = "BINANCE", strict: bool = False
) -> ExchangeInfoLoad:
    """Parse an exchangeInfo body into Instruments with filters.

    Raises ConfigError when the body is not an exchangeInfo document, a known filter is malformed,
    or (with `strict`) a filter type is unknown.
    """
    try:
        doc = _decoder.decode(body)
    except msgspec.DecodeError as e:
        raise ConfigError(f"not a Binance exchangeInfo document: {e}") from e
    instruments: list[Instrument] = []
    unknown: list[str] = []
    for sym in doc.symbols:
        by_type = {f.get("filterType"): f for f in sym.filters}
        pp = _precision(by_type.get("PRICE_FILTER", {}).get("tickSize"), sym.quote_precision)
        sp = _precision(by_type.get("LOT_SIZE", {}).get("stepSize"), sym.base_asset_precision)
        try:
            filters = _filters(sym, pp, sp)
        except (KeyError, ValueError, ArithmeticError) as e:
            raise ConfigError(f"exchangeInfo {sym.symbol}: malformed filter: {e!r}") from e
        unknown.extend(f"{sym.symbol}: {u.filter_type}" for u in filters.unknown)
        tick = filters.price.tick if filters.price and filters.price.tick else 1
        lot = filters.lot_size.step if filters.lot_size and filters.lot_size.step else 1
        instruments.append(
            Instrument(
                id=instrument_id(exchange, sym.symbol),
                exchange=exchange.upper(),
                symbol=sym.symbol,
                base=sym.base_asset,
                quote=sym.quote_asset,
                price_precision=pp,
                size_precision=sp,
                tick=tick,
                lot=lot,
                tradable=sym.status == "TRADING",
                filters=filters,
            )
        )
    if unknown:
        log.warning("exchangeInfo: %d unknown filter(s): %s", len(unknown), ", ".join(unknown))
        if strict:
            raise ConfigError(f"exchangeInfo: unknown filter types: {', '.join(unknown)}")
    return ExchangeInfoLoad(instruments=tuple(instruments), unknown=tuple(unknown))


def bundled_instruments(path: Path | None = None) -> dict[InstrumentId, Instrument]:
    """The project's own instrument set (or the exchangeInfo file at `path`), keyed by id."""
    if path is None:
        body = resources.files("bot4").joinpath("data/instruments.json").read_bytes()
    else:
        body = path.read_bytes()
    load = instruments_from_binance(body, strict=True)
    return {i.id: i for i in load.instruments}
