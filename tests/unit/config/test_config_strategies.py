"""`[[strategies]]` through the config layer: check-config loads each class, checks its keys."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot4.cli import app
from bot4.config._strategies import OLD_FORM_HINT
from bot4.config.node import resolve_node_config, show_config
from bot4.engine import NodeConfig

QUOTER = """
from typing import ClassVar

import msgspec

from bot4.engine import Strategy


class QuoterConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    spread_bps: int = 8
    levels: int = 1

    def __post_init__(self) -> None:
        if self.levels < 1:
            raise ValueError(f"levels must be >= 1, got {self.levels}")


class Quoter(Strategy):
    config_type: ClassVar[type[msgspec.Struct]] = QuoterConfig
"""


def _config(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "strategies").mkdir(exist_ok=True)
    (tmp_path / "strategies" / "quoter.py").write_text(QUOTER)
    path = tmp_path / "bot4.toml"
    path.write_text(toml)
    return path


ENTRY = '[[strategies]]\nid = "q"\nclass = "strategies/quoter.py:Quoter"\n'


def test_a_file_strategy_beside_the_config_passes(tmp_path: Path) -> None:
    path = _config(tmp_path, ENTRY + 'instruments = ["ETHUSDT"]\n[strategies.config]\nlevels = 2\n')
    resolved = resolve_node_config(path, env={})
    assert resolved.problems == []
    assert resolved.config is not None
    (entry,) = resolved.config.strategies
    assert entry.config == {"levels": 2} and entry.instruments == ["ETHUSDT"]
    shown = show_config(resolved)
    assert '[[strategies]]\nid = "q"\nclass = "strategies/quoter.py:Quoter"\n' in shown
    assert "config = { levels = 2 }" in shown


def test_each_bad_entry_is_one_line_with_file_key_path_and_problem(tmp_path: Path) -> None:
    toml = (
        ENTRY + "[strategies.config]\nsprad_bps = 1\nlevels = 0\n"
        + ENTRY + 'instruments = ["XRPUSDT"]\n[strategies.config]\nspread_bps = "wide"\n'
        + '[[strategies]]\nid = "m"\nclass = "bot4.engine.strategies:Nope"\n'
        + '[[strategies]]\nid = "z"\nclass = "zz_nowhere:X"\nenabled = false\n'
    )  # fmt: skip
    path = _config(tmp_path, toml)
    assert resolve_node_config(path, env={}).problems == [
        f"{path}: strategies[0].config.sprad_bps: unknown key (did you mean spread_bps?)",
        f"{path}: strategies[1].id: duplicate strategy id 'q'",
        f"{path}: strategies[1].instruments: not symbols of this node: XRPUSDT "
        "(replay.symbols: BTCUSDT, ETHUSDT, SOLUSDT)",
        f"{path}: strategies[1].config.spread_bps: Expected `int`, got `str`",
        f"{path}: strategies[2].class: no class Nope in bot4.engine.strategies",
    ]
    path.write_text(ENTRY + "[strategies.config]\nlevels = 0\n")
    assert resolve_node_config(path, env={}).problems == [
        f"{path}: strategies[0].config.levels: must be >= 1, got 0"
    ]


def test_the_old_strategies_table_is_refused_with_one_line_pointing_at_the_new_form(
    tmp_path: Path,
) -> None:
    path = _config(tmp_path, "[strategies]\nmarket_maker = true\n[paper]\nquiet = 1\n")
    problems = resolve_node_config(path, env={}).problems
    assert problems[0] == f"{path}: strategies: {OLD_FORM_HINT}"
    assert "[[strategies]]" in OLD_FORM_HINT and "\n" not in OLD_FORM_HINT
    # The rest of the file is still checked.
    assert len(problems) == 2 and problems[1].startswith(f"{path}: paper.quiet: unknown key")


def test_check_config_loads_the_strategies_and_the_defaults_are_the_samples(
    tmp_path: Path,
) -> None:
    path = _config(tmp_path, ENTRY)
    result = CliRunner().invoke(app, ["check-config", str(path)], env={})
    assert result.exit_code == 0, result.output
    path.write_text(ENTRY.replace(':Quoter"', ':Quoterr"'))
    result = CliRunner().invoke(app, ["check-config", str(path)], env={})
    assert result.exit_code == 2
    assert f"{path}: strategies[0].class: no class Quoterr in strategies/quoter.py" in result.output
    assert [(e.id, e.class_) for e in NodeConfig().strategies] == [
        ("mm", "bot4.engine.strategies:MarketMaker"),
        ("momentum", "bot4.engine.strategies:MomentumTaker"),
    ]
    path.write_text("strategies = []\n")  # no strategy at all: the node runs without one
    resolved = resolve_node_config(path, env={})
    assert resolved.config is not None and resolved.config.strategies == []
    assert "\nstrategies = []\n" in show_config(resolved)
