"""The live view renders a real node's state and can never stop the node."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from bot4.api.config import ApiConfig
from bot4.commands._tui import LiveView, RateMeter, StatusLines, run_with_view
from bot4.engine import NodeConfig, TradingNode, build_node
from bot4.engine.config import ReplayConfig
from bot4.marketdata import OrderBook


def _node(tmp_path: Path, pace: float = 5.0) -> TradingNode:
    cfg = NodeConfig(replay=ReplayConfig(pace=pace), api=ApiConfig(enabled=False))
    return build_node(cfg, run_dir=tmp_path / "run", announce=lambda _: None)


def _text(view: LiveView, width: int = 120) -> str:
    console = Console(record=True, width=width, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(view.render())
    console.file.close()
    return console.export_text()


def test_render_a_constructed_node(tmp_path: Path) -> None:
    node = _node(tmp_path)
    text = _text(LiveView(node))
    for needle in (
        "top of book", "BTCUSDT", "ETHUSDT", "SOLUSDT", "unsynced", "ACTIVE", "kill switch off",
        "binance-ws", "binance-rest", "CLOSED", "open orders: 0 (submitted 0)", "0 msg/s",
        "risk denials 0", "gaps 0",
    ):  # fmt: skip
        assert needle in text, needle
    assert "frames" not in text, "no connection yet: no connection counters"
    side_by_side = next(line for line in text.splitlines() if "positions & PnL" in line)
    assert "─ risk " in side_by_side, "two columns at 120"


def test_narrow_terminal_stacks_the_panels(tmp_path: Path) -> None:
    text = _text(LiveView(_node(tmp_path)), width=80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    titles = [line for line in lines if "─ positions & PnL" in line or "─ risk " in line]
    assert len(titles) == 2 and all(len(line) == 80 for line in titles), "one panel a row"
    assert "…" not in text, "nothing cut"


async def test_render_while_trading_and_after(tmp_path: Path) -> None:
    node = _node(tmp_path, pace=5)
    view = LiveView(node, duration_s=30)
    task = asyncio.create_task(node.run(30))
    for _ in range(400):  # bounded: 20 s at most
        books_ok = len(node.books) == 3 and all(b.synced for b in node.books.values())
        if node.router.fills >= 2 and books_ok and node.control.open_orders():
            break
        await asyncio.sleep(0.05)
    assert node.router.fills >= 2 and node.control.open_orders()
    text = _text(view)  # no await in between: the view and these reads see the same state
    for iid, book in node.books.items():
        inst = node.instruments[iid]
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is not None and ask is not None
        row = next(line for line in text.splitlines() if f"│ {inst.symbol} " in line)
        assert inst.price_str(bid[0]) in row and inst.price_str(ask[0]) in row, row
        assert inst.qty_str(bid[1]) in row and inst.qty_str(ask[1]) in row, row
        assert f"{(ask[0] - bid[0]) // inst.tick} ticks" in row
    status = node.control.status()
    assert f"open orders: {status['open_orders']} " in text
    newest = sorted(node.control.open_orders(), key=lambda o: o["ts_init_ns"])[-1]
    assert newest["client_order_id"] in text
    for p in status["positions"]:
        assert p["qty"] in text
    assert f"fills {node.router.fills}" in text
    assert "frames " in text and "msg/s" in text
    node.stop()
    report = await asyncio.wait_for(task, 60)
    after = _text(view)
    assert f"frames {report['frames']['received']:,}" in after
    assert "open orders: 0 " in after


async def test_live_view_runs_beside_the_node(tmp_path: Path) -> None:
    node = _node(tmp_path, pace=20)
    view = LiveView(node, duration_s=60)
    out = open(tmp_path / "tty.txt", "w")  # noqa: SIM115, ASYNC230 - a file the test reads
    console = Console(file=out, force_terminal=True, width=120)
    report = await run_with_view(node, 60, lambda: view.run(console, refresh_s=0.05))
    out.close()
    shown = (tmp_path / "tty.txt").read_text()
    assert report["frames"]["received"] == 2000
    assert shown.count("top of book") >= 3, "refreshed several times"
    assert "\x1b[" in shown, "a terminal view (cursor moves, colours)"


class _Breaks(LiveView):
    """A view whose render raises after `ok` good renders (a bug in the view)."""

    def __init__(self, node: TradingNode, ok: int) -> None:
        super().__init__(node)
        self.ok = ok
        self.calls = 0

    def render(self) -> RenderableType:
        self.calls += 1
        if self.calls > self.ok:
            raise ZeroDivisionError("render bug")
        return super().render()


@pytest.mark.parametrize("ok", [0, 2])
async def test_a_render_error_stops_the_view_not_the_node(
    tmp_path: Path, ok: int, caplog: pytest.LogCaptureFixture
) -> None:
    node = _node(tmp_path, pace=20)
    view = _Breaks(node, ok)
    out = open(tmp_path / "tty.txt", "w")  # noqa: SIM115, ASYNC230
    console = Console(file=out, force_terminal=True, width=120)
    with caplog.at_level(logging.ERROR, logger="bot4.commands._tui"):
        report = await run_with_view(node, 60, lambda: view.run(console, refresh_s=0.02))
    out.close()
    assert report["frames"]["received"] == 2000, "the node ran to the end of the replay"
    assert view.calls == ok + 1, "the view stopped at the first error"
    stopped = [r for r in caplog.records if "live view stopped" in r.getMessage()]
    assert len(stopped) == 1 and stopped[0].exc_info is not None


async def test_status_lines_without_a_terminal(tmp_path: Path) -> None:
    node = _node(tmp_path, pace=20)
    lines: list[str] = []
    report = await run_with_view(node, 60, StatusLines(node, lines.append, every_s=0.3).run)
    assert len(lines) >= 3
    assert all(" ACTIVE frames " in line and " pnl " in line for line in lines)
    seen = [int(re.search(r" fills (\d+) ", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert seen == sorted(seen) and 0 < seen[-1] <= report["fills"], seen
    assert any("/s)" in line and "(0/s)" not in line for line in lines), "a message rate"


async def test_status_line_errors_are_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    node = _node(tmp_path, pace=20)
    calls: list[str] = []

    def emit(line: str) -> None:
        calls.append(line)
        raise OSError("stdout closed")

    with caplog.at_level(logging.ERROR, logger="bot4.commands._tui"):
        report = await run_with_view(node, 60, StatusLines(node, emit, every_s=0.05).run)
    assert report["frames"]["received"] == 2000
    assert len(calls) == 1
    assert [r.getMessage() for r in caplog.records] == ["status lines stopped (the node goes on)"]


def test_rate_meter() -> None:
    m = RateMeter(window=3)
    assert m.update(0, 0) == 0.0, "one reading: no rate yet"
    assert m.update(500_000_000, 100) == 200.0
    assert m.update(1_000_000_000, 300) == 300.0
    assert m.update(2_000_000_000, 300) == pytest.approx(200 / 1.5), "the oldest reading left"


async def test_one_sided_book_and_a_tripped_kill_switch(tmp_path: Path) -> None:
    node = _node(tmp_path)
    (btc,) = (iid for iid, inst in node.instruments.items() if inst.symbol == "BTCUSDT")
    book = OrderBook(node.instruments[btc])  # as the feed handler would hold it
    book.load([(4_325_003 * 10**6, 23_427 * 10**3)], [])  # 43250.03, 0.23427 (8 decimals)
    book.synced = True
    node.books[btc] = book
    await node.control.kill("drawdown <3%>", "ops")
    text = _text(LiveView(node))
    row = next(line for line in text.splitlines() if "│ BTCUSDT " in line)
    assert "0.23427" in row and "43250.03" in row and row.count(" - ") >= 3, row
    assert "HALTED" in text and "KILL SWITCH by ops: drawdown <3%>" in text


async def test_an_unusable_terminal_stops_the_view_not_the_node(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    node = _node(tmp_path, pace=20)
    out = open(tmp_path / "tty.txt", "w")  # noqa: SIM115, ASYNC230
    out.close()  # every write raises ValueError, from the first frame on
    console = Console(file=out, force_terminal=True, width=120)
    view = LiveView(node)
    with caplog.at_level(logging.ERROR, logger="bot4.commands._tui"):
        report = await run_with_view(node, 60, lambda: view.run(console, refresh_s=0.02))
    assert report["frames"]["received"] == 2000
    stopped = [r for r in caplog.records if "live view stopped" in r.getMessage()]
    assert len(stopped) == 1 and stopped[0].exc_info is not None
    assert stopped[0].exc_info[0] is ValueError


async def test_log_lines_print_above_the_view_not_over_it(tmp_path: Path) -> None:
    node = _node(tmp_path, pace=20)
    out = open(tmp_path / "tty.txt", "w")  # noqa: SIM115, ASYNC230
    console = Console(file=out, force_terminal=True, width=120)
    real_stderr = sys.stderr
    handler = logging.StreamHandler(real_stderr)  # as logging.basicConfig() sets it up
    root = logging.getLogger()
    root.addHandler(handler)
    log = logging.getLogger("bot4.test_tui")

    async def view_and_log() -> None:
        async def speak() -> None:
            await asyncio.sleep(0.5)
            log.warning("feed quiet for 9 s")

        talker = asyncio.create_task(speak())
        await LiveView(node).run(console, refresh_s=0.05)
        talker.cancel()

    try:
        await run_with_view(node, 60, view_and_log)
    finally:
        root.removeHandler(handler)
        out.close()
    assert handler.stream is real_stderr, "the handler gets its stream back"
    shown = (tmp_path / "tty.txt").read_text()
    assert "feed quiet for 9 s" in shown, "the line went through the view's console"
