"""Whatever a TOML file holds, the checks answer with lines, never an exception."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from bot4.config import config_problems
from bot4.config._checks import semantic_problems
from bot4.engine.config import NodeConfig

# Real keys (so the walk goes deep) mixed with typos and junk (newlines too).
_KEYS = st.text(max_size=3) | st.sampled_from(
    [
        "risk", "instruments", "BINANCE:BTCUSDT", "defaults", "max_position", "collar_bps",
        "replay", "symbols", "pace", "api", "port", "token", "storage", "dsn", "batch_rows",
        "max_queue_rows", "paper", "latency_us", "strategies", "momentum_config", "fast", "slow",
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
    config = msgspec.convert(data, NodeConfig)
    for path, why in semantic_problems(config):
        assert path
        assert why
