"""The `[[strategies]]` entries, checked as `bot4 run` would build them: class, symbols, settings.

Each enabled entry's class is loaded (`bot4.engine.load_strategy_class`, the same loader the
node uses) and its `config` table is walked against the class's `config_type` with the
loader's own problem finder, so a misspelt key reads `strategies[0].config.sprad_bps: unknown
key (did you mean spread_bps?)` like every other key of the file. The old `[strategies]` table
of booleans is refused with a one-line pointer to the new form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot4.config._loader import Problem, value_problems
from bot4.engine import load_strategy_class
from bot4.engine.config import NodeConfig
from bot4.errors import ConfigValueError

__all__ = ["OLD_FORM_HINT", "old_form_problem", "strategy_problems"]

OLD_FORM_HINT = (
    "the [strategies] table (market_maker = true, ...) is gone: list each strategy as a "
    '[[strategies]] table (id = "mm", class = "bot4.engine.strategies:MarketMaker", '
    "instruments, [strategies.config]); see docs/strategies.md"
)


def old_form_problem(data: dict[str, Any]) -> Problem | None:
    """The hint when `data` still has the old `[strategies]` table (a table, not a list)."""
    if isinstance(data.get("strategies"), dict):
        return (["strategies"], OLD_FORM_HINT)
    return None


def strategy_problems(config: NodeConfig, base_dir: Path | None) -> list[Problem]:
    """Every problem of the enabled entries: a class that cannot be loaded, a symbol the node
    does not trade, settings that do not fit the class, an id used twice. `base_dir` is the
    config file's folder (strategy files are found relative to it, then the working directory)."""
    out: list[Problem] = []
    symbols = config.replay.symbols
    seen: set[str] = set()
    for i, entry in enumerate(config.strategies):
        if not entry.enabled:
            continue
        at = ["strategies", f"[{i}]"]
        if entry.id in seen:
            out.append(([*at, "id"], f"duplicate strategy id {entry.id!r}"))
        seen.add(entry.id)
        unknown = [s for s in entry.instruments if s not in symbols]
        if unknown:
            out.append(
                (
                    [*at, "instruments"],
                    f"not symbols of this node: {', '.join(unknown)} "
                    f"(replay.symbols: {', '.join(symbols)})",
                )
            )
        try:
            cls = load_strategy_class(entry.class_, base_dir)
        except ConfigValueError as exc:
            out.append(([*at, "class"], str(exc)))
            continue
        out += value_problems(entry.config, cls.config_type, [*at, "config"])
    return out
