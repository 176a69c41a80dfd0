"""`bot4 new-strategy NAME`: a commented strategy template and a test that runs it.

`NAME.py` holds a config Struct and a Strategy subclass with every hook (one comment each) and
an order placed on a book event; `test_NAME.py` beside it runs that strategy in a node on the
bundled replay for a few seconds and asserts it placed orders, so `pytest test_NAME.py` works
before a line is changed. Exit codes: 0 written; 1 a file exists or cannot be written; 2 a name
that is not a Python identifier.
"""

from __future__ import annotations

import keyword
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["class_name", "new_strategy_command", "strategy_template", "template_of_test"]


def class_name(name: str) -> str:
    """`my_strategy` -> `MyStrategy` (the class the template defines)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part) or "Strategy"


def strategy_template(name: str) -> str:
    """The source of `NAME.py`."""
    return _STRATEGY.replace("{name}", name).replace("{Class}", class_name(name))


def template_of_test(name: str) -> str:
    """The source of `test_NAME.py`."""
    return _TEST.replace("{name}", name).replace("{Class}", class_name(name))


def new_strategy_command(
    name: Annotated[str, typer.Argument(help="Module name of the strategy (a Python identifier).")],
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to write NAME.py and test_NAME.py.")
    ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write NAME.py (a commented strategy template) and test_NAME.py (backtests it)."""
    if not name.isidentifier() or keyword.iskeyword(name):
        typer.echo(f"error: {name!r} is not a Python identifier (a module name)", err=True)
        raise typer.Exit(2)
    files = {
        directory / f"{name}.py": strategy_template(name),
        directory / f"test_{name}.py": template_of_test(name),
    }
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        typer.echo(f"error: {', '.join(existing)} exists; pass --force to overwrite", err=True)
        raise typer.Exit(1)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write in {directory}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    strategy, test = files
    typer.echo(f"wrote {strategy} and {test}")
    typer.echo(f"try it: pytest {test}")
    typer.echo(
        f'run it: a [[strategies]] entry with class = "{strategy}:{class_name(name)}" '
        "(see the top of the file)"
    )


_STRATEGY = '''\
"""{name}: a Bot4 strategy (written by `bot4 new-strategy {name}`).

Run it in a node with a `[[strategies]]` entry in the config (a path is relative to the config
file's folder, then to the working directory):

    [[strategies]]
    id = "{name}"
    class = "{name}.py:{Class}"
    instruments = ["BTCUSDT"]      # omit for every symbol of the node
    [strategies.config]            # decoded into {Class}Config; unknown keys are refused
    offset_ticks = 5

The same class runs unchanged in a backtest, on paper and live: take time only from
`self.ctx.clock`, act only through the Strategy methods. Prices and quantities are fixed-point
integers of the instrument (see `bot4.model.Instrument`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import msgspec

from bot4.engine import Strategy
from bot4.model import OrderFilled, Side

if TYPE_CHECKING:
    from bot4.marketdata import OrderBook
    from bot4.model import Candle, OrderEvent, TradeTick


class {Class}Config(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The strategy's settings: `[strategies.config]` of its entry."""

    offset_ticks: int = 5  # how far below the best bid our bid rests, in ticks
    lot_notional: int = 20  # one order is worth this many quote units (USDT)
    bar_s: float = 1.0  # the bar interval we follow, in seconds
    report_s: float = 5.0  # how often the timer logs our position and PnL, in seconds


class {Class}(Strategy):
    """Rests one bid a few ticks under the best bid of each instrument."""

    config_type: ClassVar[type[msgspec.Struct]] = {Class}Config
    config: {Class}Config

    def on_start(self) -> None:
        # Once, before any event: subscribe to bars and set timers here.
        for iid in self.instruments:
            self.subscribe_bars(iid, self.config.bar_s)
        self.set_timer("report", self.config.report_s, self.report)

    def on_book(self, book: OrderBook) -> None:
        # One of our books changed (and is in sync): place a bid when we have none.
        best = book.best_bid()
        if best is None or self.open_orders():
            return
        inst = book.instrument
        price = best[0] - self.config.offset_ticks * inst.tick
        qty = self.lot_size(inst, price, self.config.lot_notional)
        self.decide(inst.id, f"bid {inst.qty_str(qty)} @ {inst.price_str(price)}")
        self.submit_limit(inst.id, Side.BUY, qty, price)

    def on_trade(self, tick: TradeTick) -> None:
        # A public trade on one of our instruments (bars are built from these for us).
        pass

    def on_bar(self, bar: Candle) -> None:
        # A closed time bar (subscribed in on_start); intervals without trades make no bar.
        self.log.debug("bar %s close %s (%d trades)", bar.instrument_id, bar.close, bar.trades)

    def on_order_event(self, event: OrderEvent) -> None:
        # An event of one of our own orders: accepted, filled, canceled, rejected, ...
        if isinstance(event, OrderFilled):
            self.log.info("filled %s @ %s", event.last_qty, event.last_price)

    def report(self) -> None:
        # Our timer (set in on_start): position and PnL in quote units.
        for iid in self.instruments:
            realized, unrealized = self.pnl(iid)
            pos = self.position(iid)
            self.log.info("%s position %d pnl %s / %s", iid, pos, realized, unrealized)

    def on_stop(self) -> None:
        # Once at shutdown; the node cancels our open orders after it.
        self.log.info("stopping with %d open orders", len(self.open_orders()))
'''

_TEST = '''\
"""Backtests {name}.{Class} on the bundled session (written by `bot4 new-strategy`)."""

from __future__ import annotations

from pathlib import Path

from bot4.backtest import run_backtest
from bot4.engine import NodeConfig, load_strategy_class
from bot4.marketdata.synth.default import DEFAULT_DATASET
from bot4.model import InstrumentId

HERE = Path(__file__).resolve().parent
BTC = InstrumentId("BINANCE:BTCUSDT")


def test_{name}_places_orders_in_a_backtest(tmp_path: Path) -> None:
    # The class as a [[strategies]] entry names it, with its default settings.
    cls = load_strategy_class("{name}.py:{Class}", HERE)
    strategy = cls("{name}", [BTC], cls.config_type())
    # The bundled 60 s Binance recording on a simulated clock; report in tmp_path.
    result = run_backtest(
        NodeConfig(strategies=[]), [DEFAULT_DATASET], strategies=[strategy], out_dir=tmp_path
    )
    assert result.orders > 0, result.report["summary"]
    assert result.report["strategies_failed"] == {}, result.report["strategies_failed"]
    # The same data gives the same orders: the strategy reads time only from the clock.
    again = cls("{name}", [BTC], cls.config_type())
    assert run_backtest(NodeConfig(strategies=[]), [DEFAULT_DATASET], strategies=[again]).sent == (
        result.sent
    )
'''
