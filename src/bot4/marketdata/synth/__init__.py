# bot4.marketdata.synth: deterministic synthetic exchange sessions; depends on bot4.model only
# through the recorder (bot4.marketdata.recorder), never on a feed handler.
#   _ladder    the true book that moves, and the measured levels-per-message histogram
#   _session   Session (frames + snapshots + headers) and its writer
#   binance    Binance spot / USD-M futures diffs, aggTrades and REST snapshots
#   kraken     Kraken v1 book-10 with CRC32 checksums, trades
#   coinbase   Coinbase Exchange snapshot / l2update / match
"""Seeded generators of exchange sessions in each venue's native wire format."""

from bot4.marketdata.synth._ladder import LEVELS_HISTOGRAM as LEVELS_HISTOGRAM
from bot4.marketdata.synth._ladder import Ladder as Ladder
from bot4.marketdata.synth._ladder import sample_levels as sample_levels
from bot4.marketdata.synth._session import Session as Session
from bot4.marketdata.synth.binance import DEFAULT_SYMBOLS as DEFAULT_SYMBOLS
from bot4.marketdata.synth.binance import SynthSymbol as SynthSymbol
from bot4.marketdata.synth.binance import binance_session as binance_session
from bot4.marketdata.synth.binance import write_binance_session as write_binance_session

__all__ = [
    "DEFAULT_SYMBOLS",
    "LEVELS_HISTOGRAM",
    "Ladder",
    "Session",
    "SynthSymbol",
    "binance_session",
    "sample_levels",
    "write_binance_session",
]
