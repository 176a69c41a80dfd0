"""The backtest benchmark's peer and conversion work on small inputs (they must not rot)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

nt = pytest.importorskip("bench._backtest_nautilus")

from nautilus_trader.model.enums import AggressorSide, BookAction, OrderSide  # noqa: E402
from nautilus_trader.model.objects import Price, Quantity  # noqa: E402

from bench import backtest  # noqa: E402
from bot4.marketdata.sources._offline import replay_offline  # noqa: E402
from bot4.model import BookDeltas, Instrument, InstrumentId, Side, TradeTick  # noqa: E402

IID = InstrumentId("BINANCE:BTCUSDT")
INST = Instrument(
    id=IID,
    exchange="BINANCE",
    symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    price_precision=2,
    size_precision=5,
    tick=1,
    lot=1,
)
T0 = 1_700_000_000 * 10**9


def _snap(ts: int) -> BookDeltas:
    deltas = ((Side.BUY, 4_325_001, 150_000), (Side.BUY, 4_324_950, 3), (Side.SELL, 4_325_002, 7))
    return BookDeltas(
        instrument_id=IID, deltas=deltas, is_snapshot=True, sequence=10, ts_event=ts, ts_init=ts
    )


def _diff(ts: int, *deltas: tuple[Side, int, int]) -> BookDeltas:
    return BookDeltas(
        instrument_id=IID, deltas=deltas, is_snapshot=False, sequence=11, ts_event=0, ts_init=ts
    )


def _trade(ts: int, price: int, qty: int, aggressor: Side | None) -> TradeTick:
    return TradeTick(
        instrument_id=IID,
        price=price,
        qty=qty,
        aggressor=aggressor,
        trade_id=str(ts),
        ts_event=ts - 1,
        ts_init=ts,
    )


def test_conversion_is_exact() -> None:
    snap = nt.nt_deltas(_snap(T0), INST, nt.nt_instrument_id(INST))
    actions = [d.action for d in snap.deltas]
    assert actions == [BookAction.CLEAR, BookAction.ADD, BookAction.ADD, BookAction.ADD]
    first = snap.deltas[1].order
    assert first.side == OrderSide.BUY and first.price == Price.from_str("43250.01")
    assert first.size == Quantity.from_str("1.50000")
    assert snap.deltas[2].order.size == Quantity.from_str("0.00003")
    assert snap.deltas[3].order.side == OrderSide.SELL
    assert snap.deltas[-1].flags & nt._F_LAST and snap.deltas[0].flags & nt._F_SNAPSHOT
    assert not snap.deltas[0].flags & nt._F_LAST

    diff = nt.nt_deltas(
        _diff(T0 + 5, (Side.SELL, 4_325_002, 0), (Side.BUY, 4_325_000, 2)),
        INST,
        nt.nt_instrument_id(INST),
    )
    assert [d.action for d in diff.deltas] == [BookAction.DELETE, BookAction.UPDATE]
    assert diff.deltas[0].ts_event == T0 + 5  # no exchange time: the receipt time stands in
    assert diff.deltas[1].flags == nt._F_LAST

    empty = BookDeltas(
        instrument_id=IID, deltas=(), is_snapshot=True, sequence=1, ts_event=T0, ts_init=T0
    )
    only = nt.nt_deltas(empty, INST, nt.nt_instrument_id(INST)).deltas
    assert [d.action for d in only] == [BookAction.CLEAR] and only[0].flags & nt._F_LAST

    for aggressor, want in (
        (Side.BUY, AggressorSide.BUYER),
        (Side.SELL, AggressorSide.SELLER),
        (None, AggressorSide.NO_AGGRESSOR),
    ):
        tick = nt.nt_trade(
            _trade(T0, 4_325_001, 12_345, aggressor), INST, nt.nt_instrument_id(INST)
        )
        assert tick.price == Price.from_str("43250.01") and tick.size == Quantity.from_str(
            "0.12345"
        )
        assert tick.aggressor_side == want and tick.ts_event == T0 - 1 and tick.ts_init == T0

    pair = nt.nt_instrument(INST)
    assert pair.price_increment == Price.from_str("0.01")
    assert pair.size_increment == Quantity.from_str("0.00001")
    assert str(pair.id) == "BTCUSDT.BINANCE"


def test_to_nautilus_keeps_books_and_trades_only() -> None:
    events: list[object] = [_snap(T0), _diff(T0 + 1), _trade(T0 + 2, 4_325_001, 1, Side.BUY)]
    events.append("not market data")
    data = nt.to_nautilus(events, {IID: INST})
    # The empty diff and the foreign object are dropped.
    assert [type(d).__name__ for d in data] == ["OrderBookDeltas", "TradeTick"]


def test_quote_touch_peer_follows_the_touch() -> None:
    events: list[object] = [
        _snap(T0),
        _diff(T0 + 10**6, (Side.BUY, 4_324_950, 5)),  # touch unchanged: no order
        _diff(T0 + 2 * 10**6, (Side.BUY, 4_325_001, 0)),  # best bid falls to 43249.50
        _diff(T0 + 3 * 10**6, (Side.SELL, 4_325_100, 9)),  # a level behind the ask: no order
        _diff(T0 + 4 * 10**6, (Side.SELL, 4_325_002, 0)),  # best ask rises to 43251.00
    ]
    data = nt.to_nautilus(events, {IID: INST})
    strategy = nt.NtQuoteTouch(nt.quote_qtys({IID: 50}, {IID: INST}))
    run = nt.run_engine(data, [INST], strategy)
    assert run.events == 5 and run.elapsed_s > 0 and run.events_per_s > 0
    # Two quotes at the start, then one replacement per side as the touch moved.
    assert (run.orders, run.cancels) == (4, 2)
    prices = {key[1]: price for key, (_, price) in strategy.working.items()}
    assert prices == {
        OrderSide.BUY: Price.from_str("43249.50"),
        OrderSide.SELL: Price.from_str("43251.00"),
    }


def test_trade_vwap_peer_sees_every_trade() -> None:
    trades: list[object] = [
        _trade(T0 + i * 10**6, 4_325_000 + i, 10 + i, Side.BUY if i % 2 else Side.SELL)
        for i in range(50)
    ]
    data = nt.to_nautilus(trades, {IID: INST})
    strategy = nt.NtTradeVwap([nt.nt_instrument_id(INST)])
    run = nt.run_engine(data, [INST], strategy)
    assert run.trades == 50 and run.orders == 0 and run.fills == 0
    pv = sum((4_325_000 + i) * (10 + i) for i in range(50))
    want = pv / sum(10 + i for i in range(50)) / 100
    assert strategy.vwap(nt.nt_instrument_id(INST)) == pytest.approx(want, rel=1e-12)


def test_decode_matches_bot4_replay_and_sizes_are_lots(tmp_path: Path) -> None:
    from bot4.marketdata.synth import binance_session

    ws = binance_session(messages=400, seed=3, depth=30, duration_s=2).write(tmp_path)
    http = tmp_path / "BINANCE.http.0.0"
    rec = backtest.Recording(ws=ws, http=http, header=tmp_path / "BINANCE.0")
    decoded = backtest.decode(rec)
    feed = replay_offline(ws, "binance", http, tmp_path / "BINANCE.0")
    counts = backtest._count(decoded.events)
    # Only the instruments the stream carries, not every one the header lists.
    assert set(decoded.instruments) == {ev.instrument_id for ev in decoded.events}  # type: ignore[attr-defined]
    assert counts["BookDeltas(snapshot)"] == 3 and counts["TradeTick"] > 0
    assert sorted(decoded.mids) == sorted(b.instrument.id for b in feed.books.values())
    for book in feed.books.values():
        assert decoded.mids[book.instrument.id] == book.mid()
    qtys = backtest.order_qtys(decoded)
    for iid, qty in qtys.items():
        inst = decoded.instruments[iid]
        assert qty % inst.lot == 0
        notional = qty * decoded.mids[iid] / 10 ** (inst.price_precision + inst.size_precision)
        assert (
            20
            <= notional
            < 20 + inst.lot * decoded.mids[iid] / 10 ** (inst.price_precision + inst.size_precision)
        )


def test_trades_only_pair_reports_both_sides_or_why_not(tmp_path: Path) -> None:
    rec = backtest.write_trades(tmp_path, 300)
    decoded = backtest.decode(rec)
    assert backtest._count(decoded.events) == {"TradeTick": 300}
    results: list[dict[str, object]] = []
    peers: list[dict[str, object]] = []
    extra: dict[str, dict[str, object]] = {"shapes": {}, "metrics": {}}
    ours, peer = backtest._trade_vwap(decoded)
    backtest._pair("backtest_trades_only", rec, decoded, ours, peer, 1, results, peers, extra)
    assert [p["case"] for p in peers] == ["backtest_trades_only"]
    shape = extra["shapes"]["backtest_trades_only"]
    assert isinstance(shape, dict) and shape["nautilus"]["trades"] == 300
    if results:  # bot4.backtest exists: ours ran on the same trades
        assert shape["ours"]["events"] >= 300
        assert "backtest_trades_only_ratio_vs_nautilus" in extra["metrics"]
    else:
        assert "run_backtest unavailable" in shape["ours"]["not_measured"]
