"""Instruments from Coinbase Exchange's `products` document, keyed by product id ("BTC-USD").

Coinbase states no wire precision, so by the rule of `bot4.model._scale` the precisions are the
decimals of `quote_increment` and `base_increment`, and tick and lot are those increments.
"""

from __future__ import annotations

import msgspec

from bot4.model._instrument import Instrument, instrument_id
from bot4.model._scale import scale_of

__all__ = ["coinbase_instruments"]


class _CoinbaseProduct(msgspec.Struct):
    id: str  # "BTC-USD"
    base_currency: str
    quote_currency: str
    quote_increment: str  # price step, "0.01"
    base_increment: str  # size step, "0.00000001"
    status: str = "online"


def coinbase_instruments(body: bytes | str, exchange: str = "coinbase") -> dict[str, Instrument]:
    """Instruments by product id ("BTC-USD") from a Coinbase Exchange `products` body."""
    products = msgspec.json.decode(body, type=list[_CoinbaseProduct])
    out: dict[str, Instrument] = {}
    for p in products:
        pp, tick = scale_of(p.quote_increment, 0)
        sp, lot = scale_of(p.base_increment, 0)
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
