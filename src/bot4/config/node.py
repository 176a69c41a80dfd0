"""The node's config end to end: resolve (defaults + file + environment), check, describe.

`bot4 check-config`, `show-config` and `run` go through `resolve_node_config`, so what the check
accepts is exactly what the node starts with. Structural problems (unknown key, wrong type, a
limit a type enforces) come from the loader; the limits no single type can see (a symbol missing
from the bundled instruments, a risk override for an instrument the node does not trade) or that
the component types do not check yet (negative latencies, timeouts <= 0) are checked here, so the
node never starts half-configured and dies on the first order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from bot4.config._checks import semantic_problems
from bot4.config._docs import field_docs, struct_summary
from bot4.config._loader import (
    apply_env_overrides,
    config_problems,
    describe_problem,
    env_origins,
    read_toml,
)
from bot4.config._redact import redact
from bot4.config._schema import struct_schema
from bot4.config._strategies import old_form_problem, strategy_problems
from bot4.config._toml import TomlLayout, render_struct
from bot4.engine.config import NodeConfig
from bot4.errors import ConfigError, ConfigValueError
from bot4.risk import InstrumentLimits, RiskConfig
from bot4.venues import PaperVenueConfig

__all__ = [
    "ResolvedConfig",
    "example_config",
    "load_node_config",
    "node_field_doc",
    "node_schema",
    "resolve_node_config",
    "semantic_problems",
    "show_config",
]

# Fields whose owners left no comment beside them (each component documents its own; these are
# the gaps, filled here so the example has a comment on every key).
_EXTRA_DOCS: dict[tuple[type, str], str] = {
    (RiskConfig, "order_burst"): "global token bucket size for new orders (orders)",
    (RiskConfig, "cancel_burst"): "global token bucket size for cancels (cancels)",
    (InstrumentLimits, "cancel_burst"): "token bucket size for cancels (default: max(1, "
    "cancels_per_s))",
}
_NO_FILE = "(defaults)"  # the source named in problems when there is no config file
# Example keys for tables of tables that are empty by default.
_EXAMPLE_KEYS: dict[tuple[type, str], str] = {
    (RiskConfig, "instruments"): "BINANCE:BTCUSDT",
    (PaperVenueConfig, "fees"): "BINANCE",
}

_HEADER = """\
Bot4 node configuration, written by `bot4 new-config`.

Every key is optional: a missing key takes the default written here, and this file as written
loads into exactly the defaults. A key shown as `# key = <type>  (not set)` is unset (TOML has no
null); remove the `# ` and give it a value to set it. Unknown keys are errors. Decimal amounts
are strings ("0.5"), so no precision is lost on the way in.

Check it: bot4 check-config FILE. See what the node will use: bot4 show-config FILE.
Environment variables override keys: BOT4__RISK__MAX_OPEN_ORDERS=5 sets risk.max_open_orders.
Editor completion (Taplo / Even Better TOML): `bot4 config-schema --out bot4-config.schema.json`,
then make `#:schema ./bot4-config.schema.json` the first line of this file."""


class ResolvedConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of resolving a config: the node's config, or every problem found."""

    config: NodeConfig | None  # None when there are problems
    problems: list[str]  # one line each: source, key path, what is wrong (and env variable)
    origins: dict[tuple[str, ...], str]  # key path -> the environment variable that set it
    source: str  # the file, or "(defaults)" with none


def resolve_node_config(path: Path | None, env: Mapping[str, str] | None = None) -> ResolvedConfig:
    """Defaults, then the file (if any), then `BOT4__*` overrides; validated structurally and
    semantically, each strategy entry loaded and its settings checked against its class.
    Never raises for a bad config: the problems are in the result."""
    env = os.environ if env is None else env
    source = str(path) if path is not None else _NO_FILE
    origins = env_origins(env, NodeConfig)
    try:
        data = apply_env_overrides(read_toml(path) if path is not None else {}, env, NodeConfig)
    except ConfigError as exc:
        return ResolvedConfig(config=None, problems=[str(exc)], origins=origins, source=source)
    old = old_form_problem(data)
    if old is not None:  # one line pointing at the new form, not a type error per old key
        rest = {k: v for k, v in data.items() if k != "strategies"}
        problems = [describe_problem(source, *old, origins)]
        problems += config_problems(rest, NodeConfig, source, origins)
        return ResolvedConfig(config=None, problems=problems, origins=origins, source=source)
    problems = config_problems(data, NodeConfig, source, origins)
    if problems:
        return ResolvedConfig(config=None, problems=problems, origins=origins, source=source)
    config = msgspec.convert(data, NodeConfig)
    base_dir = path.parent if path is not None else None
    problems = [
        describe_problem(source, key, why, origins)
        for key, why in [*semantic_problems(config), *strategy_problems(config, base_dir)]
    ]
    return ResolvedConfig(
        config=None if problems else config, problems=problems, origins=origins, source=source
    )


def load_node_config(path: Path | None, env: Mapping[str, str] | None = None) -> NodeConfig:
    """The node's config, or ConfigError with one line per problem (what `bot4 run` needs)."""
    resolved = resolve_node_config(path, env)
    if resolved.config is None:
        raise ConfigError("\n".join(resolved.problems))
    return resolved.config


def node_field_doc(cls: type, name: str) -> str | None:
    """A config field's documentation: its owner's comment, else this module's gap filler."""
    doc = field_docs(cls).get(name) if issubclass(cls, msgspec.Struct) else None
    return doc or _EXTRA_DOCS.get((cls, name))


def example_config() -> str:
    """The commented example config: every section, the defaults, a comment per key."""
    header = "\n".join(f"# {line}".rstrip() for line in _HEADER.splitlines())
    layout = TomlLayout(
        doc=node_field_doc,
        table_doc=struct_summary,
        expand_unset=True,
        example_key=lambda cls, name: _EXAMPLE_KEYS.get((cls, name)),
    )
    body = render_struct(NodeConfig, _builtins(NodeConfig()), layout)
    return f"{header}\n\n{body}"


def _builtins(config: msgspec.Struct) -> dict[str, Any]:
    built = msgspec.to_builtins(config)
    assert isinstance(built, dict), "a Struct's builtins are a dict"  # nosec B101
    return built


def node_schema() -> dict[str, Any]:
    """The JSON Schema of the node's config (committed as schema/bot4-config.schema.json)."""
    schema = struct_schema(NodeConfig, node_field_doc, "Bot4 node configuration")
    schema["$comment"] = (
        "Generated by `bot4 config-schema` from bot4.engine.config.NodeConfig; do not edit."
    )
    return schema


def show_config(resolved: ResolvedConfig, *, as_json: bool = False) -> str:
    """The resolved config with secrets redacted: TOML (env-set keys noted) or JSON."""
    if resolved.config is None:
        raise ConfigValueError("show_config needs a config without problems")
    data = redact(_builtins(resolved.config))
    if as_json:
        return msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"
    origins = resolved.origins
    layout = TomlLayout(note=lambda path: f"from {origins[path]}" if path in origins else None)
    layers = "defaults + " + ("" if resolved.source == _NO_FILE else f"{resolved.source} + ")
    header = f"# Resolved config: {layers}environment (BOT4__*); secrets shown as ***.\n\n"
    return header + render_struct(NodeConfig, data, layout)
