"""`bot4 backtest`: the config's strategies (or one given on the command line) over data files.

The glue between the config layer (which reads and checks the file and the `--param` /
`--sweep` settings) and `bot4.backtest` (which runs them). Errors are one line each, never a
traceback: a bad config or setting exits 2, unusable data exits 1.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress

from bot4.backtest import (
    SweepPoint,
    parse_setting,
    parse_value,
    points,
    run_backtest,
    run_points,
    summary_line,
    write_sweep_table,
)
from bot4.config import parse_config, read_toml
from bot4.engine import NodeConfig
from bot4.errors import ConfigError, DataError
from bot4.marketdata.readers import OnError

__all__ = ["backtest_command", "parse_time"]


def parse_time(text: str) -> int:
    """`2024-01-02`, `2024-01-02T03:04:05Z` (UTC unless an offset is given) or int ns."""
    if text.isdigit():
        return int(text)
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{text!r}: not a time (use 2024-01-02T03:04:05Z or ns)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def _tables(
    config: Path | None, strategy: str | None, params: Sequence[str], instruments: Sequence[str]
) -> dict[str, Any]:
    """The raw config tables: the file's, with `--strategy`/`--param` as the one strategy."""
    data = read_toml(config) if config is not None else {}
    if strategy is not None:
        name = strategy.rpartition(":")[2].lower() or "strategy"
        entry: dict[str, Any] = {"id": name, "class": strategy, "config": {}}
        if instruments:
            entry["instruments"] = list(instruments)
        data["strategies"] = [entry]
    elif params and not isinstance(data.get("strategies"), list):
        raise ConfigError("--param needs --strategy or [[strategies]] tables in the config")
    for text in params:
        key, value = parse_setting(text)
        entries = data["strategies"]
        if len(entries) != 1 and "." not in key:
            raise ConfigError(f"--param {text}: several strategies; write <id>.{key}=...")
        target = entries[0] if "." not in key else _entry(entries, key.partition(".")[0])
        target.setdefault("config", {})[key.rpartition(".")[2]] = parse_value(value)
    return data


def _entry(entries: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    for e in entries:
        if e.get("id") == sid:
            return e
    raise ConfigError(f"--param: no strategy with id {sid!r}")


def _run_point(
    point: SweepPoint,
    *,
    source: str,
    data: list[str],
    start_ns: int | None,
    end_ns: int | None,
    on_error: OnError,
    out_dir: Path,
    base_dir: Path,
) -> dict[str, Any]:
    """One backtest of a sweep, in a worker process: its params and summary."""
    cfg = parse_config(point.data, NodeConfig, source=source)
    result = run_backtest(
        cfg, data, start_ns=start_ns, end_ns=end_ns, on_error=on_error,
        out_dir=out_dir / f"point-{point.index:04d}", base_dir=base_dir,
    )  # fmt: skip
    return {"point": point.index, **point.params, **result.report["summary"]}


def backtest_command(
    *,
    config: Path | None,
    data: Sequence[Path],
    out: Path,
    start: str | None = None,
    end: str | None = None,
    strategy: str | None = None,
    params: Sequence[str] = (),
    instruments: Sequence[str] = (),
    on_error: str = "skip",
    sweep: Sequence[str] = (),
    rank_by: str = "sharpe",
    workers: int | None = None,
) -> None:
    """Run one backtest (or a sweep) and print where the report is."""
    if on_error not in ("skip", "stop"):
        typer.echo(f"error: --on-error {on_error!r}: expected skip or stop", err=True)
        raise typer.Exit(2)
    mode: OnError = "stop" if on_error == "stop" else "skip"
    if not data:
        typer.echo("error: --data: give at least one data file or directory", err=True)
        raise typer.Exit(2)
    try:
        start_ns = None if start is None else parse_time(start)
        end_ns = None if end is None else parse_time(end)
        tables = _tables(config, strategy, params, instruments)
        source = str(config) if config is not None else "command line"
        base_dir = config.parent if config is not None else Path.cwd()
        todo = points(tables, sweep) if sweep else []
        for p in todo:  # every point checked before the first runs
            parse_config(p.data, NodeConfig, source=f"{source} (sweep {p.params})")
        cfg = parse_config(tables, NodeConfig, source=source)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(2) from None
    paths = [str(d) for d in data]
    try:
        if todo:
            _sweep(todo, source, paths, start_ns, end_ns, mode, out, base_dir, rank_by,
                   workers)  # fmt: skip
            return
        with Progress(transient=True) as bar:
            task = bar.add_task("backtest", total=None)
            result = run_backtest(
                cfg, paths, start_ns=start_ns, end_ns=end_ns, on_error=mode, out_dir=out,
                base_dir=base_dir, progress=lambda n: bar.update(task, completed=n),
            )  # fmt: skip
    except DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except ConfigError as exc:
        for line in str(exc).splitlines():
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(2) from None
    typer.echo(summary_line(result))
    typer.echo(f"report: {out / 'report.json'}")
    typer.echo(f"report: {out / 'report.html'}")


def _sweep(
    todo: list[SweepPoint],
    source: str,
    paths: list[str],
    start_ns: int | None,
    end_ns: int | None,
    on_error: OnError,
    out: Path,
    base_dir: Path,
    rank_by: str,
    workers: int | None,
) -> None:
    work = functools.partial(
        _run_point, source=source, data=paths, start_ns=start_ns, end_ns=end_ns,
        on_error=on_error, out_dir=out, base_dir=base_dir,
    )  # fmt: skip
    n = workers or min(len(todo), os.cpu_count() or 1)
    with Progress() as bar:
        task = bar.add_task(f"sweep ({n} workers)", total=len(todo))
        rows = run_points(work, todo, n, lambda done: bar.update(task, completed=done))
    csv_path, html_path = write_sweep_table(rows, rank_by, out)
    typer.echo(f"sweep: {len(rows)} backtests ranked by {rank_by}")
    typer.echo(f"table: {csv_path}")
    typer.echo(f"table: {html_path}")
