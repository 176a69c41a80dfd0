"""decode/_wire.py: the float route answers exactly what the string path answers, or declines.

The twins take the route for Binance diffs and snapshots at 8 decimals; its answer must be the
string path's (`_twins.parse_pairs`) for every text it accepts, whatever the text.
"""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot4.marketdata import _twins
from bot4.marketdata.decode._wire import WIRE_LIMIT, wire_diff, wire_pairs
from bot4.model import Side

_B, _S = Side.BUY, Side.SELL

# Plain decimals of up to 10 decimals and up to 17 digits before the dot, written by hand.
_decimal = st.builds(
    lambda whole, frac: f"{whole}.{frac}" if frac is not None else str(whole),
    st.integers(0, 10**17),
    st.none() | st.text("0123456789", min_size=0, max_size=10),
)
# And what the strings and the lax floats might read differently.
_odd = st.sampled_from(
    ["-1", "-0", "+1", "1e3", "1E3", " 1", "1 ", "inf", "nan", "Infinity", "01", "1.", ".5",
     "1_0", "0x1", "", "١", "1.000000000", "9" * 30, str(WIRE_LIMIT), "\\u0031"]
)  # fmt: skip
_element = st.one_of(_decimal, _odd, _decimal.map(lambda t: f"#{t}"))  # "#": a bare number


def _json(rows: list[list[str]]) -> bytes:
    """Rows as JSON text: strings quoted, "#..." bare, "\\u..." as an escape."""
    cells = [[c[1:] if c.startswith("#") else '"' + c + '"' for c in r] for r in rows]
    return ("[" + ",".join("[" + ",".join(r) + "]" for r in cells) + "]").encode()


_rows = st.lists(st.lists(_element, min_size=2, max_size=2), max_size=6).map(_json)


@settings(max_examples=400, deadline=None)
@given(_rows)
def test_wire_pairs_are_the_strings_reading_or_none(raw: bytes) -> None:
    try:
        json.loads(raw)
    except ValueError:  # a bare "#" cell that is no JSON number: the decoders refuse it first
        return
    got = wire_pairs(raw)
    if got is not None:
        assert got == _twins.parse_pairs(raw, 8, 8)


@settings(max_examples=400, deadline=None)
@given(_rows, _rows)
def test_wire_diff_is_the_strings_reading_or_none(bids: bytes, asks: bytes) -> None:
    event = b'{"e":"depthUpdate","b":' + bids + b',"a":' + asks + b"}"
    try:
        json.loads(event)
    except ValueError:
        return
    got = wire_diff(event, msgspec.Raw(bids), msgspec.Raw(asks), _B, _S)
    if got is not None:
        expected_b = _twins.parse_pairs(bids, 8, 8, _B)
        expected_a = _twins.parse_pairs(asks, 8, 8, _S)
        assert expected_b is not None and expected_a is not None
        assert got == expected_b + expected_a


def test_wire_route_reads_binance_levels() -> None:
    bids, asks = b'[["0.35130000","12.5"]]', b'[["0.35140000","0.00000000"]]'
    event = b'{"b":' + bids + b',"a":' + asks + b"}"
    assert wire_diff(event, bids, asks, _B, _S) == [
        (_B, 35_130_000, 1_250_000_000),
        (_S, 35_140_000, 0),
    ]
    assert wire_pairs(bids) == [(35_130_000, 1_250_000_000)]


@pytest.mark.parametrize(
    "rows",
    [
        b'[["-1","2"]]',  # a sign
        b'[["1e3","2"]]',  # an exponent
        b'[["\\u0031","2"]]',  # an escape
        b'[["1.000000001","2"]]',  # more than 8 decimals
        b'[[1,"2"]]',  # a bare number, which the strings refuse
        b'[["1","2","3"]]',  # a third cell
        b'[["x","2"]]',  # not a number
        b'[["nan","2"]]',  # past the exact range
        b'[["9999999999","2"]]',
    ],
)
def test_wire_route_declines_what_it_cannot_vouch_for(rows: bytes) -> None:
    event = b'{"b":' + rows + b',"a":[]}'
    assert wire_pairs(rows) is None
    assert wire_diff(event, rows, b"[]", _B, _S) is None
    assert wire_diff(b'{"b":[],"a":' + rows + b"}", b"[]", rows, _B, _S) is None


def test_binance_snapshot_keeps_the_last_row_of_a_price_on_both_routes() -> None:
    body = b'{"lastUpdateId":7,"bids":[["1","2"],["1","0"],["3","4"]],"asks":[["5","6"]]}'
    assert _twins.binance_snapshot(body, 8, 8) == (
        7,
        0,
        {3 * 10**8: 4 * 10**8},
        {5 * 10**8: 6 * 10**8},
    )
    assert _twins.binance_snapshot(body, 0, 0) == (7, 0, {3: 4}, {5: 6})
    assert _twins.binance_snapshot(b'{"lastUpdateId":"7","bids":[],"asks":[]}', 8, 8) is None
    refused = b'{"lastUpdateId":7,"bids":[["1.000000001","2"]],"asks":[]}'
    assert _twins.binance_snapshot(refused, 8, 8) is None
