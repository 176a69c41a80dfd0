"""Instruments from whatever metadata a venue published, or inferred from its numbers.

`instruments_from_header` takes any object with `responses` of (`url`, `body`) — a recording's
`<EXCH>.0` header (`bot4.marketdata.sources.recording.Header`) is one — and dispatches each
response to its venue's parser by URL, so the model needs nothing from market data.
Without metadata, `infer_instrument` takes the most decimals seen in a sample of the venue's
strings; a later number with more decimals is then refused (counted as an error), never rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from bot4.model._binance import instruments_from_binance
from bot4.model._coinbase import coinbase_instruments
from bot4.model._fixed import decimals_of
from bot4.model._instrument import Instrument, instrument_id
from bot4.model._kraken import kraken_instruments

__all__ = ["MetadataResponse", "MetadataResponses", "infer_instrument", "instruments_from_header"]


class MetadataResponse(Protocol):
    """One REST response: where it came from and what it said."""

    @property
    def url(self) -> str: ...

    @property
    def body(self) -> str: ...


class MetadataResponses(Protocol):
    """Something holding a venue's metadata responses (a recording's header)."""

    @property
    def responses(self) -> Sequence[MetadataResponse]: ...


def instruments_from_header(header: MetadataResponses, exchange: str) -> dict[str, Instrument]:
    """Every instrument the metadata responses describe, for `exchange`, keyed by symbol."""
    out: dict[str, Instrument] = {}
    for record in header.responses:
        url = record.url
        if "exchangeInfo" in url:
            load = instruments_from_binance(record.body, exchange=exchange)
            out.update((i.symbol, i) for i in load.instruments)
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
