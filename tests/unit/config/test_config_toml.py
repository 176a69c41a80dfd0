"""The TOML writer behind new-config and show-config: what it writes reads back the same."""

from __future__ import annotations

import math
import tomllib
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot4.config._toml import TomlLayout, render_struct, toml_key, toml_value

_scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_values)
def test_values_read_back_unchanged(value: Any) -> None:
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value


@given(st.text(min_size=1))
def test_keys_read_back_unchanged(key: str) -> None:
    assert tomllib.loads(f"{toml_key(key)} = 1") == {key: 1}


def test_special_floats_and_unrepresentable_values() -> None:
    assert math.isnan(tomllib.loads(f"v = {toml_value(math.nan)}")["v"])
    assert tomllib.loads(f"v = {toml_value(-math.inf)}")["v"] == -math.inf
    assert toml_value({"a": None}) == "{}"  # TOML has no null: the key is left out
    with pytest.raises(TypeError, match="no TOML form for bytes"):
        toml_value(b"x")
    assert toml_key("BINANCE:BTCUSDT") == '"BINANCE:BTCUSDT"'
    assert toml_key("max_position") == "max_position"


class Leg(msgspec.Struct, frozen=True, kw_only=True):
    qty: int  # required: no defaults to show
    note: str = ""


class Book(msgspec.Struct, frozen=True, kw_only=True):
    legs: dict[str, Leg] = {}
    optional_leg: Leg | None = None
    weights: dict[str, int] = {}
    undocumented: float = 1.5


def test_tables_of_tables_and_unconstructible_defaults() -> None:
    layout = TomlLayout(
        doc=lambda cls, name: None,
        table_doc=lambda cls: cls.__name__,
        expand_unset=True,
        example_key=lambda cls, name: "example" if name == "legs" else None,
    )
    text = render_struct(Book, {"weights": {"a": 1}, "undocumented": 1.5}, layout)
    assert text.startswith("weights = { a = 1 }\nundocumented = 1.5\n")
    # An empty table of tables: a commented-out example; an unset optional table whose
    # Struct has required fields: commented out with placeholders.
    assert "# [legs.example]\n# qty = <integer>  (not set)\n" in text
    assert "# [optional_leg]\n# qty = <integer>  (not set)\n" in text
    full = render_struct(
        Book, {"legs": {"x y": {"qty": 2, "note": "n"}}, "undocumented": 0.5}, TomlLayout()
    )
    assert tomllib.loads(full) == {"legs": {"x y": {"qty": 2, "note": "n"}}, "undocumented": 0.5}
    assert "# [optional_leg]  (not set)" in full


def test_render_struct_takes_a_struct_class() -> None:
    with pytest.raises(TypeError, match="takes a Struct class"):
        render_struct(int, {}, TomlLayout())  # type: ignore[arg-type]
