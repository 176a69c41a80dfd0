from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from bot4.config import apply_env_overrides, load_config, parse_config
from bot4.config._loader import config_problems, env_origins
from bot4.errors import ConfigError


class Limits(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    max_position: int = 10  # lots

    def __post_init__(self) -> None:
        if self.max_position <= 0:
            raise ValueError(f"max_position must be > 0, got {self.max_position}")


class Risk(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    instruments: dict[str, Limits] = {}
    max_open_orders: int = 100
    venues: list[Limits] = []
    fallback: Limits | None = None


class Root(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    risk: Risk = Risk()
    name: str = "bot4"


def test_valid_config(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('name = "x"\n[risk.instruments.BTCUSDT]\nmax_position = 5\n')
    cfg = load_config(p, Root, env={})
    assert cfg.name == "x"
    assert cfg.risk.instruments["BTCUSDT"].max_position == 5


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[risk.instruments.BTCUSDT]\nmax_position = "x"',
            "risk.instruments.BTCUSDT.max_position:",
        ),
        ("[risk.instruments.BTCUSDT]\nmax_position = -1", "risk.instruments.BTCUSDT.max_position"),
        ("[risk.instruments.ETH]\nfoo = 1", "risk.instruments.ETH.foo: unknown key"),
        ("[risk.instruments.X]\nmax_position = 0", "risk.instruments.X.max_position: must be > 0"),
        ("[risk]\ninstruments = 5", "risk.instruments: Expected `object`, got `int`"),
        ("[risk]\nvenues = 5", "risk.venues: Expected `array`, got `int`"),
        ("[risk]\nfallback = 5", "risk.fallback: Expected `object | null`, got `int`"),
        ("zz = 1", "c.toml: zz: unknown key (known keys: name, risk)"),
        ("[risk]\nmax_open_orders = 1.5", "risk.max_open_orders: Expected `int`"),
        ("[[risk.venues]]\nmax_position = 0", "risk.venues[0].max_position"),
        (
            "[[risk.venues]]\nmax_position = 1\n[[risk.venues]]\nmax_position = 0",
            "risk.venues[1].max_position: must be > 0",
        ),
        (
            "[risk]\nmax_open_order = 1",
            "risk.max_open_order: unknown key (did you mean max_open_orders?)",
        ),
        ("[risk.fallback]\nmax_position = 0", "risk.fallback.max_position"),
        ("[risk.fallback]\nnope = 0", "risk.fallback.nope: unknown key"),
        ("name = 3", "name: Expected `str`, got `int`"),
    ],
)
def test_errors_name_file_key_and_problem(tmp_path: Path, toml: str, expected: str) -> None:
    p = tmp_path / "c.toml"
    p.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(p, Root, env={})
    msg = str(info.value)
    assert expected in msg
    assert str(p) in msg
    assert "\n" not in msg


def test_unreadable_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml", Root, env={})
    p = tmp_path / "bad.toml"
    p.write_text("name = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p, Root, env={})


def test_env_overrides(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[risk]\nmax_open_orders = 5\n")
    env = {"BOT4__RISK__MAX_OPEN_ORDERS": "7", "BOT4__NAME": "not toml at all", "OTHER": "1"}
    cfg = load_config(p, Root, env=env)
    assert cfg.risk.max_open_orders == 7
    assert cfg.name == "not toml at all"
    assert apply_env_overrides({}, {"BOT4__": "1"}) == {}
    with pytest.raises(ConfigError, match="non-table"):
        apply_env_overrides({"name": "x"}, {"BOT4__NAME__SUB": "1"})


def test_parse_config_top_level_type() -> None:
    with pytest.raises(ConfigError, match=r"\(top level\)"):
        parse_config([1], Root)


def test_config_problems_lists_every_problem() -> None:
    data = {"name": 1, "zz": 2, "risk": {"instruments": {"A": {"max_position": 0}}}}
    assert config_problems(data, Root, source="f.toml") == [
        "f.toml: name: Expected `str`, got `int`",
        "f.toml: zz: unknown key (known keys: name, risk)",
        "f.toml: risk.instruments.A.max_position: must be > 0, got 0",
    ]
    assert config_problems({"name": "ok"}, Root) == []


def test_env_origins_and_error_naming_the_variable(tmp_path: Path) -> None:
    env = {"BOT4__RISK__MAX_OPEN_ORDERS": "x", "BOT4__": "1", "PATH": "/bin"}
    assert env_origins(env) == {("risk", "max_open_orders"): "BOT4__RISK__MAX_OPEN_ORDERS"}
    p = tmp_path / "c.toml"
    p.write_text("")
    with pytest.raises(ConfigError) as info:
        load_config(p, Root, env=env)
    assert str(info.value) == (
        f"{p}: risk.max_open_orders: Expected `int`, got `str` "
        "(set by environment variable BOT4__RISK__MAX_OPEN_ORDERS)"
    )


def test_env_keys_of_tables_of_tables_keep_their_case(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("")
    env = {
        "BOT4__RISK__INSTRUMENTS__BINANCE:BTCUSDT__MAX_POSITION": "7",
        "BOT4__RISK__FALLBACK__MAX_POSITION": "3",
    }
    cfg = load_config(p, Root, env=env)
    assert cfg.risk.instruments["BINANCE:BTCUSDT"].max_position == 7
    assert cfg.risk.fallback == Limits(max_position=3)
    # Without the type to tell fields from table keys, everything is lower case.
    assert apply_env_overrides({}, {"BOT4__RISK__INSTRUMENTS__BTC__MAX_POSITION": "1"}) == {
        "risk": {"instruments": {"btc": {"max_position": 1}}}
    }
    assert env_origins({"BOT4__NAME__X__Y": "1", "BOT4__RISK__NOPE__Z": "1"}, Root) == {
        ("name", "x", "y"): "BOT4__NAME__X__Y",
        ("risk", "nope", "z"): "BOT4__RISK__NOPE__Z",
    }
