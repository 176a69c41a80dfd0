"""The JSON Schema for editors: committed, never stale, and agreeing with the loader."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema_rs
from typer.testing import CliRunner

from bot4.cli import app
from bot4.config._schema import schema_text
from bot4.config.node import example_config, node_schema

runner = CliRunner()
COMMITTED = Path(__file__).resolve().parents[3] / "schema" / "bot4-config.schema.json"


def test_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.read_text() == schema_text(node_schema()), (
        "schema/bot4-config.schema.json is stale: a config Struct changed. Regenerate it with "
        "`.venv/bin/bot4 config-schema --out schema/bot4-config.schema.json` and commit it."
    )


def test_command_prints_or_writes_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config-schema"])
    assert result.exit_code == 0
    assert result.stdout == COMMITTED.read_text()
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["config-schema", "--out", str(out)])
    assert result.exit_code == 0
    assert out.read_text() == schema_text(node_schema())
    assert json.loads(out.read_text())["title"] == "Bot4 node configuration"
    result = runner.invoke(app, ["config-schema", "--out", str(tmp_path / "no" / "s.json")])
    assert result.exit_code == 1
    assert "cannot write" in result.stderr


def test_schema_carries_the_comments_and_limits() -> None:
    schema = node_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    api = schema["$defs"]["ApiConfig"]["properties"]
    assert api["port"]["maximum"] == 65535
    assert "bearer token" in api["token"]["description"]
    assert schema["$defs"]["NodeConfig"]["additionalProperties"] is False


def test_schema_accepts_what_the_loader_accepts_and_flags_what_it_refuses() -> None:
    validator = jsonschema_rs.validator_for(node_schema())
    assert validator.is_valid(tomllib.loads(example_config()))
    assert validator.is_valid({})
    # Decimals as strings or numbers, as the loader takes both.
    assert validator.is_valid({"risk": {"instruments": {"BINANCE:BTCUSDT": {"max_position": 0.5}}}})
    assert validator.is_valid({"risk": {"max_daily_loss": "100"}})
    assert not validator.is_valid({"risk": {"max_open_order": 5}})
    assert not validator.is_valid({"api": {"port": 70000}})
    assert not validator.is_valid({"api": {"token": "short"}})
    assert not validator.is_valid({"risk": {"account_type": "NOPE"}})
