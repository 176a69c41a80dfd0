"""The `bot4` command: one typer app; each subsystem adds its commands from its own module."""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot4 import __version__

app = typer.Typer(
    name="bot4",
    help="Bot4: automated crypto trading core (market data, risk, OMS, breakers, storage).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bot4 {__version__}")
        raise typer.Exit


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    log_level: Annotated[str, typer.Option("--log-level", help="DEBUG, INFO, WARNING...")] = "INFO",
) -> None:
    """Bot4: automated crypto trading core."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@app.command()
def run(
    config: Annotated[Path | None, typer.Option("--config", help="TOML config file.")] = None,
    duration: Annotated[
        float | None, typer.Option("--duration", help="Stop after this many seconds.")
    ] = None,
    api_port: Annotated[int | None, typer.Option("--api-port", help="Control API port.")] = None,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="No live view (plain output).")] = False,
    no_api: Annotated[bool, typer.Option("--no-api", help="Do not serve the control API.")] = False,
    live: Annotated[
        bool,
        typer.Option("--live", help="Binance's public market data instead of the replay."),
    ] = False,
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Paper-trade these data files (what backtest reads)."),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option("--speed", help="1 as recorded, 2 twice as fast, 0 as fast as read.", min=0),
    ] = None,
    execution: Annotated[
        str | None,
        typer.Option("--execution", help="Where orders go: paper (default), binance or ccxt."),
    ] = None,
    confirm_live: Annotated[
        bool,
        typer.Option("--confirm-live", help="Confirm real orders on a non-paper venue."),
    ] = False,
    fresh: Annotated[
        bool,
        typer.Option("--fresh", help="Start clean: move the data directory aside (kept)."),
    ] = False,
) -> None:
    """Paper-trade the bundled Binance replay, data files or live market data."""
    from bot4.commands.run import run_command

    run_command(
        config, duration, api_port, no_tui, no_api, live=live, data=data, speed=speed,
        execution=execution, confirm_live=confirm_live, fresh=fresh,
    )  # fmt: skip


@app.command()
def backtest(
    data: Annotated[
        list[Path], typer.Option("--data", help="Data file or recording directory (repeat).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.json and report.html.")],
    config: Annotated[Path | None, typer.Option("--config", help="TOML config file.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Start (2024-01-02T03:04:05Z or ns).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="End, exclusive (same forms).")] = None,
    strategy: Annotated[
        str | None,
        typer.Option("--strategy", help="module:Class or file.py:Class (replaces the config's)."),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="key=value of the strategy's config.")
    ] = None,
    instrument: Annotated[
        list[str] | None, typer.Option("--instrument", help="--strategy's instruments (symbols).")
    ] = None,
    on_error: Annotated[
        str, typer.Option("--on-error", help="A bad data line: skip (counted) or stop.")
    ] = "skip",
    sweep: Annotated[
        list[str] | None,
        typer.Option("--sweep", help="key=v1,v2,... : one backtest per grid point (repeat)."),
    ] = None,
    rank_by: Annotated[
        str, typer.Option("--rank-by", help="Sweep table: the metric ranked by.")
    ] = "sharpe",
    workers: Annotated[
        int | None, typer.Option("--workers", help="Sweep: processes (default one per core).")
    ] = None,
) -> None:
    """Run strategies over recorded data on a simulated clock; write report.json and .html."""
    from bot4.commands.backtest import backtest_command

    backtest_command(
        config=config, data=data, out=out, start=start, end=end, strategy=strategy,
        params=param or (), instruments=instrument or (), on_error=on_error,
        sweep=sweep or (), rank_by=rank_by, workers=workers,
    )  # fmt: skip


@app.command("new-strategy")
def new_strategy(
    name: Annotated[str, typer.Argument(help="Module name of the strategy (a Python identifier).")],
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to write NAME.py and test_NAME.py.")
    ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write NAME.py (a commented strategy template) and test_NAME.py (runs it on the replay)."""
    from bot4.commands.new_strategy import new_strategy_command

    new_strategy_command(name, directory, force)


@app.command("demo-breakers")
def demo_breakers() -> None:
    """A demo of the circuit breakers."""
    from bot4.resilience.demo import run_demo

    run_demo()


def _bench_root() -> Path:
    """The repo's `bench/` folder: benchmarks run from a source checkout, not an installed wheel."""
    return Path(__file__).resolve().parents[2] / "bench"


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help="Benchmark family (breaker, ..., or 'all').")],
    quick: Annotated[bool, typer.Option("--quick", help="Fewer samples; under 20 s.")] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON here.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="'all': results folder (default bench/results/DATE)."),
    ] = None,
    callgrind: Annotated[
        bool, typer.Option("--callgrind", help="'all': also count instructions under callgrind.")
    ] = False,
) -> None:
    """Run one benchmark family (or 'all', with summary and HTML report) and print percentiles."""
    root = _bench_root()
    if not (root / "harness.py").is_file():
        typer.echo(f"error: no benchmark suite at {root} (run from a source checkout)", err=True)
        raise typer.Exit(2)
    sys.path.insert(0, str(root.parent))
    runner = importlib.import_module("bench.runner")
    raise typer.Exit(
        runner.main(name, quick=quick, json_path=json_path, out_dir=out, callgrind=callgrind)
    )


# Each package's own commands are in its public `cli` module; they are registered here.
# Operator commands against a running node's control API (bodies in bot4/api/cli.py).
from bot4.api import cli as _api_cli  # noqa: E402 - registered after the app is defined

app.command("status")(_api_cli.status_command)
app.command("kill")(_api_cli.kill_command)
app.command("reset-kill")(_api_cli.reset_kill_command)
app.command("dashboard-demo")(_api_cli.dashboard_demo_command)

# Offline replay of a recorded feed session, and recording a live one (bot4/marketdata/cli/).
from bot4.marketdata.cli import record as _record_cli  # noqa: E402 - registered after the app
from bot4.marketdata.cli import replay as _replay_cli  # noqa: E402 - registered after the app

app.command("replay")(_replay_cli.replay_command)
app.command("record")(_record_cli.record_command)

# Storage: open, migrate and describe the configured database (body in bot4/storage/cli.py).
from bot4.storage import cli as _storage_cli  # noqa: E402 - registered after the app is defined

app.command("storage-check")(_storage_cli.storage_check_command)

# Config: example, check, resolved view and JSON Schema (bodies in bot4/config/cli.py).
from bot4.config import cli as _config_cli  # noqa: E402 - registered after the app is defined

app.command("new-config")(_config_cli.new_config_command)
app.command("check-config")(_config_cli.check_config_command)
app.command("show-config")(_config_cli.show_config_command)
app.command("config-schema")(_config_cli.config_schema_command)
