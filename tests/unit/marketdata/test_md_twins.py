"""marketdata/_twins.py where the C extension is not needed: the declines of the Python twins.

test_md_native.py holds each C function to its twin, property-based; these cases pin what a
twin refuses on its own (so that the general route decides), with or without the extension.
"""

from __future__ import annotations

import pytest

from bot4.marketdata import _twins
from bot4.model import Side

_PREC = {"XBT/USD": (5, 8)}


@pytest.mark.parametrize(
    "rows",
    [b'[["1","2"]]', b'[["1","2","x"]]'],  # no time, a time that is not a number
)
def test_kraken_levels_refuse_a_last_row_without_a_plain_time(rows: bytes) -> None:
    assert _twins.parse_pairs(rows, 0, 0) == [(1, 2)]
    assert _twins.kraken_levels(rows, 0, 0) is None


def test_kraken_levels_read_rows_and_the_last_time() -> None:
    rows = b'[["1","2","1.5"],["3","4","2.25","r"]]'
    assert _twins.kraken_levels(rows, 0, 0, Side.SELL) == (
        [(Side.SELL, 1, 2), (Side.SELL, 3, 4)],
        2_250_000_000,
    )
    assert _twins.kraken_levels(b"[]", 0, 0) == ([], -1)


@pytest.mark.parametrize(
    "frame",
    [
        b'[1,{"a":[],"c":5},"book-10","XBT/USD"]',  # a checksum that is not text
        b'[1,"book-10","XBT/USD"]',  # no payload
        b'[1,{"as":[],"bs":[]},"book-10","XBT/USD"]',  # a snapshot
        b'[1,{"a":[]},"book-10","ADA/XBT"]',  # a pair without a snapshot
        b'[1,{"a":[]},"trade","XBT/USD"]',
    ],
)
def test_kraken_update_declines_what_the_general_route_must_judge(frame: bytes) -> None:
    assert _twins.kraken_update(frame, _PREC, Side.BUY, Side.SELL) is None


def test_binance_frame_declines_other_channels_and_reads_a_trade() -> None:
    prec = {"BTCUSDT": (2, 3)}
    mark = b'{"stream":"btcusdt@markPrice","data":{"s":"BTCUSDT"}}'
    assert _twins.binance_frame(mark, prec, Side.BUY, Side.SELL) is None
    trade = (
        b'{"stream":"btcusdt@trade","data":{"s":"BTCUSDT","t":8,"p":"1","q":"2","T":6,"m":false}}'
    )
    got = _twins.binance_frame(trade, prec, Side.BUY, Side.SELL)
    assert got == (2, "BTCUSDT", 6, 8, 100, 2000, False)


def test_kraken_crc_digits_memo_starts_afresh_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    asks, ask_keys = {101: 3, 102: 4}, [-102, -101]
    bids, bid_keys = {99: 5, 100: 6}, [99, 100]
    expected = _twins.kraken_crc(asks, ask_keys, bids, bid_keys, 10, 1, -1)
    monkeypatch.setattr(_twins, "MEMO_SIZE", 1)
    assert _twins.kraken_crc(asks, ask_keys, bids, bid_keys, 10, 1, -1) == expected
    assert _twins.kraken_crc(asks, ask_keys, bids, bid_keys, 10, 1, -1) == expected
    assert len(_twins._crc_digits[1, -1].memo) <= 4
