"""Instruments (precisions) from the exchanges' own metadata, or inferred from their numbers.

Sources, as the exchanges publish them (and as a recording's `<EXCH>.0` header holds them):
- Binance spot/USD-M `exchangeInfo`: PRICE_FILTER `tickSize` and LOT_SIZE `stepSize` give the tick
  and lot; the precisions are the larger of their decimals ("0.00010000" -> 4) and the wire
  precision Binance states (spot `quoteAssetPrecision`/`baseAssetPrecision`, futures
  `pricePrecision`/`quantityPrecision`). The steps alone are not enough: the real recordings hold
  book levels off today's grid (spot NKNUSDT qty 11979.3 with stepSize 1; futures CTKUSDT price
  0.50579 with tickSize 0.001), and a book must hold every level it is sent.
- Kraken `AssetPairs`: `pair_decimals` / `lot_decimals`, keyed by `wsname` ("WAVES/EUR").
- Coinbase Exchange `products`: decimals of `quote_increment` / `base_increment`.
Without metadata, `infer_instrument` takes the most decimals seen in a sample of the venue's
strings; a later number with more decimals is then refused (counted as an error), never rounded.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from bot4.marketdata.recording import Header
from bot4.model import Instrument, decimals_of, instrument_id, to_fixed

__all__ = [
    "binance_instruments",
    "coinbase_instruments",
    "infer_instrument",
    "instruments_from_header",
    "kraken_instruments",
]


class _BinanceFilter(msgspec.Struct):
    filterType: str  # noqa: N815 - "PRICE_FILTER", "LOT_SIZE", ...
    tickSize: str = ""  # noqa: N815 - PRICE_FILTER: price step
    stepSize: str = ""  # noqa: N815 - LOT_SIZE: quantity step


class _BinanceSymbol(msgspec.Struct):
    symbol: str  # "BTCUSDT"
    baseAsset: str  # noqa: N815
    quoteAsset: str  # noqa: N815
    status: str = "TRADING"  # TRADING, BREAK, ...
    filters: list[_BinanceFilter] = []
    baseAssetPrecision: int = 0  # noqa: N815 - spot: decimals of quantities on the wire
    quoteAssetPrecision: int = -1  # noqa: N815 - spot: decimals of prices on the wire
    quotePrecision: int = 0  # noqa: N815 - older name of quoteAssetPrecision
    pricePrecision: int = -1  # noqa: N815 - futures: decimals of prices on the wire
    quantityPrecision: int = -1  # noqa: N815 - futures: decimals of quantities on the wire


class _BinanceExchangeInfo(msgspec.Struct):
    symbols: list[_BinanceSymbol]


class _KrakenPair(msgspec.Struct):
    pair_decimals: int  # decimals of a price
    lot_decimals: int  # decimals of a volume
    base: str = ""  # Kraken's asset code ("XXBT")
    quote: str = ""
    wsname: str = ""  # "XBT/USD", the symbol in WebSocket messages


class _KrakenAssetPairs(msgspec.Struct):
    result: dict[str, _KrakenPair]


class _CoinbaseProduct(msgspec.Struct):
    id: str  # "BTC-USD"
    base_currency: str
    quote_currency: str
    quote_increment: str  # price step, "0.01"
    base_increment: str  # size step, "0.00000001"
    status: str = "online"


def _step(text: str, at_least: int = 0) -> tuple[int, int]:
    """(precision, step in units) of a step string, the precision at least `at_least`; a
    zero/absent step means a step of one unit."""
    if not text or not text.replace("0", "").replace(".", ""):
        return at_least, 1
    precision = max(decimals_of(text), at_least)
    return precision, to_fixed(text, precision)


def binance_instruments(body: bytes | str, exchange: str = "binance") -> dict[str, Instrument]:
    """Instruments by symbol from a Binance spot or USD-M `exchangeInfo` body."""
    info = msgspec.json.decode(body, type=_BinanceExchangeInfo)
    out: dict[str, Instrument] = {}
    for s in info.symbols:
        tick_size = next((f.tickSize for f in s.filters if f.filterType == "PRICE_FILTER"), "")
        step_size = next((f.stepSize for f in s.filters if f.filterType == "LOT_SIZE"), "")
        if s.pricePrecision >= 0:  # USD-M futures
            wire_pp, wire_sp = s.pricePrecision, s.quantityPrecision
        else:
            wire_pp = s.quoteAssetPrecision if s.quoteAssetPrecision >= 0 else s.quotePrecision
            wire_sp = s.baseAssetPrecision
        pp, tick = _step(tick_size, wire_pp)
        sp, lot = _step(step_size, wire_sp)
        out[s.symbol] = Instrument(
            id=instrument_id(exchange, s.symbol),
            exchange=exchange.upper(),
            symbol=s.symbol,
            base=s.baseAsset,
            quote=s.quoteAsset,
            price_precision=pp,
            size_precision=sp,
            tick=tick,
            lot=lot,
            tradable=s.status == "TRADING",
        )
    return out


def kraken_instruments(body: bytes | str, exchange: str = "kraken") -> dict[str, Instrument]:
    """Instruments by WebSocket name ("XBT/USD") from a Kraken `AssetPairs` body."""
    pairs = msgspec.json.decode(body, type=_KrakenAssetPairs)
    out: dict[str, Instrument] = {}
    for pair in pairs.result.values():
        if not pair.wsname:
            continue  # dark-pool ".d" pairs have no WebSocket name
        base, _, quote = pair.wsname.partition("/")
        out[pair.wsname] = Instrument(
            id=instrument_id(exchange, pair.wsname),
            exchange=exchange.upper(),
            symbol=pair.wsname,
            base=base,
            quote=quote,
            price_precision=pair.pair_decimals,
            size_precision=pair.lot_decimals,
        )
    return out


def coinbase_instruments(body: bytes | str, exchange: str = "coinbase") -> dict[str, Instrument]:
    """Instruments by product id ("BTC-USD") from a Coinbase Exchange `products` body."""
    products = msgspec.json.decode(body, type=list[_CoinbaseProduct])
    out: dict[str, Instrument] = {}
    for p in products:
        pp, tick = _step(p.quote_increment)
        sp, lot = _step(p.base_increment)
        out[p.id] = Instrument(
            id=instrument_id(exchange, p.id),
            exchange=exchange.upper(),
            symbol=p.id,
            base=p.base_currency,
            quote=p.quote_currency,
            price_precision=pp,
            size_precision=sp,
            tick=tick,
            lot=lot,
            tradable=p.status == "online",
        )
    return out


def instruments_from_header(header: Header, exchange: str) -> dict[str, Instrument]:
    """Every instrument the header's metadata responses describe, for `exchange`."""
    out: dict[str, Instrument] = {}
    for record in header.responses:
        url = record.url
        if "exchangeInfo" in url:
            out.update(binance_instruments(record.body, exchange))
        elif "AssetPairs" in url:
            out.update(kraken_instruments(record.body, exchange))
        elif url.rstrip("/").endswith("/products"):
            out.update(coinbase_instruments(record.body, exchange))
    return out


def infer_instrument(
    exchange: str, symbol: str, prices: Iterable[str], qtys: Iterable[str], padded: bool = False
) -> Instrument:
    """An instrument whose precisions fit every sample string.

    `padded`: count trailing zeros too (Kraken writes fixed-width numbers and checksums them;
    Binance writes 8 decimals, which is always enough).
    """
    count = (lambda t: len(t) - t.find(".") - 1 if "." in t else 0) if padded else decimals_of
    pp = max((count(p) for p in prices), default=8)
    sp = max((count(q) for q in qtys), default=8)
    base, quote = symbol, ""
    for sep in ("-", "/"):
        if sep in symbol:
            base, _, quote = symbol.partition(sep)
            break
    return Instrument(
        id=instrument_id(exchange, symbol),
        exchange=exchange.upper(),
        symbol=symbol,
        base=base,
        quote=quote,
        price_precision=pp,
        size_precision=sp,
    )
