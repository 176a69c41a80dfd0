"""The C extension (bot4.marketdata._native) against its Python twins, property-based.

`parse_pairs` either declines (None, so the caller's exact string path decides) or returns
exactly what the string path returns, and it never declines a plain row of plain decimals;
`kraken_levels` is `parse_pairs` plus the last row's timestamp, exactly as `parse_fixed` reads
it; `apply_deltas` leaves a book exactly as the Python loop does; `kraken_crc` equals the Python
checksum. The feed tests run both ways too (conftest `impl`).
"""

from __future__ import annotations

import os
import random

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot4.marketdata import OrderBook, _accel, _twins
from bot4.marketdata.decode._parse import parse_fixed
from bot4.marketdata.sync.kraken import CHECKSUM_LEVELS, kraken_checksum
from bot4.model import Instrument, InstrumentId, Side

native = _accel._load()

if native is None:
    if os.environ.get("CI") == "true":
        pytest.fail("CI builds the C extension (setup.py); it is missing", pytrace=False)
    pytest.skip("the C extension is not built here", allow_module_level=True)

INST = Instrument(
    id=InstrumentId("TEST:BTCUSDT"),
    exchange="TEST",
    symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    price_precision=2,
    size_precision=3,
)

_rows = msgspec.json.Decoder(list[list[str]])


def reference(buf: bytes, pp: int, qp: int) -> list[tuple[int, int]] | None:
    """The string path (the twin `_twins.parse_pairs`): None where it refuses."""
    return _twins.parse_pairs(buf, pp, qp)


def plain(draw: st.DrawFn, precision: int) -> str:
    """A plain decimal that fits the precision: what exchanges write."""
    whole = draw(st.integers(0, 10**6))
    decimals = draw(st.integers(0, precision + 3))
    frac = draw(st.integers(0, 10 ** min(decimals, precision) - 1)) if decimals else 0
    digits = f"{frac:0{min(decimals, precision)}d}" if decimals else ""
    digits += "0" * max(0, decimals - precision)  # extra decimals, all zeros: still exact
    return f"{whole}.{digits}" if draw(st.booleans()) or decimals else str(whole)


@st.composite
def plain_rows(draw: st.DrawFn) -> tuple[bytes, int, int]:
    pp, qp = draw(st.integers(0, 10)), draw(st.integers(0, 10))
    n = draw(st.integers(0, 30))
    rows = [[plain(draw, pp), plain(draw, qp)] for _ in range(n)]
    if draw(st.booleans()):  # Kraken's rows: a timestamp and sometimes a flag after them
        rows = [[*r, "1534614057.321597", "r"][: draw(st.integers(2, 4))] for r in rows]
    sep = draw(st.sampled_from([",", ", ", ",\n "]))
    text = "[" + sep.join("[" + sep.join(f'"{x}"' for x in r) + "]" for r in rows) + "]"
    return text.encode(), pp, qp


@given(plain_rows())
@settings(max_examples=200, deadline=None)
def test_plain_rows_parse_exactly_as_the_string_path(case: tuple[bytes, int, int]) -> None:
    buf, pp, qp = case
    got = native.parse_pairs(buf, pp, qp)
    assert got is not None, buf
    assert got == reference(buf, pp, qp)
    assert native.parse_pairs(buf, pp, qp, Side.SELL) == [(Side.SELL, p, q) for p, q in got]


# Any text made of what level arrays are made of: the C parser declines or agrees.
_alphabet = st.sampled_from(list('[]",. 0123456789-+eE\\u'))


@given(st.text(_alphabet, max_size=60), st.integers(0, 18), st.integers(0, 18))
@settings(max_examples=500, deadline=None)
def test_any_text_is_declined_or_parsed_exactly(text: str, pp: int, qp: int) -> None:
    buf = text.encode()
    got = native.parse_pairs(buf, pp, qp)
    assert got is None or got == reference(buf, pp, qp), (text, got)


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"{}",
        b'[["1","2"]',  # unterminated
        b'[["1","2"]] x',  # trailing garbage
        b'[["1"]]',  # one field
        b'[["-1","2"]]',  # sign
        b'[["1e3","2"]]',  # exponent
        b'[[".5","2"]]',  # no integer digits: the string path's call
        b'[["1.001","2"]]',  # a non-zero digit beyond price precision 2
        b'[["1\\u0030","2"]]',  # an escape
        b'[["1","2","x\\"y"]]',  # an escape in a skipped field
        b'[["1","2",3]]',  # a skipped field that is not a string
        b'[["1234567890123456789","2"]]',  # more than 18 digits
        b'[["12345678901234567","2"]]',  # 17 digits, but 19 once scaled by 10**2
        b'[[1,"2"]]',  # a number, not a string
    ],
)
def test_declines_what_is_not_plain(text: bytes) -> None:
    assert native.parse_pairs(text, 2, 3) is None


def test_accepts_edges_and_checks_arguments() -> None:
    assert native.parse_pairs(b" [ ] ", 2, 3) == []
    assert native.parse_pairs(b'[["12.","0.000"]]', 2, 3) == [(1200, 0)]
    assert native.parse_pairs(b'[["999999999999999999","1"]]', 0, 0) == [(10**18 - 1, 1)]
    assert native.parse_pairs(b'[["0.00000001","1.10000000"]]', 8, 1) == [(1, 11)]
    assert native.parse_pairs(memoryview(b'[["1","2"]]'), 0, 0) == [(1, 2)]
    with pytest.raises(ValueError, match="precisions"):
        native.parse_pairs(b"[]", 19, 0)
    with pytest.raises(TypeError):
        native.parse_pairs("[]", 2, 2)  # type: ignore[call-overload]


def kraken_reference(buf: bytes, pp: int, qp: int) -> tuple[list[tuple[int, int]], int] | None:
    """Kraken's rows the string way (the twin `_twins.kraken_levels`)."""
    return _twins.kraken_levels(buf, pp, qp)


@given(plain_rows(), st.integers(0, 2_000_000_000), st.integers(0, 9))
@settings(max_examples=200, deadline=None)
def test_kraken_levels_parse_rows_and_the_last_timestamp_exactly(
    case: tuple[bytes, int, int], seconds: int, decimals: int
) -> None:
    buf, pp, qp = case
    rows = _rows.decode(buf)
    frac = f"{seconds % 10**decimals:0{decimals}d}" if decimals else ""
    stamp = f"{seconds}.{frac}" if decimals else str(seconds)
    text = msgspec.json.encode([[r[0], r[1], stamp, *r[3:]] for r in rows])
    got = native.kraken_levels(text, pp, qp)
    assert got is not None, text
    assert got == kraken_reference(text, pp, qp)
    sided = native.kraken_levels(text, pp, qp, Side.BUY)
    assert sided == ([(Side.BUY, p, q) for p, q in got[0]], got[1])


@given(st.text(_alphabet, max_size=60), st.integers(0, 18), st.integers(0, 18))
@settings(max_examples=500, deadline=None)
def test_kraken_levels_on_any_text_decline_or_agree(text: str, pp: int, qp: int) -> None:
    buf = text.encode()
    got = native.kraken_levels(buf, pp, qp)
    assert got is None or got == kraken_reference(buf, pp, qp), (text, got)


@pytest.mark.parametrize(
    "stamp",
    ["", "x", "-1", "1e9", ".5", "12345678901", "9000000001", "1.0000000001", "1\\u0030"],
)
def test_kraken_levels_decline_a_timestamp_that_is_not_plain(stamp: str) -> None:
    assert native.kraken_levels(f'[["1","2","{stamp}"]]'.encode(), 0, 0) is None
    assert native.kraken_levels(b'[["1","2"]]', 0, 0) is None  # no timestamp at all


def test_kraken_levels_edges() -> None:
    assert native.kraken_levels(b"[]", 2, 3) == ([], -1)
    got = native.kraken_levels(b'[["1","2","1.5000000000","r"],["3","4","8999999999.1"]]', 0, 0)
    assert got == ([(1, 2), (3, 4)], 8_999_999_999_100_000_000)
    assert native.kraken_levels(b'[["1","2","7"]]', 0, 0) == ([(1, 2)], 7_000_000_000)
    with pytest.raises(ValueError, match="precisions"):
        native.kraken_levels(b"[]", 0, 19)


# Mostly small prices, sometimes ones past 64 bits (the C loop's generic path) or at its edge.
_prices = st.one_of(
    st.integers(1, 60), st.sampled_from([2**63 - 1, 2**63, 2**70, -(2**63), -(2**63) + 1])
)
deltas_st = st.lists(
    st.tuples(st.sampled_from([Side.BUY, Side.SELL]), _prices, st.integers(0, 3)),
    max_size=80,
)


@given(st.lists(deltas_st, max_size=6))
@settings(max_examples=300, deadline=None)
def test_apply_deltas_in_c_equals_the_python_loop(batches: list[list]) -> None:
    ours, theirs = OrderBook(INST), OrderBook(INST)
    for batch in batches:
        ours.apply_deltas(batch)  # C where built
        _twins.apply_deltas(
            theirs._bids, theirs._asks, theirs._bid_keys, theirs._ask_keys, batch, Side.BUY
        )
        assert ours.levels() == theirs.levels()
        assert ours._bid_keys == sorted(ours._bids)
        assert ours._ask_keys == sorted(-p for p in ours._asks)


@given(deltas_st)
@settings(max_examples=100, deadline=None)
def test_book_levels_in_c_equal_the_python_iterator(deltas: list) -> None:
    book = OrderBook(INST)
    for side, price, qty in deltas:
        book.apply(side, price, qty)
    got = native.book_levels(
        book._bids, book._asks, book._bid_keys, book._ask_keys, Side.BUY, Side.SELL
    )
    twin = _twins.book_levels(
        book._bids, book._asks, book._bid_keys, book._ask_keys, Side.BUY, Side.SELL
    )
    assert got == tuple(book.iter_levels()) == book.levels_tuple() == twin


def test_book_levels_refuse_a_key_without_its_level() -> None:
    with pytest.raises(KeyError):
        native.book_levels({}, {}, [5], [], Side.BUY, Side.SELL)
    with pytest.raises(KeyError):
        native.book_levels({}, {5: 1}, [], [-6], Side.BUY, Side.SELL)
    with pytest.raises(TypeError):
        native.book_levels({}, {}, [], ["x"], Side.BUY, Side.SELL)
    with pytest.raises(TypeError):
        native.book_levels([], {}, [], [], Side.BUY, Side.SELL)  # type: ignore[arg-type]


def test_apply_deltas_refuses_malformed_deltas() -> None:
    book = OrderBook(INST)
    with pytest.raises(TypeError, match="side, price, qty"):
        book.apply_deltas([(Side.BUY, 1)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        book.apply_deltas([(Side.SELL, "x", 1)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        book.apply_deltas(5)  # type: ignore[arg-type]


def kraken_checksum_py(book: OrderBook, price_shift: int = 0, qty_shift: int = 0) -> int:
    """The checksum by the Python twin (`_twins.kraken_crc`)."""
    args = (book._asks, book._ask_keys, book._bids, book._bid_keys, CHECKSUM_LEVELS)
    return _twins.kraken_crc(*args, price_shift, qty_shift)


@given(
    st.lists(st.tuples(st.integers(1, 10**9), st.integers(1, 10**9)), max_size=25),
    st.lists(st.tuples(st.integers(1, 10**9), st.integers(1, 10**9)), max_size=25),
    st.integers(-4, 6),
    st.integers(-4, 6),
)
@settings(max_examples=200, deadline=None)
def test_kraken_crc_in_c_equals_the_python_checksum(
    bids: list[tuple[int, int]], asks: list[tuple[int, int]], ps: int, qs: int
) -> None:
    book = OrderBook(INST)
    book.load(bids, asks)
    assert kraken_checksum(book, ps, qs) == kraken_checksum_py(book, ps, qs)


def test_kraken_crc_beyond_64_bits_falls_back_to_python() -> None:
    book = OrderBook(INST)
    book.load([(2**70, 1)], [(2**70 + 5, 3)])
    with pytest.raises(OverflowError):
        native.kraken_crc(book._asks, book._ask_keys, book._bids, book._bid_keys, 10, 0, 0)
    with pytest.raises(OverflowError):
        native.kraken_crc({2: 1}, [-2], {}, [], 10, 19, 0)
    assert kraken_checksum(book) == kraken_checksum_py(book)
    with pytest.raises(ValueError, match="depth"):
        native.kraken_crc({}, [], {}, [], -1, 0, 0)
    with pytest.raises(KeyError):
        native.kraken_crc({}, [-7], {}, [], 10, 0, 0)  # a key list out of step with its dict


def test_random_books_agree_on_the_real_checksum_scale() -> None:
    rng = random.Random(7)
    for _ in range(200):
        levels = [(rng.randrange(1, 10**7), rng.randrange(1, 10**10)) for _ in range(30)]
        book = OrderBook(INST)
        book.load(levels[:15], [(p + 10**7, q) for p, q in levels[15:]])
        assert kraken_checksum(book, 1, -2) == kraken_checksum_py(book, 1, -2)


def test_pure_python_can_be_forced_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT4_PURE_PYTHON", "1")
    assert _accel._load() is None
    try:
        assert _accel.use() is False
        assert all(getattr(_accel, n) is getattr(_twins, n) for n in _accel.NAMES)
    finally:
        monkeypatch.setenv("BOT4_PURE_PYTHON", "0")
        assert _accel.use() is True
    assert _accel._load() is native
    assert all(getattr(_accel, n) is getattr(native, n) for n in _accel.NAMES)


def test_every_c_function_has_its_twin() -> None:
    public = {n for n in dir(native) if not n.startswith("_")}
    assert public == set(_twins.__all__) == set(_accel.NAMES)


# Bytes that break JSON in small ways, for the damaged-frame property tests.
_DAMAGE = [b"", b"x", b'"', b"{", b"]", b"[", b",", b"0", b".", b"\\", b" ", b"\xc3", b"\x01"]


def damage(buf: bytes, data: st.DataObject) -> bytes:
    """`buf` with one to three small cuts or insertions drawn by hypothesis."""
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(buf)))
        junk = data.draw(st.sampled_from(_DAMAGE))
        buf = buf[:at] + junk + buf[at + data.draw(st.integers(0, 2)) :]
    return buf


# --- binance_frame ----------------------------------------------------------------------------

_any_json = msgspec.json.Decoder()
_FRAME_PREC = {"BTCUSDT": (2, 3), "ETHUSDT": (8, 8)}


def frame_reference(buf: bytes, prec: dict[str, tuple[int, int]]) -> tuple | None:
    """The test's own reading (`_frame_reference`), which the Python twin must equal."""
    want = _frame_reference(buf, prec)
    assert _twins.binance_frame(buf, prec, Side.BUY, Side.SELL) == want, buf
    return want


def _frame_reference(buf: bytes, prec: dict[str, tuple[int, int]]) -> tuple | None:
    """What the msgspec path makes of a frame, in binance_frame's shape; None where it refuses
    or where binance_frame is not meant to answer (other channels, unknown symbols)."""
    from bot4.marketdata.decode import _binance_schema as schema
    from bot4.marketdata.decode.binance import KLINE_INTERVALS as _KLINE_INTERVALS

    try:
        env = _any_json.decode(buf)
        channel = env["stream"].split("@", 1)[1]
        if channel in ("depth", "depth@100ms", "depth@250ms", "depth@500ms"):
            ev = msgspec.json.decode(buf, type=schema.RawDepthFrame).data
            pp, qp = prec[ev.s]
            bids, asks = reference(bytes(ev.b), pp, qp), reference(bytes(ev.a), pp, qp)
            if bids is None or asks is None:
                return None
            sided = [(Side.BUY, p, q) for p, q in bids] + [(Side.SELL, p, q) for p, q in asks]
            return (0, ev.s, ev.E, ev.U, ev.u, ev.pu, tuple(sided))
        if channel == "bookTicker":
            t = msgspec.json.decode(buf, type=schema.BookTickerFrame).data
            pp, qp = prec[t.s]
            values = [parse_fixed(t.b, pp), parse_fixed(t.B, qp)]
            values += [parse_fixed(t.a, pp), parse_fixed(t.A, qp)]
            return (1, t.s, t.E, t.u, *values)
        if channel in ("aggTrade", "trade"):
            if channel == "trade":
                tr = msgspec.json.decode(buf, type=schema.TradeFrame).data
                s, trade_id, p, q, t_ms, m = tr.s, tr.t, tr.p, tr.q, tr.T, tr.m
            else:
                ag = msgspec.json.decode(buf, type=schema.AggTradeFrame).data
                s, trade_id, p, q, t_ms, m = ag.s, ag.a, ag.p, ag.q, ag.T, ag.m
            pp, qp = prec[s]
            return (2, s, t_ms, trade_id, parse_fixed(p, pp), parse_fixed(q, qp), m)
        if channel.startswith("kline_") and channel[6:] in _KLINE_INTERVALS:
            kl = msgspec.json.decode(buf, type=schema.KlineFrame).data
            pp, qp = prec[kl.s]
            k = kl.k
            ohlc = [parse_fixed(x, pp) for x in (k.o, k.h, k.l, k.c)]
            return (3, kl.s, kl.E, k.i, k.t, k.T, *ohlc, parse_fixed(k.v, qp), k.n, k.x)
    except (msgspec.DecodeError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return None


# Values of fields binance_frame skips: any JSON, with strings of plain ASCII as Binance writes.
_ascii = st.text("abcXYZ019 .-_:/", max_size=5)
_extra_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _ascii,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_ascii, inner, max_size=3),
    max_leaves=6,
)


def _shuffled(draw: st.DrawFn, data: dict[str, object]) -> dict[str, object]:
    """`data` with some skipped fields added and its keys in any order."""
    data |= draw(st.dictionaries(st.sampled_from(["M", "zz", "f", "L", "w"]), _extra_values))
    return {k: data[k] for k in draw(st.permutations(list(data)))}


@st.composite
def binance_frames(draw: st.DrawFn) -> bytes:
    symbol = draw(st.sampled_from(sorted(_FRAME_PREC)))
    pp, qp = _FRAME_PREC[symbol]
    futures = draw(st.booleans())
    kind = draw(st.sampled_from(["depth", "bookTicker", "aggTrade", "trade", "kline"]))
    ms = st.integers(0, 2**40)
    if kind == "depth":
        rows = lambda prec_p, prec_q: [  # noqa: E731
            [plain(draw, prec_p), plain(draw, prec_q)] for _ in range(draw(st.integers(0, 6)))
        ]
        data: dict[str, object] = {"e": "depthUpdate", "E": draw(ms)}
        data |= {"s": symbol, "U": draw(st.integers(0, 10**15)), "u": draw(st.integers(0, 10**15))}
        if futures:
            data |= {"T": 1, "pu": draw(st.integers(0, 10**15))}
        data |= {"b": rows(pp, qp), "a": rows(pp, qp)}
        channel = draw(st.sampled_from(["depth", "depth@100ms", "depth@250ms", "depth@500ms"]))
    elif kind == "bookTicker":
        data = {"u": draw(st.integers(0, 10**12)), "s": symbol}
        data |= {"b": plain(draw, pp), "B": plain(draw, qp), "a": plain(draw, pp)}
        data["A"] = plain(draw, qp)
        if futures:
            data |= {"e": "bookTicker", "E": draw(ms), "T": 5}
        channel = "bookTicker"
    elif kind in ("aggTrade", "trade"):
        data = {"e": kind, "E": draw(ms), "s": symbol, "p": plain(draw, pp), "q": plain(draw, qp)}
        data |= {"a" if kind == "aggTrade" else "t": draw(st.integers(0, 10**12))}
        data |= {"T": draw(ms), "m": draw(st.booleans())}
        if kind == "trade":
            data |= {"b": draw(st.integers(0, 10**9)), "a": draw(st.integers(0, 10**9))}
        channel = kind
    else:
        interval = draw(st.sampled_from(["1m", "1s", "15m", "1M"]))
        bar = {"t": draw(ms), "T": draw(ms), "s": symbol, "i": interval, "f": 1, "L": 2}
        bar |= {x: plain(draw, pp) for x in "ochl"}
        bar |= {"v": plain(draw, qp), "n": draw(st.integers(0, 10**6)), "x": draw(st.booleans())}
        bar |= {"q": plain(draw, 3), "V": "0", "Q": "0", "B": "0"}
        data = {"e": "kline", "E": draw(ms), "s": symbol, "k": _shuffled(draw, bar)}
        channel = f"kline_{interval}"
    envelope = {"stream": f"{symbol.lower()}@{channel}", "data": _shuffled(draw, data)}
    if draw(st.booleans()):
        envelope = {"data": envelope["data"], "stream": envelope["stream"]}
    return msgspec.json.encode(envelope)


@given(binance_frames())
@settings(max_examples=300, deadline=None)
def test_binance_frames_parse_exactly_as_the_msgspec_path(buf: bytes) -> None:
    got = native.binance_frame(buf, _FRAME_PREC, Side.BUY, Side.SELL)
    assert got is not None, buf
    assert got == frame_reference(buf, _FRAME_PREC)
    assert native.binance_frame(buf, {}, Side.BUY, Side.SELL) is None  # symbol not settled


@given(binance_frames(), st.data())
@settings(max_examples=500, deadline=None)
def test_a_damaged_binance_frame_is_declined_or_read_exactly(
    buf: bytes, data: st.DataObject
) -> None:
    buf = damage(buf, data)
    got = native.binance_frame(buf, _FRAME_PREC, Side.BUY, Side.SELL)
    assert got is None or got == frame_reference(buf, _FRAME_PREC), (buf, got)


@pytest.mark.parametrize(
    "frame",
    [
        b'{"stream":"btcusdt@aggTrade","data":{"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"}}',
        b'{"data":{"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}}',  # no stream: the raw route
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":1,"u":2,"b":[]}}',  # no asks
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":1,"u":2,"u":3,"b":[],"a":[]}}',
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":-1,"u":2,"b":[],"a":[]}}',
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":01,"u":2,"b":[],"a":[]}}',
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":1.0,"u":2,"b":[],"a":[]}}',
        b'{"stream":"btcusdt@depth","data":{"s":"BTC\\u0055SDT","U":1,"u":2,"b":[],"a":[]}}',
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}} x',
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[],"x":tru}}',
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":1,"u":2,"b":{},"a":[]}}',
        b'{"stream":"btcusdt@bookTicker","data":{"s":"BTCUSDT","b":[],"B":"1","a":"1","A":"1"}}',
        b'{"stream":"btcusdt@bookTicker","data":{"s":"BTCUSDT","b":"1e2","B":"1","a":"1","A":"1"}}',
        b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":12345678901234567890,"u":2,"b":[],"a":[]}}',
        b'{"stream":"nosymbol","data":{}}',
        b'{"stream":"btcusdt@kline_7m","data":{"s":"BTCUSDT","E":1,"k":{}}}',  # no such interval
        b'{"stream":"btcusdt@aggTrade","data":{"s":"BTCUSDT","a":1,"p":"1","q":"1","T":1,"m":1}}',
        b'{"stream":"btcusdt@trade","data":{"s":"BTCUSDT","t":1,"p":"1","q":"1","m":true}}',
        b'{"stream":"btcusdt@aggTrade","data":{"s":"BTCUSDT","a":1,"p":"1","q":"1","T":1,"m":tru}}',
        b'{"stream":"btcusdt@kline_1m","data":{"s":"BTCUSDT","E":1,"k":{"t":1,"T":2,"i":"1m",'
        b'"o":"1","c":"1","h":"1","l":"1","v":"1","n":1}}}',  # no "x"
        b'{"stream":"btcusdt@kline_1m","data":{"s":"BTCUSDT","E":1,"k":[]}}',
        b"[]",
    ],
)
def test_binance_frame_declines_what_the_msgspec_path_must_judge(frame: bytes) -> None:
    assert native.binance_frame(frame, _FRAME_PREC, Side.BUY, Side.SELL) is None


def test_binance_frame_checks_its_arguments() -> None:
    ok = b'{"stream":"btcusdt@depth","data":{"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}}'
    assert native.binance_frame(ok, _FRAME_PREC, Side.BUY, Side.SELL) == (
        0, "BTCUSDT", 0, 1, 2, -1, (),
    )  # fmt: skip
    assert native.binance_frame(ok, {"BTCUSDT": (19, 0)}, Side.BUY, Side.SELL) is None
    with pytest.raises(TypeError):
        native.binance_frame(ok, {"BTCUSDT": "x"}, Side.BUY, Side.SELL)  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        native.binance_frame(ok, [], Side.BUY, Side.SELL)  # type: ignore[arg-type]


# --- kraken_update ----------------------------------------------------------------------------

_PAIR_PREC = {"XBT/USD": (5, 8), "ADA/XBT": (9, 8)}


def update_reference(buf: bytes, prec: dict[str, tuple[int, int]]) -> tuple | None:
    """The test's own reading (`_update_reference`), which the Python twin must equal."""
    want = _update_reference(buf, prec)
    assert _twins.kraken_update(buf, prec, Side.BUY, Side.SELL) == want, buf
    return want


def _update_reference(buf: bytes, prec: dict[str, tuple[int, int]]) -> tuple | None:
    """What the generic path makes of a Kraken book update, in kraken_update's shape; None
    where it refuses or where kraken_update is not meant to answer."""
    try:
        msg = _any_json.decode(buf)
        *payloads, name, pair = msg[1:]
        if not (isinstance(name, str) and name.startswith("book-") and len(name) > 5):
            return None
        pp, qp = prec[pair]
        deltas: list[tuple[Side, int, int]] = []
        ts, checksum = 0, None
        for payload in payloads:
            if "as" in payload or "bs" in payload:
                return None
            for key, side in (("a", Side.SELL), ("b", Side.BUY)):
                if key in payload:
                    rows = payload[key]
                    deltas += [(side, parse_fixed(r[0], pp), parse_fixed(r[1], qp)) for r in rows]
                    if rows:
                        ts = parse_fixed(rows[-1][2], 9)
            if "c" in payload:
                checksum = payload["c"]
                if not isinstance(checksum, str):
                    return None
        if not payloads:
            return None
        return (pair, deltas, checksum, ts)
    except (msgspec.DecodeError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


@st.composite
def kraken_updates(draw: st.DrawFn) -> bytes:
    pair = draw(st.sampled_from(sorted(_PAIR_PREC)))
    pp, qp = _PAIR_PREC[pair]

    def rows() -> list[list[str]]:
        out = []
        for _ in range(draw(st.integers(0, 4))):
            stamp = f"{draw(st.integers(10**9, 2 * 10**9))}.{draw(st.integers(0, 999999)):06d}"
            row = [plain(draw, pp), plain(draw, qp), stamp]
            out.append([*row, "r"] if draw(st.booleans()) else row)
        return out

    payloads = []
    for _ in range(draw(st.integers(1, 2))):
        payload: dict[str, object] = {}
        for key in draw(st.permutations(["a", "b"]))[: draw(st.integers(0, 2))]:
            payload[key] = rows()
        payloads.append(payload)
    if draw(st.booleans()):
        payloads[-1]["c"] = str(draw(st.integers(0, 2**32 - 1)))
    payloads[0] |= draw(st.dictionaries(st.sampled_from(["x", "y"]), _extra_values, max_size=1))
    depth = draw(st.sampled_from([10, 25, 100, 500, 1000]))
    return msgspec.json.encode([draw(st.integers(0, 10**6)), *payloads, f"book-{depth}", pair])


@given(kraken_updates())
@settings(max_examples=300, deadline=None)
def test_kraken_updates_parse_exactly_as_the_generic_path(buf: bytes) -> None:
    got = native.kraken_update(buf, _PAIR_PREC, Side.BUY, Side.SELL)
    assert got is not None, buf
    assert got == update_reference(buf, _PAIR_PREC)
    assert native.kraken_update(buf, {}, Side.BUY, Side.SELL) is None  # no snapshot yet


@given(kraken_updates(), st.data())
@settings(max_examples=500, deadline=None)
def test_a_damaged_kraken_update_is_declined_or_read_exactly(
    buf: bytes, data: st.DataObject
) -> None:
    buf = damage(buf, data)
    got = native.kraken_update(buf, _PAIR_PREC, Side.BUY, Side.SELL)
    assert got is None or got == update_reference(buf, _PAIR_PREC), (buf, got)


@pytest.mark.parametrize(
    "frame",
    [
        b'[1,{"as":[],"bs":[]},"book-10","XBT/USD"]',  # a snapshot: the Python path
        b'[1,[["1.0","2.0","3.0","b","l",""]],"trade","XBT/USD"]',
        b'[1,{"a":[]},"spread","XBT/USD"]',
        b'[1,"book-10","XBT/USD"]',  # no payload
        b'[1,{"a":[]},"book-10","XBT/USD","extra"]',
        b'[1,{"a":[]},{"a":[]},{"a":[]},{"a":[]},{"a":[]},"book-10","XBT/USD"]',  # > 4 payloads
        b'[1,{"a":[],"a":[]},"book-10","XBT/USD"]',
        b'[1,{"a":[],"c":5},"book-10","XBT/USD"]',
        b'[1,{"a":[["1","2"]]},"book-10","XBT/USD"]',  # no timestamp
        b'[1,{"a":[]},"book-","XBT/USD"]',
        b'[1,{"a":[]},"book-10","XBT/USD"] x',
        b'{"event":"heartbeat"}',
    ],
)
def test_kraken_update_declines_what_the_python_path_must_judge(frame: bytes) -> None:
    assert native.kraken_update(frame, _PAIR_PREC, Side.BUY, Side.SELL) is None


def test_kraken_update_checks_its_arguments() -> None:
    ok = b'[1,{"b":[["1.5","2","1.25"]],"c":"7"},"book-10","A/B"]'
    assert native.kraken_update(ok, {"A/B": (1, 0)}, Side.BUY, Side.SELL) == (
        "A/B", [(Side.BUY, 15, 2)], "7", 1_250_000_000,
    )  # fmt: skip
    assert native.kraken_update(ok, {"A/B": (1, 19)}, Side.BUY, Side.SELL) is None
    with pytest.raises(TypeError):
        native.kraken_update(ok, {"A/B": [1, 0]}, Side.BUY, Side.SELL)  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        native.kraken_update(ok, {"A/B": ("x", 0)}, Side.BUY, Side.SELL)  # type: ignore[dict-item]


# --- binance_snapshot -------------------------------------------------------------------------


def snapshot_reference(buf: bytes, pp: int, qp: int) -> tuple | None:
    """The test's own reading (`_snapshot_reference`), which the Python twin must equal."""
    want = _snapshot_reference(buf, pp, qp)
    assert _twins.binance_snapshot(buf, pp, qp) == want, buf
    return want


def _snapshot_reference(buf: bytes, pp: int, qp: int) -> tuple | None:
    """The msgspec path's reading of a REST snapshot, in binance_snapshot's shape."""
    from bot4.marketdata.decode._binance_schema import DepthSnapshot

    try:
        snap = msgspec.json.decode(buf, type=DepthSnapshot)
        bids = {parse_fixed(p, pp): parse_fixed(q, qp) for p, q in snap.bids}
        asks = {parse_fixed(p, pp): parse_fixed(q, qp) for p, q in snap.asks}
    except (msgspec.DecodeError, ValueError):
        return None
    nonzero = lambda side: {p: q for p, q in side.items() if q}  # noqa: E731
    return (snap.lastUpdateId, snap.E, nonzero(bids), nonzero(asks))


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[bytes, int, int]:
    pp, qp = draw(st.integers(0, 10)), draw(st.integers(0, 10))

    def row() -> list[str]:  # sometimes a price again, sometimes a qty of 0 (no level)
        price = draw(st.sampled_from(["1", "2", "1.0"])) if draw(st.booleans()) else plain(draw, pp)
        return [price, "0" if draw(st.integers(0, 3)) == 0 else plain(draw, qp)]

    side = lambda: [row() for _ in range(draw(st.integers(0, 8)))]  # noqa: E731
    body: dict[str, object] = {"lastUpdateId": draw(st.integers(0, 10**17))}
    if draw(st.booleans()):
        body |= {"E": draw(st.integers(0, 2**41)), "T": draw(st.integers(0, 2**41))}
    body |= {"bids": side(), "asks": side()}
    body |= draw(st.dictionaries(st.sampled_from(["x", "y"]), _extra_values, max_size=1))
    keys = draw(st.permutations(list(body)))
    return msgspec.json.encode({k: body[k] for k in keys}), pp, qp


@given(snapshots())
@settings(max_examples=300, deadline=None)
def test_binance_snapshots_parse_exactly_as_the_msgspec_path(case: tuple[bytes, int, int]) -> None:
    buf, pp, qp = case
    got = native.binance_snapshot(buf, pp, qp)
    assert got is not None, buf
    assert got == snapshot_reference(buf, pp, qp)


@given(snapshots(), st.data())
@settings(max_examples=500, deadline=None)
def test_a_damaged_binance_snapshot_is_declined_or_read_exactly(
    case: tuple[bytes, int, int], data: st.DataObject
) -> None:
    buf, pp, qp = case
    buf = damage(buf, data)
    got = native.binance_snapshot(buf, pp, qp)
    assert got is None or got == snapshot_reference(buf, pp, qp), (buf, got)


@pytest.mark.parametrize(
    "body",
    [
        b'{"bids":[],"asks":[]}',  # no lastUpdateId
        b'{"lastUpdateId":1,"bids":[]}',  # no asks
        b'{"lastUpdateId":1,"lastUpdateId":2,"bids":[],"asks":[]}',
        b'{"lastUpdateId":1,"bids":[],"bids":[],"asks":[]}',
        b'{"lastUpdateId":1,"E":1,"E":2,"bids":[],"asks":[]}',
        b'{"lastUpdateId":"1","bids":[],"asks":[]}',
        b'{"lastUpdateId":1,"bids":[["1","2"]],"asks":[["1e2","2"]]}',
        b'{"code":-1121,"msg":"Invalid symbol."}',  # an error answer
        b"[]",
    ],
)
def test_binance_snapshot_declines_what_the_msgspec_path_must_judge(body: bytes) -> None:
    assert native.binance_snapshot(body, 2, 3) is None


def test_binance_snapshot_checks_its_arguments() -> None:
    body = b'{"lastUpdateId":7,"bids":[["1.5","2"],["1.5","0"]],"asks":[]}'
    assert native.binance_snapshot(body, 1, 0) == (7, 0, {}, {})  # the last row wins: qty 0
    again = b'{"lastUpdateId":7,"bids":[["1.5","0"],["1.5","2"]],"asks":[["2","0"]]}'
    assert native.binance_snapshot(again, 1, 0) == (7, 0, {15: 2}, {})
    with pytest.raises(ValueError, match="precisions"):
        native.binance_snapshot(body, 19, 0)
