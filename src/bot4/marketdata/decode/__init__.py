# bot4.marketdata.decode: bytes -> typed frames and events, one function per channel and venue
# (depends on msgspec and bot4.model only). `_parse` turns decimal strings into fixed-point ints;
# the C twins of the decoders are chosen in bot4.marketdata._accel.
"""Exchange frames decoded: Binance, Kraken and Coinbase channels, and exact number parsing."""

__all__: list[str] = []  # nothing of its own: import the venue modules (decode.binance, ...)
