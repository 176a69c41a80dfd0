"""Instruments from Binance's `exchangeInfo` document: spot, USD-M and COIN-M futures.

The one Binance parser: feeds, the risk engine, the paper venue and the bundled set all read
instruments through `instruments_from_binance`, so a symbol has the same precisions, tick, lot
and filters wherever it is used. Precisions follow the one rule of `bot4.model._scale`:
max(decimals of PRICE_FILTER tickSize / LOT_SIZE stepSize, the wire precision Binance states).
The wire precision is `quoteAssetPrecision` (older name `quotePrecision`) and
`baseAssetPrecision` on spot; on the futures APIs prices and quantities are written with
`pricePrecision` and `quantityPrecision` decimals, which is what counts there. Filters are in
fixed point at those precisions (`bot4.model._binance_filters`).

A filter type the parser does not know is kept as `UnknownFilter`, logged, and listed in the
result's `unknown`; with `strict=True` it is a `ConfigError`. `bundled_instruments()` loads the
project's own set (`bot4/data/instruments.json`, ~50 Binance spot symbols in the same form), so
tests, benchmarks and the default run need nothing outside the package.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from bot4.errors import ConfigError
from bot4.model._binance_filters import binance_filters
from bot4.model._instrument import Instrument, InstrumentId, instrument_id
from bot4.model._scale import scale_of

__all__ = ["ExchangeInfoLoad", "bundled_instruments", "instruments_from_binance"]

log = logging.getLogger(__name__)


class _Symbol(msgspec.Struct, rename="camel"):
    """One entry of exchangeInfo `symbols` (only the fields Bot4 uses)."""

    symbol: str  # "BTCUSDT"
    base_asset: str  # "BTC"
    quote_asset: str  # "USDT"
    status: str = ""  # spot, USD-M: "TRADING", "BREAK", "HALT", ...
    contract_status: str = ""  # COIN-M's name for the same
    base_asset_precision: int = 0  # spot: decimals of quantities on the wire
    quote_asset_precision: int = -1  # spot: decimals of prices on the wire (-1: absent)
    quote_precision: int = 0  # spot: older name of quoteAssetPrecision
    price_precision: int = -1  # futures: decimals of prices on the wire (-1: spot)
    quantity_precision: int = 0  # futures: decimals of quantities on the wire
    filters: list[dict[str, Any]] = []  # each {"filterType": ..., ...}

    def wire_precisions(self) -> tuple[int, int]:
        """(price, quantity) decimals Binance writes this symbol's numbers with."""
        if self.price_precision >= 0:  # USD-M and COIN-M futures
            return self.price_precision, self.quantity_precision
        qp = self.quote_asset_precision
        return (qp if qp >= 0 else self.quote_precision), self.base_asset_precision


class _ExchangeInfo(msgspec.Struct):
    symbols: list[_Symbol]


class ExchangeInfoLoad(msgspec.Struct, frozen=True, kw_only=True):
    """The loader's result: the instruments, and every unknown filter as "SYMBOL: TYPE"."""

    instruments: tuple[Instrument, ...]
    unknown: tuple[str, ...]


_decoder = msgspec.json.Decoder(_ExchangeInfo)


def _step(filters: list[dict[str, Any]], filter_type: str, key: str) -> str:
    return next((str(f.get(key, "")) for f in filters if f.get("filterType") == filter_type), "")


def _instrument(sym: _Symbol, exchange: str) -> Instrument:
    wire_pp, wire_sp = sym.wire_precisions()
    pp, tick = scale_of(_step(sym.filters, "PRICE_FILTER", "tickSize"), wire_pp)
    sp, lot = scale_of(_step(sym.filters, "LOT_SIZE", "stepSize"), wire_sp)
    try:
        filters = binance_filters(sym.filters, pp, sp)
    except (KeyError, ValueError, ArithmeticError) as e:
        raise ConfigError(f"exchangeInfo {sym.symbol}: malformed filter: {e!r}") from e
    return Instrument(
        id=instrument_id(exchange, sym.symbol),
        exchange=exchange.upper(),
        symbol=sym.symbol,
        base=sym.base_asset,
        quote=sym.quote_asset,
        price_precision=pp,
        size_precision=sp,
        tick=tick,
        lot=lot,
        tradable=(sym.status or sym.contract_status) == "TRADING",
        filters=filters,
    )


def instruments_from_binance(
    body: bytes | str, *, exchange: str = "BINANCE", strict: bool = False
) -> ExchangeInfoLoad:
    """Parse an exchangeInfo body (spot, USD-M or COIN-M) into Instruments with filters.

    Raises ConfigError when the body is not an exchangeInfo document, a known filter is malformed,
    or (with `strict`) a filter type is unknown.
    """
    try:
        doc = _decoder.decode(body)
    except msgspec.DecodeError as e:
        raise ConfigError(f"not a Binance exchangeInfo document: {e}") from e
    instruments = tuple(_instrument(sym, exchange) for sym in doc.symbols)
    unknown = [
        f"{i.symbol}: {u.filter_type}" for i in instruments if i.filters for u in i.filters.unknown
    ]
    if unknown:
        log.warning("exchangeInfo: %d unknown filter(s): %s", len(unknown), ", ".join(unknown))
        if strict:
            raise ConfigError(f"exchangeInfo: unknown filter types: {', '.join(unknown)}")
    return ExchangeInfoLoad(instruments=instruments, unknown=tuple(unknown))


def bundled_instruments(path: Path | None = None) -> dict[InstrumentId, Instrument]:
    """The project's own instrument set (or the exchangeInfo file at `path`), keyed by id."""
    if path is None:
        body = resources.files("bot4").joinpath("data/instruments.json").read_bytes()
    else:
        body = path.read_bytes()
    load = instruments_from_binance(body, strict=True)
    return {i.id: i for i in load.instruments}
