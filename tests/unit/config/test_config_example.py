"""`bot4 new-config`: the commented example covers every field and loads into the defaults."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec
import pytest
from msgspec import inspect as mi
from typer.testing import CliRunner

from bot4.cli import app
from bot4.config import load_config
from bot4.config._docs import field_docs, struct_summary
from bot4.config.node import example_config, node_field_doc
from bot4.engine.config import NodeConfig

runner = CliRunner()


def _leaves(info: mi.Type, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], type, str]]:
    """(key path, owning Struct, field name) of every non-table field reachable from NodeConfig."""
    out: list[tuple[tuple[str, ...], type, str]] = []
    if isinstance(info, mi.UnionType):
        for t in info.types:
            out += _leaves(t, path)
    elif isinstance(info, mi.DictType) and isinstance(info.value_type, mi.StructType):
        out += _leaves(info.value_type, (*path, "*"))
    elif isinstance(info, mi.ListType) and isinstance(info.item_type, mi.StructType):
        out += _leaves(info.item_type, path)  # an array of tables: [[strategies]]
    elif isinstance(info, mi.StructType):
        for f in info.fields:
            sub = f.type
            table = isinstance(sub, mi.StructType | mi.DictType | mi.ListType) or (
                isinstance(sub, mi.UnionType)
                and any(isinstance(t, mi.StructType) for t in sub.types)
            )
            if table:
                out += _leaves(sub, (*path, f.encode_name))
            else:
                out.append(((*path, f.encode_name), info.cls, f.name))
    return out


LEAVES = _leaves(mi.type_info(NodeConfig))


def test_example_loads_back_into_exactly_the_defaults(tmp_path: Path) -> None:
    p = tmp_path / "bot4.toml"
    result = runner.invoke(app, ["new-config", str(p)])
    assert result.exit_code == 0, result.output
    assert load_config(p, NodeConfig, env={}) == NodeConfig()


def test_every_field_of_node_config_is_in_the_example_with_a_comment() -> None:
    """A new field anywhere under NodeConfig shows up here; without a comment this fails."""
    text = example_config()
    lines = text.splitlines()
    assert len(LEAVES) > 50  # the walk reached every component's table
    for path, owner, name in LEAVES:
        doc = node_field_doc(owner, name)
        assert doc, f"{owner.__name__}.{name} ({'.'.join(path)}) has no comment"
        key = path[-1]
        found = [
            i
            for i, line in enumerate(lines)
            if line.lstrip("# ").startswith(f"{key} = ") and lines[i - 1].startswith("# ")
        ]
        assert found, f"{'.'.join(path)} missing from the example"


def test_every_table_is_written_with_its_docstring() -> None:
    text = example_config()
    for header in ("[replay]", "[[strategies]]", "[risk.defaults]", "[api]",
                   "[paper]", "[risk.kill_switch]"):  # fmt: skip
        assert f"\n{header}\n" in text, header
    # Unset optional table: commented out with its defaults, ready to uncomment.
    assert "\n# [storage]\n" in text
    assert '# data_dir = "var/bot4"' in text
    # Empty table of tables: an example entry, commented out.
    assert '# [risk.instruments."BINANCE:BTCUSDT"]' in text
    assert struct_summary(NodeConfig) == "The whole node; every table is optional."


def test_uncommenting_the_examples_gives_a_valid_config() -> None:
    """The commented-out storage table and instrument entry are real TOML once uncommented."""
    text = example_config()
    setting = re.compile(r'^# (\[|[A-Za-z0-9_"-]+ = (?!<))')
    for start in ("# [storage]", '# [risk.instruments."BINANCE:BTCUSDT"]'):
        block = text[text.index(start) :].splitlines()
        end = next((i for i, line in enumerate(block[1:], 1) if line == ""), len(block))
        kept = [line[2:] for line in block[:end] if setting.match(line)]
        assert kept[0].startswith("[")
        data = tomllib.loads("\n".join(kept))
        assert msgspec.convert(data, NodeConfig) != NodeConfig()


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    p = tmp_path / "bot4.toml"
    p.write_text("# mine\n")
    result = runner.invoke(app, ["new-config", str(p)])
    assert result.exit_code == 1
    assert "exists; pass --force" in result.stderr
    assert p.read_text() == "# mine\n"
    result = runner.invoke(app, ["new-config", str(p), "--force"])
    assert result.exit_code == 0
    assert p.read_text() == example_config()


def test_dash_writes_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new-config", "-"])
    assert result.exit_code == 0
    assert result.stdout == example_config()
    assert list(tmp_path.iterdir()) == []


def test_default_path_and_unwritable_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["new-config"]).exit_code == 0
    assert (tmp_path / "bot4.toml").read_text() == example_config()
    result = runner.invoke(app, ["new-config", str(tmp_path / "no" / "such" / "dir.toml")])
    assert result.exit_code == 1
    assert "cannot write" in result.stderr


def test_docs_come_from_the_owners_comments() -> None:
    class Sample(msgspec.Struct, frozen=True, kw_only=True):
        """Sample table.

        Second paragraph, not in the summary.
        """

        # Above, line one
        # and line two.
        a: int = 1  # inline too
        b: int = 2

        c: int = 3  # only inline

    docs = field_docs(Sample)
    assert docs == {"a": "Above, line one and line two. inline too", "c": "only inline"}
    assert struct_summary(Sample) == "Sample table."
