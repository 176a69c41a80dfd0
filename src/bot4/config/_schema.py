"""A JSON Schema of a config Struct, for editors (Taplo / Even Better TOML `#:schema`).

msgspec generates the structure and every limit the types enforce; we add what an editor shows on
hover (each field's comment) and widen decimals to strings *or* numbers, since the loader accepts
`max_position = 0.5` as well as `"0.5"` and the schema must not flag a config the node accepts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec import inspect as mi

__all__ = ["schema_text", "struct_schema"]

_DECIMAL = {"type": "string", "format": "decimal"}
_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def struct_schema(
    cls: type[msgspec.Struct], doc: Callable[[type, str], str | None], title: str
) -> dict[str, Any]:
    """The schema of `cls` with `doc(struct, field)` as each property's description."""
    schema: dict[str, Any] = {"$schema": _DRAFT, "title": title}
    schema.update(_widen_decimals(msgspec.json.schema(cls)))
    by_name: dict[str, list[type]] = {}
    for struct in _structs(mi.type_info(cls)):
        by_name.setdefault(struct.__name__, []).append(struct)
    for definition in schema.get("$defs", {}).values():
        owners = by_name.get(definition.get("title", ""), [])
        if len(owners) != 1:  # an enum, or two Structs sharing a name: leave undescribed
            continue
        for name, prop in definition.get("properties", {}).items():
            text = doc(owners[0], name)
            if text:
                prop["description"] = text
    return schema


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as committed and written: stable, indented, newline-terminated."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _widen_decimals(node: Any) -> Any:
    if node == _DECIMAL:
        return {"anyOf": [_DECIMAL, {"type": "number"}]}
    if isinstance(node, dict):
        return {k: _widen_decimals(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_widen_decimals(v) for v in node]
    return node


def _structs(info: mi.Type, seen: set[type] | None = None) -> list[type]:
    """Every Struct class reachable from `info`, each once."""
    seen = set() if seen is None else seen
    found: list[type] = []
    children: tuple[mi.Type, ...] = ()
    if isinstance(info, mi.StructType):
        if info.cls in seen:
            return found
        seen.add(info.cls)
        found.append(info.cls)
        children = tuple(f.type for f in info.fields)
    elif isinstance(info, mi.UnionType):
        children = info.types
    elif isinstance(info, mi.DictType):
        children = (info.value_type,)
    elif isinstance(info, mi.ListType | mi.VarTupleType):
        children = (info.item_type,)
    for child in children:
        found += _structs(child, seen)
    return found
