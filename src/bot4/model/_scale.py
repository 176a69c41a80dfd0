"""The one precision rule: how many decimals the core gives a venue's prices and quantities.

Every venue parser (Binance, Kraken, Coinbase, and every future one) derives an instrument's
scales here, once, from two facts the venue publishes:

- its **grid**: the price step (tick) and quantity step (lot), as decimal strings;
- its **wire precision**: how many decimals it writes numbers with on the wire (Binance spot
  `quoteAssetPrecision`/`baseAssetPrecision`, USD-M `pricePrecision`/`quantityPrecision`,
  Kraken `pair_decimals`/`lot_decimals`; none stated by Coinbase).

precision = max(decimals of the step, wire precision); tick and lot are the steps in those
units. Why the maximum, not the step alone: a book must hold every level it is sent, exactly,
and the venue may send numbers off today's grid — the real recordings hold spot NKNUSDT qty
11979.3 with stepSize 1 and USD-M CTKUSDT price 0.50579 with tickSize 0.001 (grids coarsen over
time; the wire precision does not). Why not the wire precision alone: a step finer than the
stated wire precision (it happens on USD-M) must still be an exact number of units. Orders
stay on the grid because the risk engine checks them against `tick`/`lot` (multiples of it),
so the finer scale costs nothing in meaning; and a price read from a book goes to the risk
engine, the OMS and the venue without rescaling, because all of them use the same instrument.
"""

from __future__ import annotations

from bot4.model._fixed import decimals_of, to_fixed

__all__ = ["scale_of"]


def scale_of(step: str, wire_precision: int) -> tuple[int, int]:
    """(precision, step in units of 10**-precision) of a venue's step string.

    An empty or zero step ("", "0.00000000": not enforced) is one unit at the wire precision.
    """
    if not step.replace("0", "").replace(".", ""):
        return max(wire_precision, 0), 1
    precision = max(decimals_of(step), wire_precision)
    return precision, to_fixed(step, precision)
