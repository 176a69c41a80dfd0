"""Strategies from `[[strategies]]` entries: module or file, typed settings, every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot4.engine import (
    MarketMaker,
    MomentumTaker,
    StrategyEntry,
    build_strategies,
    load_strategy_class,
)
from bot4.engine.strategies import MarketMakerConfig
from bot4.errors import ConfigValueError
from bot4.model import InstrumentId, bundled_instruments

BTC = InstrumentId("BINANCE:BTCUSDT")
ETH = InstrumentId("BINANCE:ETHUSDT")
INSTRUMENTS = {iid: bundled_instruments()[iid] for iid in (BTC, ETH)}
MM = "bot4.engine.strategies:MarketMaker"

FILE_STRATEGY = """
from __future__ import annotations

from typing import ClassVar

import msgspec

from bot4.engine import Strategy


class EchoConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    size: int = 1


class Echo(Strategy):
    config_type: ClassVar[type[msgspec.Struct]] = EchoConfig


class Loose(Strategy):
    config_type: ClassVar[type[msgspec.Struct]] = msgspec.Struct  # accepts any key: refused


NOT_A_CLASS = 3


class NotAStrategy:
    pass
"""


def _file(tmp_path: Path, name: str = "echo.py", text: str = FILE_STRATEGY) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_module_class_is_loaded() -> None:
    assert load_strategy_class(MM) is MarketMaker


def test_a_file_is_found_beside_the_config_then_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf").mkdir()
    _file(tmp_path / "conf")
    cls = load_strategy_class("echo.py:Echo", tmp_path / "conf")
    assert cls.__name__ == "Echo"
    assert load_strategy_class("echo.py:Echo", tmp_path / "conf") is cls  # imported once
    other = tmp_path / "cwd"
    other.mkdir()
    _file(other, "cwd_echo.py")
    monkeypatch.chdir(other)
    assert load_strategy_class("cwd_echo.py:Echo", tmp_path / "conf").__name__ == "Echo"
    absolute = str(tmp_path / "conf" / "echo.py")
    assert load_strategy_class(f"{absolute}:Echo") is cls


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("no_colon", "is not 'package.module:Class' or 'path/file.py:Class'"),
        ("mod:", "is not 'package.module:Class'"),
        ("bot4.engine.nope:X", "module bot4.engine.nope not found"),
        ("nopkg_zz.sub:X", "module nopkg_zz.sub not found"),
        ("bot4.engine.strategies:Nope", "no class Nope in bot4.engine.strategies"),
        ("bot4.engine.strategies:MarketMakerConfig", "is not a bot4.engine.Strategy subclass"),
        ("dir/file:X", "dir/file: a strategy file's name ends in .py"),
        ("missing.py:X", "file missing.py not found (looked in"),
        ("echo.py:Loose", "config_type must be a msgspec Struct with forbid_unknown_fields=True"),
        ("echo.py:NOT_A_CLASS", "is not a bot4.engine.Strategy subclass"),
        ("echo.py:NotAStrategy", "is not a bot4.engine.Strategy subclass"),
    ],
)
def test_what_cannot_be_loaded_says_why(tmp_path: Path, spec: str, why: str) -> None:
    _file(tmp_path)
    with pytest.raises(ConfigValueError) as err:
        load_strategy_class(spec, tmp_path)
    assert why in str(err.value)


def test_import_failures_inside_the_module_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _file(tmp_path, "broken.py", "import nopkg_zz_inner\n")
    _file(tmp_path, "raises.py", "raise ZeroDivisionError('at import')\n")
    with pytest.raises(ConfigValueError, match=r"importing .*broken.py failed: ModuleNotFound"):
        load_strategy_class("broken.py:X", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    # The module exists, one of its imports does not: that one is named.
    with pytest.raises(ConfigValueError, match="importing broken failed: No module named"):
        load_strategy_class("broken:X")
    with pytest.raises(ConfigValueError, match="importing raises failed: ZeroDivisionError"):
        load_strategy_class("raises:X")


def test_build_strategies_decodes_each_config_and_picks_instruments(tmp_path: Path) -> None:
    _file(tmp_path)
    entries = [
        StrategyEntry(id="mm", class_=MM, instruments=["ETHUSDT"], config={"quote_lots": 3}),
        StrategyEntry(id="off", class_="nowhere:X", enabled=False),  # not loaded at all
        StrategyEntry(id="mom", class_="bot4.engine.strategies:MomentumTaker"),
        StrategyEntry(id="echo", class_="echo.py:Echo", config={"size": 7}),
    ]
    mm, mom, echo = build_strategies(entries, INSTRUMENTS, tmp_path)
    assert isinstance(mm, MarketMaker) and mm.instruments == (ETH,)
    assert mm.config == MarketMakerConfig(quote_lots=3)
    assert isinstance(mom, MomentumTaker) and mom.instruments == (BTC, ETH)
    assert echo.strategy_id == "echo" and echo.config == echo.config_type(size=7)
    assert echo.log.name == "bot4.strategy.echo"


def test_build_strategies_names_file_key_path_and_problem_for_each(tmp_path: Path) -> None:
    entries = [
        StrategyEntry(id="mm", class_=MM, config={"quote_lots": "many"}),
        StrategyEntry(id="mm", class_=MM, instruments=["XRPUSDT"], config={"sprad": 1}),
        StrategyEntry(id="x", class_="nowhere_zz:X"),
        StrategyEntry(id="y", class_="bot4.engine.strategies:MomentumTaker", config={"fast": 99}),
    ]
    with pytest.raises(ConfigValueError) as err:
        build_strategies(entries, INSTRUMENTS, tmp_path, source="node.toml")
    assert str(err.value).splitlines() == [
        "node.toml: strategies[0].config.quote_lots: Expected `int`, got `str`",
        "node.toml: strategies[1].id: duplicate strategy id 'mm'",
        "node.toml: strategies[1].instruments: not symbols of this node: XRPUSDT "
        "(the node trades BTCUSDT, ETHUSDT)",
        "node.toml: strategies[1].config: Object contains unknown field `sprad`",
        "node.toml: strategies[2].class: module nowhere_zz not found",
        "node.toml: strategies[3].config: fast must be > 0 and < slow, got fast=99 slow=30",
    ]
