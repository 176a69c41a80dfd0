"""The live terminal view of a running node (rich), and its plain-text twin for non-TTY output.

The view only reads the node (`control.status()`, `control.open_orders()`, `books`,
`conn.stats`, `handler.stats`, the router's `fills` and `denials`) and renders from the node's
own event loop, between its steps, so it always sees a consistent state and never races the
trading code. rich's auto-refresh thread is off for that reason. Rendering must never hurt the
run: the first exception is logged and the view stops; the node goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import deque
from collections.abc import Callable, Coroutine, Iterator, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from bot4.engine import TradingNode

__all__ = ["LiveView", "StatusLines", "run_with_view"]

log = logging.getLogger(__name__)

_REFRESH_S = 0.25  # ~4 renders a second: smooth enough, cheap for the loop
_RATE_WINDOW = 8  # renders the message rate is averaged over (~2 s)
_LAST_ORDERS = 5
_TWO_COLUMNS_MIN_WIDTH = 110  # below it the panels' numbers get cut: stack them instead
_STATE_STYLE = {
    "ACTIVE": "bold green",
    "REDUCING": "bold yellow",
    "HALTED": "bold red",
    "CLOSED": "green",
    "HALF_OPEN": "yellow",
    "OPEN": "red",
    "FORCED_OPEN": "bold red",
}


class RateMeter:
    """Frames per second over the last few readings of a growing counter."""

    def __init__(self, window: int = _RATE_WINDOW) -> None:
        self._readings: deque[tuple[int, int]] = deque(maxlen=window)  # (mono_ns, count)

    def update(self, mono_ns: int, count: int) -> float:
        self._readings.append((mono_ns, count))
        (t0, c0), (t1, c1) = self._readings[0], self._readings[-1]
        return (c1 - c0) * 1e9 / (t1 - t0) if t1 > t0 else 0.0


def _styled(state: str) -> Text:
    return Text(state, style=_STATE_STYLE.get(state, ""))


def _money(value: str) -> Text:
    """A decimal string in plain notation ("0E-8" -> "0.00000000"), green/red by sign."""
    d = Decimal(value)
    return Text(f"{d:f}", style="green" if d > 0 else "red" if d < 0 else "")


class _Columns:
    """Full-width panels, then two columns side by side, or stacked on a narrow terminal."""

    def __init__(
        self,
        top: Sequence[RenderableType],
        left: Sequence[RenderableType],
        right: Sequence[RenderableType],
    ) -> None:
        self.top, self.left, self.right = top, left, right

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.top
        if options.max_width < _TWO_COLUMNS_MIN_WIDTH:
            yield from self.left
            yield from self.right
            return
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(Group(*self.left), Group(*self.right))
        yield grid


class LiveView:
    """Builds the renderable for one moment of a node (no writes to the node)."""

    def __init__(self, node: TradingNode, duration_s: float | None = None) -> None:
        self.node = node
        self.duration_s = duration_s
        self._rate = RateMeter()
        self._started_ns = node.clock.monotonic_ns()

    def rate(self) -> float:
        conn = self.node.conn
        frames = 0 if conn is None else conn.stats.frames
        return self._rate.update(self.node.clock.monotonic_ns(), frames)

    def render(self) -> RenderableType:
        node = self.node
        status = node.control.status()
        rate = self.rate()
        return _Columns(
            (self._header(status, rate), self._books()),
            (self._positions(status), self._orders(status)),
            (self._risk(status), self._breakers(status), self._feed(rate)),
        )

    def _header(self, status: Any, rate: float) -> RenderableType:
        node = self.node
        elapsed = (node.clock.monotonic_ns() - self._started_ns) / 1e9
        pnl = status["pnl"]
        line = Text.assemble(
            ("bot4 run ", "bold"),
            (str(node.run_dir), "dim"),
            f"  {elapsed:.0f} s  ",
            _styled(status["trading_state"]),
            f"  {rate:,.0f} msg/s  fills {node.router.fills}  PnL ",
            _money(pnl["total"]),
        )
        if self.duration_s is None or self.duration_s <= 0:
            return line
        row = Table.grid(expand=True)
        row.add_column(ratio=1)
        row.add_column(width=30)
        done = min(elapsed, self.duration_s)
        row.add_row(line, ProgressBar(total=self.duration_s, completed=done, width=30))
        return row

    def _books(self) -> Panel:
        t = Table(expand=True, box=None, pad_edge=False)
        for col in ("instrument", "bid qty", "bid", "ask", "ask qty", "spread", "bps"):
            t.add_column(col, justify="left" if col == "instrument" else "right")
        for iid, inst in sorted(self.node.instruments.items()):
            book = self.node.books.get(iid)
            if book is None or not book.synced:
                t.add_row(inst.symbol, "", "", "", "", Text("unsynced", style="yellow"), "")
                continue
            bid, ask = book.best_bid(), book.best_ask()
            spread = bps = "-"
            if bid is not None and ask is not None:
                spread = f"{(ask[0] - bid[0]) // max(inst.tick, 1)} ticks"
                bps = f"{(ask[0] - bid[0]) * 20_000 / (ask[0] + bid[0]):.3g}"
            t.add_row(
                inst.symbol,
                "-" if bid is None else inst.qty_str(bid[1]),
                Text("-" if bid is None else inst.price_str(bid[0]), style="green"),
                Text("-" if ask is None else inst.price_str(ask[0]), style="red"),
                "-" if ask is None else inst.qty_str(ask[1]),
                spread,
                bps,
            )
        return Panel(t, title="top of book", title_align="left")

    def _positions(self, status: Any) -> Panel:
        t = Table(expand=True, box=None, pad_edge=False)
        for col in ("instrument", "qty", "avg", "realized", "unrealized"):
            t.add_column(col, justify="left" if col == "instrument" else "right")
        for p in status["positions"]:
            t.add_row(
                p["instrument_id"].partition(":")[2] or p["instrument_id"],
                p["qty"],
                p["avg_price"] or "-",
                _money(p["realized_pnl"]),
                _money(p["unrealized_pnl"]),
            )
        pnl = status["pnl"]
        caption = Text.assemble(
            "realized-fees ", _money(pnl["realized"]), "  unrealized ", _money(pnl["unrealized"])
        )
        return Panel(Group(t, caption), title="positions & PnL", title_align="left")

    def _orders(self, status: Any) -> Panel:
        t = Table(expand=True, box=None, pad_edge=False)
        for col in ("id", "side", "qty", "price", "state"):
            t.add_column(col, justify="right" if col in ("qty", "price") else "left")
        orders = sorted(self.node.control.open_orders(), key=lambda o: o["ts_init_ns"])[
            -_LAST_ORDERS:
        ]
        for o in orders:
            t.add_row(
                o["client_order_id"],
                Text(o["side"], style="green" if o["side"] == "BUY" else "red"),
                o["qty"],
                o["price"] or "MKT",
                o["state"],
            )
        title = (
            f"open orders: {status['open_orders']} (submitted {self.node.context.orders_submitted})"
        )
        return Panel(t, title=title, title_align="left")

    def _risk(self, status: Any) -> Panel:
        kill = status["kill_switch"]
        lines = [Text.assemble("trading ", _styled(status["trading_state"]))]
        if kill["active"]:
            lines.append(Text(f"KILL SWITCH by {kill['who']}: {kill['reason']}", style="bold red"))
        else:
            lines.append(Text("kill switch off", style="green"))
        denials = sorted(self.node.router.denials.items(), key=lambda kv: -kv[1])
        total = sum(n for _, n in denials)
        lines.append(Text(f"risk denials {total}"))
        lines.extend(Text(f"  {reason}: {n}") for reason, n in denials[:4])
        lines.extend(
            Text(f"quiet {q['component']}: {q['quiet_s']:.0f} s > {q['limit_s']:.0f} s", "yellow")
            for q in status.get("quiet", [])
        )
        return Panel(Group(*lines), title="risk", title_align="left")

    def _feed(self, rate: float) -> Panel:
        conn = self.node.conn
        fs = self.node.handler.stats
        lines = [Text(f"{rate:,.0f} msg/s")]
        if conn is not None:
            cs = conn.stats
            lines.append(
                Text(f"frames {cs.frames:,}  events {cs.events:,}  connects {cs.connects}")
            )
            lines.append(Text(f"disconnects {cs.disconnects}  snapshots {cs.snapshots_applied}"))
        lines.append(
            Text(
                f"gaps {fs.gaps}  resyncs {fs.resyncs}  errors {fs.errors}  buffered {fs.buffered}"
            )
        )
        return Panel(Group(*lines), title="feed", title_align="left")

    def _breakers(self, status: Any) -> Panel:
        t = Table(expand=True, box=None, pad_edge=False, show_header=False)
        t.add_column("name")
        t.add_column("state", justify="right")
        for name, state in sorted(status["breakers"].items()):
            t.add_row(name, _styled(state))
        return Panel(t, title="breakers", title_align="left")

    async def run(self, console: Console, refresh_s: float = _REFRESH_S) -> None:
        """Render every `refresh_s` until cancelled; on any error log once and stop.

        `render()` reads the node on the loop (under 1 ms); drawing the result is rich's
        layout work (15-40 ms a frame measured on the shared 2-core box) and goes to a worker
        thread, so the loop is held for a GIL switch interval at a time, not a whole frame.
        The renderable holds only strings and numbers, so the thread never touches the node.
        """
        try:
            before = sys.stderr
            with (
                Live(self.render(), console=console, auto_refresh=False) as live,
                _logs_through(before, sys.stderr),
            ):
                while True:
                    await asyncio.sleep(refresh_s)
                    live.update(self.render())
                    await asyncio.to_thread(live.refresh)
        except Exception:
            log.exception("live view stopped (the node goes on)")


@contextlib.contextmanager
def _logs_through(stream: IO[str], proxy: IO[str]) -> Iterator[None]:
    """Root log handlers writing to `stream` write to `proxy` meanwhile.

    Live swaps sys.stderr for a proxy that prints above the view, but a handler set up before
    (`logging.basicConfig` in the CLI) holds the real stderr and would scribble over the view.
    """
    moved = [
        h
        for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and h.stream is stream and proxy is not stream
    ]
    for h in moved:
        h.setStream(proxy)
    try:
        yield
    finally:
        for h in moved:
            h.setStream(stream)


class StatusLines:
    """The plain twin of the live view: one status line every `every_s` (for logs and pipes)."""

    def __init__(self, node: TradingNode, emit: Callable[[str], object], every_s: float = 10.0):
        self.node = node
        self.emit = emit
        self.every_s = every_s
        self._rate = RateMeter(window=2)
        self._started_ns = node.clock.monotonic_ns()

    def line(self) -> str:
        node = self.node
        now = node.clock.monotonic_ns()
        conn = node.conn
        frames = 0 if conn is None else conn.stats.frames
        rate = self._rate.update(now, frames)
        status = node.control.status()
        return (
            f"[{(now - self._started_ns) / 1e9:.0f} s] {status['trading_state']} "
            f"frames {frames} ({rate:.0f}/s) orders {node.context.orders_submitted} "
            f"fills {node.router.fills} "
            f"open {status['open_orders']} pnl {status['pnl']['total']}"
        )

    async def run(self) -> None:
        """Emit a line every `every_s` until cancelled; stop quietly on an error (logged)."""
        self._rate.update(self.node.clock.monotonic_ns(), 0)
        while True:
            await asyncio.sleep(self.every_s)
            try:
                self.emit(self.line())
            except Exception:
                log.exception("status lines stopped (the node goes on)")
                return


async def run_with_view(
    node: TradingNode,
    duration_s: float | None,
    watcher: Callable[[], Coroutine[Any, Any, None]],
) -> dict[str, Any]:
    """Run the node with `watcher()` (a coroutine: the live view or status lines) beside it."""
    task = asyncio.create_task(watcher())
    try:
        return await node.run(duration_s)
    finally:
        task.cancel()
        # The watchers log their own errors; whatever ended them, the run's result stands.
        await asyncio.gather(task, return_exceptions=True)
