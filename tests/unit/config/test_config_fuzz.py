"""Whatever a TOML file holds, the checks answer with lines, never an exception."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema_rs
import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import inspect as mi

from bot4.config import config_problems
from bot4.config._checks import semantic_problems
from bot4.config.node import node_schema
from bot4.engine.config import NodeConfig

# Real keys (so the walk goes deep) mixed with typos and junk (newlines too).
_KEYS = st.text(max_size=3) | st.sampled_from(
    [
        "risk", "instruments", "BINANCE:BTCUSDT", "defaults", "max_position", "collar_bps",
        "replay", "symbols", "pace", "api", "port", "token", "storage", "dsn", "batch_rows",
        "max_queue_rows", "paper", "latency_us", "strategies", "config", "fast", "slow",
        "kill_switch", "rearm_after_s", "starting_equity", "runs_dir", "max_postion", "x",
    ]
)  # fmt: skip
# Every type TOML can produce.
_SCALARS = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text(max_size=8)
    | st.datetimes(timezones=st.none() | st.just(dt.UTC))
    | st.dates()
    | st.times()
)
_SCHEMA = jsonschema_rs.validator_for(node_schema())
_TABLES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=16,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _TABLES, max_size=5))
def test_any_toml_data_gives_lines_or_a_config(data: dict[str, Any]) -> None:
    problems = config_problems(data, NodeConfig, source="f.toml")
    for line in problems:
        assert line.startswith("f.toml: ")
        assert "\n" not in line
    if problems:
        return
    # The editor's schema never flags a config the loader takes.
    assert _SCHEMA.is_valid(data), data
    config = msgspec.convert(data, NodeConfig)
    for path, why in semantic_problems(config):
        assert path
        assert why


def _like(info: mi.Type) -> st.SearchStrategy[Any]:
    """Data shaped by a config type: right types, values in and around its limits."""
    if isinstance(info, mi.StructType):
        fields = {f.encode_name: st.deferred(lambda f=f: _like(f.type)) for f in info.fields}
        return st.fixed_dictionaries({}, optional=fields)
    if isinstance(info, mi.UnionType):
        return st.one_of([_like(t) for t in info.types if not isinstance(t, mi.NoneType)])
    if isinstance(info, mi.BoolType):
        return st.booleans()
    if isinstance(info, mi.IntType):
        return st.integers(min_value=-10, max_value=100_000)
    if isinstance(info, mi.FloatType):
        return st.floats(min_value=-10, max_value=1e6)
    if isinstance(info, mi.StrType):
        return st.text(max_size=20) | st.sampled_from(["BTCUSDT", "postgresql://u:pw@h/db"])
    if isinstance(info, mi.DecimalType):
        return st.decimals(min_value=-10, max_value=10**6, places=3).map(str) | st.floats(0, 10)
    if isinstance(info, mi.EnumType):
        return st.sampled_from([m.value for m in info.cls] + ["NOPE"])
    if isinstance(info, mi.LiteralType):
        return st.sampled_from([*info.values, "NOPE"])
    if isinstance(info, mi.ListType | mi.VarTupleType):
        return st.lists(_like(info.item_type), max_size=3)
    if isinstance(info, mi.AnyType):  # a strategy's settings: checked by its class, not here
        return _SCALARS
    if isinstance(info, mi.DictType):
        keys = st.sampled_from(["BINANCE:BTCUSDT", "BINANCE:ETHUSDT", "BINANCE:XRPUSDT"])
        return st.dictionaries(keys, _like(info.value_type), max_size=2)
    raise AssertionError(f"no strategy for {info}")


@settings(max_examples=300, deadline=None)
@given(_like(mi.type_info(NodeConfig)))
def test_schema_and_loader_agree_on_typed_data(data: dict[str, Any]) -> None:
    problems = config_problems(data, NodeConfig, source="f.toml")
    assert all("\n" not in line for line in problems)
    if not problems:
        assert _SCHEMA.is_valid(data), data
        for path, why in semantic_problems(msgspec.convert(data, NodeConfig)):
            assert path
            assert why
    if _SCHEMA.is_valid(data) is False:
        assert problems, data  # what the editor flags, the loader refuses too
