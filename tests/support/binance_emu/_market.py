"""The emulator's symbols: exchangeInfo entries, and the filters an order is checked against.

Numbers are `Decimal` inside the emulator (exact, any scale); on the wire they are decimal
strings written with the symbol's own precisions (`baseAssetPrecision`, `quoteAssetPrecision`),
as Binance writes them ("0.10000000").
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from bot4.model import Instrument, from_fixed
from tests.support.binance_emu._errors import Reject

_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
ZERO = Decimal(0)


def bundled_symbols() -> dict[str, dict[str, Any]]:
    """Bot4's bundled exchangeInfo `symbols` entries, by symbol (the emulator's default)."""
    body = resources.files("bot4").joinpath("data/instruments.json").read_bytes()
    return {s["symbol"]: s for s in json.loads(body)["symbols"]}


def _dec(text: Any) -> Decimal:
    return Decimal(str(text))


def symbol_entry(inst: Instrument) -> dict[str, Any]:
    """An exchangeInfo entry for a Bot4 Instrument (tick, lot, filters as Binance writes them)."""
    pp, sp = inst.price_precision, inst.size_precision
    f = inst.filters
    price = f.price if f is not None else None
    lot = f.lot_size if f is not None else None
    filters: list[dict[str, Any]] = [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": from_fixed(price.min_price if price else inst.tick, pp),
            "maxPrice": from_fixed(price.max_price if price else 10**7 * 10**pp, pp),
            "tickSize": from_fixed(price.tick if price else inst.tick, pp),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": from_fixed(lot.min_qty if lot else inst.lot, sp),
            "maxQty": from_fixed(lot.max_qty if lot else 10**7 * 10**sp, sp),
            "stepSize": from_fixed(lot.step if lot else inst.lot, sp),
        },
    ]
    if f is not None and f.notional is not None:
        filters.append(
            {
                "filterType": "NOTIONAL",
                "minNotional": from_fixed(f.notional.min_notional, pp + sp),
                "applyMinToMarket": f.notional.apply_min_to_market,
                "maxNotional": from_fixed(f.notional.max_notional, pp + sp),
                "applyMaxToMarket": f.notional.apply_max_to_market,
                "avgPriceMins": f.notional.avg_price_mins,
            }
        )
    return {
        "symbol": inst.symbol,
        "status": "TRADING" if inst.tradable else "BREAK",
        "baseAsset": inst.base,
        "baseAssetPrecision": sp,
        "quoteAsset": inst.quote,
        "quotePrecision": pp,
        "quoteAssetPrecision": pp,
        "baseCommissionPrecision": sp,
        "quoteCommissionPrecision": pp,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
        "icebergAllowed": False,
        "ocoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "cancelReplaceAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": filters,
        "permissions": ["SPOT"],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
    }


@dataclass(slots=True)
class SymbolSpec:
    """One symbol the emulator trades: its exchangeInfo entry and the bounds orders must meet."""

    entry: dict[str, Any]  # the exchangeInfo entry, served verbatim
    symbol: str
    base: str
    quote: str
    price_dp: int  # decimals prices are written with (quoteAssetPrecision)
    qty_dp: int  # decimals quantities are written with (baseAssetPrecision)
    filters: dict[str, dict[str, Any]]  # filterType -> filter

    @classmethod
    def of(cls, entry: dict[str, Any]) -> SymbolSpec:
        qp = entry.get("quoteAssetPrecision", entry.get("quotePrecision", 8))
        return cls(
            entry=entry,
            symbol=entry["symbol"],
            base=entry["baseAsset"],
            quote=entry["quoteAsset"],
            price_dp=int(qp),
            qty_dp=int(entry.get("baseAssetPrecision", 8)),
            filters={f["filterType"]: f for f in entry.get("filters", [])},
        )

    def price_str(self, d: Decimal) -> str:
        return f"{d:.{self.price_dp}f}"

    def qty_str(self, d: Decimal) -> str:
        return f"{d:.{self.qty_dp}f}"

    def check_price(self, price: Decimal) -> None:
        """PRICE_FILTER: within [minPrice, maxPrice] (0 = no bound) and on the tick."""
        f = self.filters.get("PRICE_FILTER")
        if f is None:
            return
        lo, hi, tick = _dec(f["minPrice"]), _dec(f["maxPrice"]), _dec(f["tickSize"])
        if (lo and price < lo) or (hi and price > hi) or (tick and (price - lo) % tick):
            raise Reject(400, -1013, "Filter failure: PRICE_FILTER")

    def check_qty(self, qty: Decimal, *, market: bool) -> None:
        """LOT_SIZE (and MARKET_LOT_SIZE for market orders): bounds and step."""
        names = ("LOT_SIZE", "MARKET_LOT_SIZE") if market else ("LOT_SIZE",)
        for name in names:
            f = self.filters.get(name)
            if f is None:
                continue
            lo, hi, step = _dec(f["minQty"]), _dec(f["maxQty"]), _dec(f["stepSize"])
            if qty < lo or (hi and qty > hi) or (step and (qty - lo) % step):
                raise Reject(400, -1013, f"Filter failure: {name}")

    def check_notional(self, notional: Decimal, *, market: bool) -> None:
        """NOTIONAL (or the older MIN_NOTIONAL): price * quantity within bounds."""
        f = self.filters.get("NOTIONAL")
        if f is not None:
            lo, hi = _dec(f.get("minNotional", 0)), _dec(f.get("maxNotional", 0))
            if (not market or f.get("applyMinToMarket", True)) and notional < lo:
                raise Reject(400, -1013, "Filter failure: NOTIONAL")
            if (not market or f.get("applyMaxToMarket", False)) and hi and notional > hi:
                raise Reject(400, -1013, "Filter failure: NOTIONAL")
        f = self.filters.get("MIN_NOTIONAL")
        applies = f is not None and (not market or f.get("applyToMarket", True))
        if f is not None and applies and notional < _dec(f["minNotional"]):
            raise Reject(400, -1013, "Filter failure: MIN_NOTIONAL")


def symbol_specs(
    instruments: Iterable[str | Instrument | dict[str, Any]] | None,
) -> dict[str, SymbolSpec]:
    """Specs for the given instruments: bundled symbol names, Bot4 Instruments or raw entries."""
    bundled = bundled_symbols()
    if instruments is None:
        return {s: SymbolSpec.of(e) for s, e in bundled.items()}
    out: dict[str, SymbolSpec] = {}
    for item in instruments:
        if isinstance(item, str):
            entry = copy.deepcopy(bundled[item])
        elif isinstance(item, Instrument):
            entry = symbol_entry(item)
        else:
            entry = copy.deepcopy(item)
        out[entry["symbol"]] = SymbolSpec.of(entry)
    return out


def exchange_info(
    specs: dict[str, SymbolSpec], server_time_ms: int, limits: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "serverTime": server_time_ms,
        "rateLimits": limits,
        "exchangeFilters": [],
        "symbols": [s.entry for s in specs.values()],
    }


def decimal_param(params: dict[str, str], name: str, *, required: bool) -> Decimal | None:
    """A decimal parameter as Binance parses it (-1100 on illegal characters, -1102 if missing)."""
    text = params.get(name)
    if text is None or text == "":
        if required:
            raise Reject(
                400,
                -1102,
                f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
            )
        return None
    if not _NUMBER.match(text):
        raise Reject(
            400,
            -1100,
            f"Illegal characters found in parameter '{name}'; "
            "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        )
    return Decimal(text)


def check_precision(name: str, value: Decimal, dp: int) -> None:
    """-1111 when a number has more decimals than the asset allows."""
    exp = value.normalize().as_tuple().exponent
    if isinstance(exp, int) and -exp > dp:
        raise Reject(400, -1111, f"Parameter '{name}' has too much precision.")
