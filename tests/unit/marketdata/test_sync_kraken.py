"""sync/kraken alone: the checksum's digits and PairSync.matches, on a bare OrderBook."""

from __future__ import annotations

from zlib import crc32

from bot4.marketdata import OrderBook, _accel
from bot4.marketdata.sync.kraken import PairSync, kraken_checksum
from bot4.model import Instrument, InstrumentId, Side

INST = Instrument(
    id=InstrumentId("KRAKEN:XBT/USD"),
    exchange="KRAKEN",
    symbol="XBT/USD",
    base="XBT",
    quote="USD",
    price_precision=1,
    size_precision=8,
)


def test_pair_sync_reads_the_wire_widths_and_matches_kraken_s_checksum() -> None:
    book = OrderBook(INST)
    book.load([(50000_0, 1_50000000)], [(50001_0, 2_00000000)])
    # Kraken writes "50001.00000" and "2.00000000": 5 price decimals, 8 volume decimals.
    state = PairSync(book, 10, [["50001.00000", "2.00000000", "1.0"]])
    assert (state.price_shift, state.qty_shift) == (4, 0)
    text = "50001000002000000005000000000150000000"  # asks, then bids
    assert kraken_checksum(book, 4, 0) == crc32(text.encode())
    assert state.matches(str(crc32(text.encode())))
    book.apply(Side.BUY, 50000_0, 1_00000000)
    assert not state.matches(str(crc32(text.encode())))


def test_without_a_sample_the_digits_are_the_instrument_s() -> None:
    state = PairSync(OrderBook(INST), 10, [])
    assert (state.price_shift, state.qty_shift) == (0, 0)
    assert state.matches(str(crc32(b"")))


def test_a_checksum_beyond_64_bits_falls_back_to_the_twin() -> None:
    book = OrderBook(INST)
    book.load([(2**70, 1)], [(2**70 + 5, 3)])
    assert kraken_checksum(book) == crc32(f"{2**70 + 5}3{2**70}1".encode())
    assert _accel.kraken_crc is not None
