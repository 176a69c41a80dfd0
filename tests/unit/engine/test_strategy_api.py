"""The Strategy API on a node's context: timers on a TestClock, bars from routed trades, replace
through the OMS, position / PnL / open orders, and a failing strategy losing its timers.

The node is built as `bot4 run` builds it, on a TestClock; instead of a run (storage, feed) its
OMS is wired to an in-memory journal, and a book is installed in the paper venue.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.support.oms import CENT, make_book, make_instrument, px

from bot4.clock import TestClock
from bot4.engine import NodeConfig, Pnl, Strategy, TradingNode, build_node
from bot4.errors import ConfigValueError, LifecycleError
from bot4.model import Candle, ClientOrderId, InstrumentId, Side, TradeTick
from bot4.oms import InMemoryJournal, OrderManager, OrderReplaced
from bot4.risk import RiskConfig

BTC = InstrumentId("BINANCE:BTCUSDT")
ETH = InstrumentId("BINANCE:ETHUSDT")
S = 1_000_000_000


class Probe(Strategy):
    """Records what it is told; the test calls its API directly."""

    def __init__(self, strategy_id: str = "probe") -> None:
        super().__init__(strategy_id, [BTC])
        self.ticks: list[int] = []
        self.bars: list[Candle] = []
        self.events: list[object] = []

    def on_start(self) -> None:
        self.subscribe_bars(BTC, 1.0)
        self.set_timer("tick", 0.5, lambda: self.ticks.append(self.ctx.clock.monotonic_ns()))

    def on_bar(self, bar: Candle) -> None:
        self.bars.append(bar)

    def on_order_event(self, event: object) -> None:
        self.events.append(event)


def _node(tmp_path: Path, *strategies: Strategy) -> TradingNode:
    cfg = NodeConfig(risk=RiskConfig(duplicate_window_ms=0))
    node = build_node(
        cfg, run_dir=tmp_path, clock=TestClock(), strategies=list(strategies), api=False
    )
    oms = OrderManager(
        clock=node.clock, risk=node.risk, venue=node.venue, journal=InMemoryJournal(),
        portfolio=node.portfolio,
    )  # fmt: skip
    oms.subscribe(node.router.on_order)
    node.oms = node.router.oms = node.context.oms = oms
    book = make_book(make_instrument("BTCUSDT"))
    node.venue.add_book(BTC, book)
    node.books[BTC] = book
    mid = book.mid()
    assert mid is not None
    oms.on_mark(BTC, mid)
    for s in strategies:
        s.bind(node.context)
        node.router.guard(s, s.on_start)
    return node


def _step(node: TradingNode, to_ns: int) -> None:
    """What the backtest driver does: the clock to each due time, then fire."""
    clock = node.clock
    assert isinstance(clock, TestClock)
    while (due := node.timers.next_due_ns()) is not None and due <= to_ns:
        clock.advance_to_ns(due)
        node.timers.fire_due(due)
    clock.advance_to_ns(to_ns)


def _trade(price: int, ts: int) -> TradeTick:
    return TradeTick(
        instrument_id=BTC, price=price, qty=10, aggressor=Side.SELL, trade_id=str(ts),
        ts_event=ts, ts_init=ts,
    )  # fmt: skip


def test_timers_fire_on_the_test_clock_and_can_be_cancelled(tmp_path: Path) -> None:
    probe = Probe()
    node = _node(tmp_path, probe)
    _step(node, 2 * S)
    assert probe.ticks == [S // 2, S, 3 * S // 2, 2 * S]
    fired: list[int] = []
    probe.set_timer("once", 0.25, lambda: fired.append(1), repeat=False)
    _step(node, 3 * S)
    assert fired == [1] and probe.cancel_timer("tick") is True
    assert probe.cancel_timer("tick") is False
    _step(node, 5 * S)
    assert len(probe.ticks) == 6 and fired == [1]
    with pytest.raises(ConfigValueError, match="interval must be >= 0"):
        probe.set_timer("neg", -1.0, lambda: None)


def test_bars_from_routed_trades_reach_on_bar(tmp_path: Path) -> None:
    probe = Probe()
    node = _node(tmp_path, probe)
    price = 100_000 * CENT
    node.router.on_events([_trade(price, 0)])
    _step(node, S // 2)
    node.router.on_events([_trade(price + 5 * CENT, S // 2)])
    _step(node, S)
    (bar,) = probe.bars
    assert (bar.open, bar.close, bar.trades, bar.closed, bar.interval) == (
        price, price + 5 * CENT, 2, True, "1s",
    )  # fmt: skip
    with pytest.raises(ConfigValueError, match="does not trade"):
        probe.subscribe_bars(InstrumentId("BINANCE:XRPUSDT"), 1.0)


def test_submit_replace_cancel_position_pnl_and_open_orders(tmp_path: Path) -> None:
    probe, other = Probe(), Probe("other")
    _node(tmp_path, probe, other)
    inst = make_instrument("BTCUSDT")
    lot = probe.lot_size(inst, px(inst, 10_000), 20)  # 20 USDT at 100.00
    coid = probe.submit_limit(BTC, Side.BUY, 2 * lot, px(inst, 9_980))
    assert coid is not None
    assert [o.client_order_id for o in probe.open_orders()] == [coid]
    assert other.open_orders() == []
    # Replace: price only (qty kept), then qty only (price kept); through the OMS and venue.
    assert probe.replace(coid, price=px(inst, 9_970)) is True
    assert probe.replace(coid, qty=lot) is True
    (order,) = probe.open_orders()
    assert (order.qty, order.price) == (lot, px(inst, 9_970))
    assert sum(isinstance(e, OrderReplaced) for e in probe.events) == 2
    assert other.replace(coid, price=1) is False  # not its order
    assert probe.replace(ClientOrderId("N-nope"), price=1) is False
    probe.cancel(coid)
    assert probe.open_orders() == []
    assert probe.replace(coid, price=1) is False  # no longer open
    # A marketable buy fills against the book's asks: a position and PnL at the mark.
    assert probe.submit_market(BTC, Side.BUY, lot) is not None
    assert probe.position(BTC) == lot
    realized, unrealized = probe.pnl(BTC)
    assert isinstance(realized, Decimal) and realized < 0  # the taker fee, nothing closed yet
    assert probe.pnl() == Pnl(realized, unrealized)  # one position: the totals are its own
    assert probe.pnl(ETH) == Pnl(Decimal(0), Decimal(0))


def test_a_raising_timer_stops_its_strategy_and_drops_its_timers(tmp_path: Path) -> None:
    probe, bystander = Probe(), Probe("bystander")
    node = _node(tmp_path, probe, bystander)

    def boom() -> None:
        raise ZeroDivisionError("in a timer")

    probe.set_timer("boom", 0.1, boom)
    _step(node, S)
    assert node.router.failed == {"probe": "ZeroDivisionError: in a timer"}
    assert ("timer", "probe", "tick") not in node.timers
    assert ("timer", "bystander", "tick") in node.timers
    assert probe.replace(ClientOrderId("N-1"), price=1) is False  # a stopped strategy acts no more


def test_before_a_node_there_is_no_context_and_defaults_apply() -> None:
    probe = Probe()
    assert probe.config == probe.config_type() and probe.log.name == "bot4.strategy.probe"
    with pytest.raises(LifecycleError):
        probe.open_orders()


def test_without_an_oms_the_context_answers_empty(tmp_path: Path) -> None:
    probe = Probe()
    node = build_node(NodeConfig(), run_dir=tmp_path, strategies=[probe], api=False)
    probe.bind(node.context)
    assert probe.open_orders() == [] and probe.replace(ClientOrderId("N-1"), price=1) is False
