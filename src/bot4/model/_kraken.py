"""Instruments from Kraken's `AssetPairs` document, keyed by WebSocket name ("XBT/USD").

Kraken states one number per side, `pair_decimals` and `lot_decimals`: it is both its grid and
its wire precision, so by the rule of `bot4.model._scale` the precisions are those decimals and
tick and lot are one unit.
"""

from __future__ import annotations

import msgspec

from bot4.model._instrument import Instrument, instrument_id
from bot4.model._scale import scale_of

__all__ = ["kraken_instruments"]


class _KrakenPair(msgspec.Struct):
    pair_decimals: int  # decimals of a price
    lot_decimals: int  # decimals of a volume
    wsname: str = ""  # "XBT/USD", the symbol in WebSocket messages


class _KrakenAssetPairs(msgspec.Struct):
    result: dict[str, _KrakenPair]


def kraken_instruments(body: bytes | str, exchange: str = "kraken") -> dict[str, Instrument]:
    """Instruments by WebSocket name ("XBT/USD") from a Kraken `AssetPairs` body."""
    pairs = msgspec.json.decode(body, type=_KrakenAssetPairs)
    out: dict[str, Instrument] = {}
    for pair in pairs.result.values():
        if not pair.wsname:
            continue  # dark-pool ".d" pairs have no WebSocket name
        base, _, quote = pair.wsname.partition("/")
        pp, tick = scale_of("", pair.pair_decimals)
        sp, lot = scale_of("", pair.lot_decimals)
        out[pair.wsname] = Instrument(
            id=instrument_id(exchange, pair.wsname),
            exchange=exchange.upper(),
            symbol=pair.wsname,
            base=base,
            quote=quote,
            price_precision=pp,
            size_precision=sp,
            tick=tick,
            lot=lot,
        )
    return out
