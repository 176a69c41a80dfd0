"""Instruments: what the core needs to know to trade one symbol exactly."""

from __future__ import annotations

from typing import NewType

import msgspec

from bot4.model._filters import InstrumentFilters
from bot4.model._fixed import from_fixed, to_fixed

__all__ = ["Instrument", "InstrumentId", "instrument_id"]

# "<EXCHANGE>:<symbol as the exchange writes it>", e.g. "BINANCE:BTCUSDT", "KRAKEN:XBT/USD".
InstrumentId = NewType("InstrumentId", str)


def instrument_id(exchange: str, symbol: str) -> InstrumentId:
    return InstrumentId(f"{exchange.upper()}:{symbol}")


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    """One tradable symbol and its precisions.

    Prices are ints scaled by 10**price_precision ("price units"); quantities are ints scaled by
    10**size_precision ("size units"). `tick` and `lot` are in those units. `filters` holds the
    exchange's filters (bot4.model._filters), which the risk engine enforces.
    """

    id: InstrumentId  # exchange-qualified id
    exchange: str  # e.g. "BINANCE"
    symbol: str  # as the exchange writes it in its messages: "BTCUSDT", "BTC-USD", "XBT/USD"
    base: str  # e.g. "BTC"
    quote: str  # e.g. "USDT"
    price_precision: int  # decimals of a price
    size_precision: int  # decimals of a quantity
    tick: int = 1  # smallest price step, in price units
    lot: int = 1  # smallest quantity step, in size units
    tradable: bool = True  # the exchange accepts orders now (Binance status TRADING)
    # Exchange filters in fixed point; None = unknown, so the risk engine denies (fail closed).
    filters: InstrumentFilters | None = None

    def price(self, text: str) -> int:
        """An exchange price string as price units (exact; PrecisionError past the precision)."""
        return to_fixed(text, self.price_precision)

    def qty(self, text: str) -> int:
        """An exchange quantity string as size units."""
        return to_fixed(text, self.size_precision)

    def price_str(self, price: int) -> str:
        return from_fixed(price, self.price_precision)

    def qty_str(self, qty: int) -> str:
        return from_fixed(qty, self.size_precision)

    def notional_scale(self) -> int:
        """price units * size units -> quote currency scaled by 10**(pp+sp)."""
        return self.price_precision + self.size_precision
