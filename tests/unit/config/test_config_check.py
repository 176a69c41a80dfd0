"""`bot4 check-config` and the node's semantic checks: one line per problem, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.config._checks import semantic_problems
from bot4.config.node import load_node_config, resolve_node_config
from bot4.engine.config import NodeConfig, ReplayConfig
from bot4.errors import ConfigError

runner = CliRunner()


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bot4.toml"
    p.write_text(text)
    return p


def _check(path: Path, env: dict[str, str] | None = None) -> tuple[int, str, list[str]]:
    result = runner.invoke(app, ["check-config", str(path)], env=env)
    return result.exit_code, result.stdout, result.stderr.splitlines()


def test_valid_config_is_ok(tmp_path: Path) -> None:
    p = _write(tmp_path, '[risk.instruments."BINANCE:BTCUSDT"]\nmax_position = "0.5"\n')
    code, out, err = _check(p)
    assert (code, out, err) == (0, f"ok: {p}\n", [])


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        # Structural: unknown key (a typo gets a suggestion), wrong type, type-level limits.
        (
            "[risk]\nmax_open_order = 5",
            "risk.max_open_order: unknown key (did you mean max_open_orders?)",
        ),
        ("[risk]\nzzz = 5", "risk.zzz: unknown key (known keys: account_currency,"),
        ('[api]\nport = "x"', "api.port: Expected `int`, got `str`"),
        ("[api]\nport = 70000", "api.port: Expected `int` <= 65535"),
        ("starting_equity = 0", "starting_equity: Expected `int` >= 1"),
        (
            '[[strategies]]\nid = "m"\nclass = "bot4.engine.strategies:MomentumTaker"\n'
            "[strategies.config]\nfast = 40",
            "strategies[0].config.fast: must be > 0 and < slow",
        ),
        ("[storage]\nbatch_rows = 0", "storage.batch_rows: must be >= 1, got 0"),
        # A check over several fields is reported at their table.
        (
            '[[strategies]]\nid = "mm"\nclass = "bot4.engine.strategies:MarketMaker"\n'
            "[strategies.config]\nskew_ticks = -1",
            "strategies[0].config: requote_ticks, skew_ticks",
        ),
        # Only the failing entry of a table of tables is named.
        (
            '[risk.instruments."BINANCE:ETHUSDT"]\nmax_position = 1\n'
            '[risk.instruments."BINANCE:BTCUSDT"]\nmax_position = {}',
            "risk.instruments.BINANCE:BTCUSDT.max_position: Expected `decimal | null`, got `obj",
        ),
        (
            '[risk.instruments."BINANCE:BTCUSDT"]\nmax_position = []',
            "risk.instruments.BINANCE:BTCUSDT.max_position: Expected `decimal | null`",
        ),
        # Semantic: impossible limits the types alone do not catch.
        (
            '[risk.instruments."BINANCE:BTCUSDT"]\nmax_position = "-1"',
            "risk.instruments.BINANCE:BTCUSDT.max_position: must be >= 0, got -1",
        ),
        ("[risk.defaults]\ncollar_bps = 0", "risk.defaults.collar_bps: must be > 0, got 0"),
        (
            "[risk]\ncorrelation_min_samples = 500",
            "risk.correlation_min_samples: must be in 2..correlation_window",
        ),
        (
            '[risk.instruments."BINANCE:XRPUSDT"]\ntradable = false',
            "risk.instruments.BINANCE:XRPUSDT: not an instrument this node trades "
            "(BINANCE:BTCUSDT, BINANCE:ETHUSDT, BINANCE:SOLUSDT)",
        ),
        (
            '[replay]\nsymbols = ["BTCUSDT", "NOPEUSDT"]',
            "replay.symbols: not in the bundled instruments: NOPEUSDT (known:",
        ),
        ("[replay]\nsymbols = []", "replay.symbols: "),  # the type or _checks refuses it
        ('[replay]\nsymbols = ["BTCUSDT", "BTCUSDT"]', "replay.symbols: lists a symbol twice"),
        ('runs_dir = ""', "runs_dir: must not be empty"),
        ("[paper]\nlatency_us = -1", "paper.latency_us: must be >= 0, got -1"),
        ("[paper]\nqueue_scan_depth = 0", "paper.queue_scan_depth: must be >= 1, got 0"),
        (
            "[paper]\ntaker_fee_ppm = 1000000",
            "paper.taker_fee_ppm: must be within ±1000000 (100 %)",
        ),
        (
            "[paper]\nlatency_us = 5\nlatency = {us = 5}",
            "paper.latency_us: must be 0 when the latency table is set, got 5",
        ),
        (
            '[paper.latency]\nkind = "uniform"\nmin_us = 9\nmax_us = 8',
            "paper.latency.min_us: must be <= max_us, got 9 > 8",
        ),
        (
            "[paper]\nfees.BINANCE = {maker_ppm = 5, taker = 3}",
            "paper.fees.BINANCE.taker: unknown key (known keys: maker_ppm, taker_ppm)",
        ),
        ('[paper]\nqueue = "fifo"', "paper.queue: Invalid enum value 'fifo'"),
        ('[storage]\ndsn = "mysql://u@h/db"', "storage.dsn: must be a postgresql:// URL"),
        ("[storage]\nwrite_timeout_s = 0", "storage.write_timeout_s: must be > 0, got 0.0"),
        ("[storage]\nmax_age_ms = -1", "storage.max_age_ms: must be >= 0, got -1"),
        (
            "[storage]\nretention_s = 0",
            "storage.retention_s: must be > 0 (or unset to keep everything)",
        ),
        ('[storage]\ndata_dir = ""', "storage.data_dir: must not be empty"),
    ],
)
def test_each_problem_is_one_line_naming_file_key_and_what(
    tmp_path: Path, toml: str, expected: str
) -> None:
    p = _write(tmp_path, toml)
    code, out, err = _check(p, env={})
    assert code == 2
    assert out == ""
    assert len(err) == 1, err
    assert err[0].startswith(f"{p}: ")
    assert expected in err[0]
    assert "Traceback" not in err[0]


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    p = _write(tmp_path, "nope = 1\n[api]\nport = -1\n[paper]\nfoo = 2\n")
    code, _, err = _check(p)
    assert code == 2
    assert [line.split(": ")[1] for line in err] == ["nope", "api.port", "paper.foo"]
    p = _write(
        tmp_path, "[paper]\nlatency_us = -1\nqueue_scan_depth = 0\n[risk]\nmax_open_orders = -1"
    )
    code, _, err = _check(p)
    assert code == 2
    assert len(err) == 3


def test_unreadable_and_not_toml(tmp_path: Path) -> None:
    code, _, err = _check(tmp_path / "missing.toml")
    assert code == 2
    assert err == [
        f"{tmp_path / 'missing.toml'}: cannot read the config file: No such file or directory"
    ]
    code, _, err = _check(_write(tmp_path, "risk = ["))
    assert code == 2
    assert len(err) == 1
    assert "not valid TOML" in err[0]


def test_environment_overrides_are_applied_and_named(tmp_path: Path) -> None:
    p = _write(tmp_path, "[risk]\nmax_open_orders = 5\n")
    env = {"BOT4__RISK__MAX_OPEN_ORDERS": "-3"}
    code, _, err = _check(p, env)
    assert code == 2
    assert err == [
        f"{p}: risk.max_open_orders: must be >= 0, got -3 "
        "(set by environment variable BOT4__RISK__MAX_OPEN_ORDERS)"
    ]
    code, _, err = _check(p, {"BOT4__API__PORT": "http"})
    assert err == [
        f"{p}: api.port: Expected `int`, got `str` (set by environment variable BOT4__API__PORT)"
    ]
    code, _, err = _check(p, {"BOT4__PAPER__QUIET": "1"})
    assert "paper.quiet: unknown key" in err[0]
    assert err[0].endswith("(set by environment variable BOT4__PAPER__QUIET)")
    # An override that makes a value a table, or goes through a value that is not one.
    code, _, err = _check(p, {"BOT4__RUNS_DIR__X": "1"})
    assert err == [
        f"{p}: runs_dir: Expected `str`, got `object` "
        "(set by environment variable BOT4__RUNS_DIR__X)"
    ]
    code, _, err = _check(_write(tmp_path, 'runs_dir = "r"'), {"BOT4__RUNS_DIR__X": "1"})
    assert code == 2
    assert err == ["env BOT4__RUNS_DIR__X: runs_dir.x goes through a non-table value"]
    # A good override makes a bad file good.
    bad = _write(tmp_path, "[paper]\nlatency_us = -1\n")
    assert _check(bad, {"BOT4__PAPER__LATENCY_US": "10"})[0] == 0


def test_a_table_level_problem_names_the_variables_inside_it(tmp_path: Path) -> None:
    p = _write(tmp_path, "[storage]\nbatch_rows = 100\n")
    resolved = resolve_node_config(p, {"BOT4__STORAGE__MAX_QUEUE_ROWS": "10"})
    assert resolved.config is None
    assert resolved.problems == [
        f"{p}: storage.max_queue_rows: (10) must be >= batch_rows (100) "
        "(set by environment variable BOT4__STORAGE__MAX_QUEUE_ROWS)"
    ]


def test_load_node_config(tmp_path: Path) -> None:
    assert load_node_config(None, {}) == NodeConfig()
    assert load_node_config(None, {"BOT4__STARTING_EQUITY": "5"}).starting_equity == 5
    p = _write(tmp_path, "[paper]\nlatency_us = -1\nqueue_scan_depth = 0\n")
    with pytest.raises(ConfigError) as info:
        load_node_config(p, {})
    assert str(info.value).splitlines() == [
        f"{p}: paper.latency_us: must be >= 0, got -1",
        f"{p}: paper.queue_scan_depth: must be >= 1, got 0",
    ]
    resolved = resolve_node_config(None, {"BOT4__PAPER__LATENCY_US": "-1"})
    assert resolved.source == "(defaults)"
    assert resolved.problems == [
        "(defaults): paper.latency_us: must be >= 0, got -1 "
        "(set by environment variable BOT4__PAPER__LATENCY_US)"
    ]


def test_environment_overrides_reach_instrument_tables_and_optional_tables(tmp_path: Path) -> None:
    env = {
        "BOT4__RISK__INSTRUMENTS__BINANCE:ETHUSDT__MAX_POSITION": "-1",
        "BOT4__STORAGE__DSN": '"postgresql://u:pw@h/db"',
    }
    resolved = resolve_node_config(None, env)
    assert resolved.problems == [
        "(defaults): risk.instruments.BINANCE:ETHUSDT.max_position: must be >= 0, got -1 "
        "(set by environment variable BOT4__RISK__INSTRUMENTS__BINANCE:ETHUSDT__MAX_POSITION)"
    ]
    env["BOT4__RISK__INSTRUMENTS__BINANCE:ETHUSDT__MAX_POSITION"] = '"2.5"'
    config = load_node_config(None, env)
    assert str(config.risk.instruments["BINANCE:ETHUSDT"].max_position) == "2.5"
    assert config.storage is not None
    assert config.storage.dsn == "postgresql://u:pw@h/db"
    # A variable that descends below a plain value is named at that value.
    bad = resolve_node_config(None, {"BOT4__STARTING_EQUITY__X": "1"})
    assert bad.problems == [
        "(defaults): starting_equity: Expected `int`, got `object` "
        "(set by environment variable BOT4__STARTING_EQUITY__X)"
    ]


def test_no_symbols_is_refused_even_without_a_type_limit() -> None:
    config = NodeConfig(replay=ReplayConfig(symbols=[]))  # constructing skips Meta limits
    assert (["replay", "symbols"], "must list at least one symbol") in semantic_problems(config)
