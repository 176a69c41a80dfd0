"""One strategy, two modes: the bundled session through `bot4 backtest` and through a paper node
(`bot4 run --data`: the node's event loop, live clock, journal and storage) sends the same orders
in the same order. The strategy decides on books and trades alike and reads no time, so any
difference would be the engine's.

Why `--data` and not the default replay: that one serves the recording on a loopback WebSocket
and its snapshots over HTTP, so when a snapshot lands among the diffs depends on the network (at
full speed every diff is buffered before it), and the books a strategy sees differ by design.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot4.backtest import run_backtest
from bot4.engine import NodeConfig, Strategy, build_node
from bot4.engine.config import ReplayConfig
from bot4.marketdata import OrderBook
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import InstrumentId, Side, TradeTick
from bot4.risk import RiskConfig

BTC = InstrumentId("BINANCE:BTCUSDT")


class Stepper(Strategy):
    """Joins the bid two ticks below the touch on every 7th book update, cancels on every 3rd
    trade, and writes down each order it sends (side, price, qty)."""

    def __init__(self, strategy_id: str, instruments: Sequence[InstrumentId]) -> None:
        super().__init__(strategy_id, instruments)
        self.books = 0
        self.trades = 0
        self.sent: list[tuple[str, int, int, bool]] = []

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        bid = book.best_bid()
        if bid is None or self.books % 7:
            return
        inst = book.instrument
        price = bid[0] - 2 * inst.tick
        qty = self.lot_size(inst, price, 20)
        coid = self.submit_limit(inst.id, Side.BUY, qty, price)
        self.sent.append(("BUY", price, qty, coid is not None))

    def on_trade(self, tick: TradeTick) -> None:
        self.trades += 1
        if self.trades % 3 == 0:
            self.cancel_all()


DATA = DEFAULT_DATASET / "BINANCE.ws.1.0"


def _config() -> NodeConfig:
    # The paper side's clock runs ~30x faster than the recording (pace=None), so checks over a
    # time window would deny there what they allow in the backtest: no order-rate limits (the
    # default) and no duplicate-order window.
    risk = RiskConfig(duplicate_window_ms=0)
    assert risk.orders_per_s is None
    replay = ReplayConfig(source="data", data=[str(DATA)], pace=None)
    return NodeConfig(strategies=[], risk=risk, replay=replay)


async def test_backtest_and_paper_send_the_same_orders(tmp_path: Path) -> None:
    backtest = Stepper("step", [BTC])
    result = run_backtest(_config(), [DATA], strategies=[backtest])
    paper = Stepper("step", [BTC])
    node = build_node(_config(), run_dir=tmp_path, strategies=[paper], api=False)
    await node.run(duration_s=60)
    assert paper.trades == backtest.trades > 0
    assert backtest.sent, "the strategy sent orders"
    assert (paper.books, paper.sent) == (backtest.books, backtest.sent)
    assert node.report is not None
    assert node.report["orders_submitted"] == result.orders == sum(ok for *_, ok in paper.sent)
