"""Parameter sweeps: one backtest per point of a grid, in worker processes, one ranked table.

A sweep key is a path into the config's tables as the TOML file spells them
(`paper.latency_us`), or into one strategy's `[strategies.config]` table: `strategies.<id>.<key>`,
or just `<key>` when the run has one strategy. Values are TOML literals (`5`, `0.5`, `true`,
`"text"`; a bare word is a string). Each point is validated like a config file before any
backtest starts, so a typo fails the sweep at once, not in the last worker.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from bot4.errors import ConfigValueError

__all__ = [
    "SweepPoint",
    "apply_setting",
    "grid",
    "parse_setting",
    "parse_value",
    "points",
    "run_points",
]


def parse_value(text: str) -> Any:
    """A TOML literal (`5`, `0.5`, `true`, `[1, 2]`, `"x"`); a bare word is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_setting(text: str) -> tuple[str, str]:
    """`key=value` -> (key, value); ConfigValueError naming the text when there is no `=`."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigValueError(f"{text!r}: expected key=value")
    return key.strip(), value.strip()


def grid(sweeps: Sequence[str]) -> list[dict[str, Any]]:
    """`["a=1,2", "b=x,y"]` -> the 4 points {a, b}, in order (the first key varies slowest)."""
    axes: list[tuple[str, list[Any]]] = []
    for text in sweeps:
        key, values = parse_setting(text)
        items = [parse_value(v.strip()) for v in values.split(",") if v.strip()]
        if not items:
            raise ConfigValueError(f"--sweep {text!r}: no values")
        axes.append((key, items))
    keys = [k for k, _ in axes]
    return [
        dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))
    ]


def apply_setting(data: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` (see the module docstring) in the raw config tables `data`, in place."""
    parts = key.split(".")
    entries = data.get("strategies")
    if isinstance(entries, list):
        ids = [e.get("id") for e in entries if isinstance(e, dict)]
        if len(parts) == 1 and len(entries) == 1:
            entries[0].setdefault("config", {})[parts[0]] = value
            return
        if parts[0] == "strategies" and len(parts) >= 3:
            for entry in entries:
                if isinstance(entry, dict) and entry.get("id") == parts[1]:
                    _set(entry.setdefault("config", {}), parts[2:], value)
                    return
            raise ConfigValueError(f"{key}: no strategy with id {parts[1]!r} (have {ids})")
    if len(parts) == 1:
        raise ConfigValueError(
            f"{key}: a bare key needs exactly one strategy; write strategies.<id>.{key} "
            "or a config path such as paper.latency_us"
        )
    _set(data, parts, value)


def _set(table: dict[str, Any], parts: Sequence[str], value: Any) -> None:
    for part in parts[:-1]:
        nxt = table.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise ConfigValueError(f"{'.'.join(parts)}: {part!r} is not a table")
        table = nxt
    table[parts[-1]] = value


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One backtest of a sweep: its number, its settings and the config tables to run."""

    index: int
    params: dict[str, Any]
    data: dict[str, Any]


def points(base: Mapping[str, Any], sweeps: Sequence[str]) -> list[SweepPoint]:
    """Every point of the grid, each with its own copy of the tables."""
    out = []
    for i, params in enumerate(grid(sweeps)):
        data = copy.deepcopy(dict(base))
        for key, value in params.items():
            apply_setting(data, key, value)
        out.append(SweepPoint(i, params, data))
    return out


def run_points(
    work: Callable[[SweepPoint], dict[str, Any]],
    todo: Sequence[SweepPoint],
    workers: int,
    on_done: Callable[[int], object],
) -> list[dict[str, Any]]:
    """`work(point)` for every point in `workers` processes (1: in this process), results in
    grid order; `on_done(n)` after each. `work` must be a module-level function (pickled)."""
    results: dict[int, dict[str, Any]] = {}
    if workers <= 1:
        for p in todo:
            results[p.index] = work(p)
            on_done(len(results))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(work, p): p.index for p in todo}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                on_done(len(results))
    return [results[i] for i in sorted(results)]
