"""`bot4 show-config`: defaults + file + environment, secrets redacted, TOML or JSON."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from bot4.cli import app
from bot4.config._redact import redact
from bot4.config.node import resolve_node_config, show_config
from bot4.engine.config import NodeConfig
from bot4.errors import ConfigValueError

runner = CliRunner()
TOKEN = "s3cr3t-token-0123456789"


def _file(tmp_path: Path) -> Path:
    p = tmp_path / "bot4.toml"
    p.write_text(
        f'starting_equity = 5000\n[api]\ntoken = "{TOKEN}"\n'
        '[storage]\ndsn = "postgresql://u:pw@h/db"\n'
        '[risk.instruments."BINANCE:BTCUSDT"]\nmax_position = "0.5"\n'
    )
    return p


def test_toml_view_is_resolved_and_redacted(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["show-config", str(_file(tmp_path))], env={"BOT4__PAPER__LATENCY_US": "250"}
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert TOKEN not in out
    assert "pw@" not in out
    assert 'dsn = "postgresql://u:***@h/db"' in out
    assert 'token = "***"' in out
    assert "starting_equity = 5000\n" in out  # from the file
    assert "latency_us = 250  # from BOT4__PAPER__LATENCY_US\n" in out  # from the environment
    assert "duplicate_window_ms = 1000\n" in out  # a default
    instrument = out[out.index('\n[risk.instruments."BINANCE:BTCUSDT"]\n') :]
    assert '\nmax_position = "0.5"\n' in instrument.split("\n\n")[0]
    # It is TOML that reads back into the same config but for the redacted secrets.
    data = tomllib.loads(out)
    data["api"]["token"] = TOKEN
    data["storage"]["dsn"] = "postgresql://u:pw@h/db"
    shown = msgspec.convert(data, NodeConfig)
    assert shown.paper.latency_us == 250
    assert shown.starting_equity == 5000


def test_json_view(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show-config", str(_file(tmp_path)), "--json"], env={})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["api"]["token"] == "***"
    assert data["storage"]["dsn"] == "postgresql://u:***@h/db"
    assert data["risk"]["instruments"]["BINANCE:BTCUSDT"]["max_position"] == "0.5"
    assert data["risk"]["defaults"]["max_position"] is None


def test_defaults_without_a_file() -> None:
    result = runner.invoke(app, ["show-config"], env={"BOT4__API__TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Resolved config: defaults + environment (BOT4__*)")
    assert "# [storage]  (not set)" in result.stdout
    assert 'token = "***"  # from BOT4__API__TOKEN' in result.stdout
    assert TOKEN not in result.stdout
    plain = runner.invoke(app, ["show-config"], env={})
    assert "# token = <string>  (not set)" in plain.stdout


def test_an_invalid_config_is_not_shown(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[api]\nport = -1\n")
    result = runner.invoke(app, ["show-config", str(p)], env={})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"{p}: api.port: ")


def test_redact_by_name_and_by_dsn_form() -> None:
    tree = {
        "api": {"token": "t", "host": "127.0.0.1", "none_token": None},
        "exchange": {"api_key": "k", "api-secret": "s", "passphrase": "p", "keys": ["a"]},
        "db": {
            "url": "postgresql://u:p@ss@h:5432/db",
            "user_only": "postgresql://u@h:5432/db",
            "host_port": "postgresql://h:5432/db",
            "keyword": "host=h password=pw dbname=d",
            "query": "postgresql://u@h/db?password=pw&sslmode=require",
        },
        "list": ["redis://:pw@h/0", 3, None],
        "max_position": "1",  # not a secret name
        "monkey": "m",  # 'key' inside a word is not a secret name
    }
    assert redact(tree) == {
        "api": {"token": "***", "host": "127.0.0.1", "none_token": None},
        "exchange": {"api_key": "***", "api-secret": "***", "passphrase": "***", "keys": "***"},
        "db": {
            "url": "postgresql://u:***@h:5432/db",
            "user_only": "postgresql://u@h:5432/db",
            "host_port": "postgresql://h:5432/db",
            "keyword": "host=h password=*** dbname=d",
            "query": "postgresql://u@h/db?password=***&sslmode=require",
        },
        "list": ["redis://:***@h/0", 3, None],
        "max_position": "1",
        "monkey": "m",
    }


def test_show_config_needs_a_valid_config() -> None:
    resolved = resolve_node_config(None, {"BOT4__PAPER__LATENCY_US": "-1"})
    with pytest.raises(ConfigValueError, match="without problems"):
        show_config(resolved)
