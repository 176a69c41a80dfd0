"""Write a config Struct back out as TOML: the commented example and the resolved view.

The layout follows the type (`msgspec.inspect.type_info`), not the data, so every field appears,
a list of Structs is an array of tables (`[[strategies]]`, or `strategies = []` when empty),
set or not: a key holding None (TOML has no null) is written as a comment showing its type, and an
optional table left unset is written commented out with its defaults, ready to uncomment.
Scalars come before sub-tables, as TOML requires.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from msgspec import inspect as mi

__all__ = ["TomlLayout", "bounds", "render_struct", "toml_key", "toml_value"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_WIDTH = 98
# Characters a TOML basic string must escape (quote, backslash, controls but tab).
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


class TomlLayout(msgspec.Struct, frozen=True, kw_only=True):
    """What `render_struct` adds around the values."""

    # Field documentation: (struct class, field name) -> text, or None for none.
    doc: Callable[[type, str], str | None] | None = None
    # Table documentation: struct class -> text (its docstring's summary, say).
    table_doc: Callable[[type], str] | None = None
    # A note after a value's line (e.g. the environment variable that set it), by key path.
    note: Callable[[tuple[str, ...]], str | None] | None = None
    # Write unset optional tables commented out with their defaults (example) or as one line.
    expand_unset: bool = False
    # For an empty table-of-tables field: an example key to show it commented out, by
    # (struct class, field name); None shows nothing.
    example_key: Callable[[type, str], str | None] | None = None


def render_struct(cls: type[msgspec.Struct], data: Mapping[str, Any], layout: TomlLayout) -> str:
    """TOML text for `data` (the builtins of a `cls`, e.g. `msgspec.to_builtins(cls())`)."""
    info = mi.type_info(cls)
    if not isinstance(info, mi.StructType):
        raise TypeError(f"render_struct takes a Struct class, not {cls!r}")
    out: list[str] = []
    _Writer(layout, out).table(info, data, (), disabled=False)
    return "\n".join(out).strip("\n") + "\n"


def toml_key(key: str) -> str:
    """A bare key when TOML allows one, else a quoted one."""
    return key if _BARE_KEY.match(key) else _string(key)


def toml_value(value: Any) -> str:
    """A TOML literal for a builtins value (str, int, float, bool, list, dict)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _string(text: str) -> str:
    chars = []
    for ch in text:
        if ch in _ESCAPES:
            chars.append(_ESCAPES[ch])
        elif (ord(ch) < 0x20 and ch != "\t") or ord(ch) == 0x7F:
            chars.append(f"\\u{ord(ch):04X}")
        else:
            chars.append(ch)
    return '"' + "".join(chars) + '"'


def _struct_of(tp: mi.Type) -> mi.StructType | None:
    """The Struct a field holds directly or as `Struct | None`."""
    if isinstance(tp, mi.StructType):
        return tp
    if isinstance(tp, mi.UnionType):
        structs = [t for t in tp.types if isinstance(t, mi.StructType)]
        if len(structs) == 1 and len(tp.types) == 2 and mi.NoneType() in tp.types:
            return structs[0]
    return None


def _list_of_structs(tp: mi.Type) -> mi.StructType | None:
    if isinstance(tp, mi.ListType) and isinstance(tp.item_type, mi.StructType):
        return tp.item_type
    return None


def _dict_of_structs(tp: mi.Type) -> mi.StructType | None:
    if isinstance(tp, mi.DictType) and isinstance(tp.value_type, mi.StructType):
        return tp.value_type
    return None


def _type_word(tp: mi.Type) -> str:
    """How an unset value would be written (shown in its comment)."""
    if isinstance(tp, mi.UnionType):
        return " or ".join(_type_word(t) for t in tp.types if not isinstance(t, mi.NoneType))
    words: dict[type, str] = {
        mi.BoolType: "true|false",
        mi.IntType: "integer",
        mi.FloatType: "number",
        mi.StrType: "string",
        mi.DecimalType: "decimal",
        mi.EnumType: "name",
        mi.DictType: "table",
    }
    return words.get(type(tp), "list")


def bounds(tp: mi.Type) -> str:
    """The numeric or length limits msgspec enforces on a value, as words ('' when none)."""
    if isinstance(tp, mi.UnionType):
        return "".join(bounds(t) for t in tp.types)
    parts: list[str] = []
    if isinstance(tp, mi.IntType | mi.FloatType):
        if tp.ge is not None and tp.le is not None:
            return f"{tp.ge}..{tp.le}"
        for name, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            limit = getattr(tp, name)
            if limit is not None:
                parts.append(f"{op} {limit}")
    if isinstance(tp, mi.StrType) and tp.min_length:
        parts.append("not empty" if tp.min_length == 1 else f"at least {tp.min_length} characters")
    if isinstance(tp, mi.EnumType):
        parts.append("one of " + ", ".join(str(m.value) for m in tp.cls))
    return " and ".join(parts)


class _Writer:
    def __init__(self, layout: TomlLayout, out: list[str]) -> None:
        self.layout = layout
        self.out = out

    def comment(self, text: str) -> None:
        self.out.extend(
            textwrap.wrap(text, _WIDTH - 2, initial_indent="# ", subsequent_indent="# ")
        )

    def line(self, text: str, disabled: bool) -> None:
        self.out.append("# " + text if disabled else text)

    def table(
        self, info: mi.StructType, data: Mapping[str, Any] | None, path: tuple[str, ...], *,
        disabled: bool,
    ) -> None:  # fmt: skip
        layout = self.layout
        data = data or {}
        tables = []
        for f in info.fields:
            if _struct_of(f.type) or _dict_of_structs(f.type):
                tables.append(f)
                continue
            if _list_of_structs(f.type) and data.get(f.encode_name):
                tables.append(f)  # an array of tables; an empty one is a scalar `key = []`
                continue
            self._doc(info.cls, f)
            key = toml_key(f.encode_name)
            value = data.get(f.encode_name)
            if value is None:
                self.out.append(f"# {key} = <{_type_word(f.type)}>  (not set)")
                continue
            text = f"{key} = {toml_value(value)}"
            note = layout.note((*path, f.encode_name)) if layout.note else None
            self.line(f"{text}  # {note}" if note else text, disabled)
        for f in tables:
            sub_path = (*path, f.encode_name)
            value = data.get(f.encode_name)
            items = _list_of_structs(f.type)
            if items is not None:
                for sub in value or ():
                    self.section(info.cls, items.cls, f, sub_path)
                    self.line(f"[[{_header(sub_path)}]]", disabled)
                    self.table(items, sub, sub_path, disabled=disabled)
                continue
            struct = _struct_of(f.type)
            if struct is not None:
                unset = value is None
                if unset and layout.expand_unset:
                    value = _defaults(struct.cls)
                if unset and not layout.expand_unset:
                    self.section(info.cls, struct.cls, f, sub_path)
                    self.out.append(f"# [{_header(sub_path)}]  (not set)")
                    continue
                self.section(info.cls, struct.cls, f, sub_path)
                self.line(f"[{_header(sub_path)}]", disabled or unset)
                self.table(struct, value, sub_path, disabled=disabled or unset)
                continue
            values = _dict_of_structs(f.type)
            assert values is not None, "tables: structs, dicts of structs"  # nosec B101
            if value:
                for key, sub in value.items():
                    self.section(info.cls, values.cls, f, (*sub_path, key))
                    self.line(f"[{_header((*sub_path, key))}]", disabled)
                    self.table(values, sub, (*sub_path, key), disabled=disabled)
                continue
            example = layout.example_key(info.cls, f.name) if layout.example_key else None
            if example is not None:
                self.section(info.cls, values.cls, f, sub_path)
                self.comment("(none set; an example entry, commented out:)")
                self.line(f"[{_header((*sub_path, example))}]", True)
                self.table(values, _defaults(values.cls), (*sub_path, example), disabled=True)

    def section(self, parent: type, table: type, f: mi.Field, path: tuple[str, ...]) -> None:
        """A blank line and the comments above a table header."""
        self.out.append("")
        layout = self.layout
        if layout.table_doc is not None:
            self.comment(f"{'.'.join(path)}: {layout.table_doc(table)}")
        text = layout.doc(parent, f.name) if layout.doc is not None else None
        if text:
            self.comment(text)

    def _doc(self, cls: type, f: mi.Field) -> None:
        if self.layout.doc is None:
            return
        text = self.layout.doc(cls, f.name) or ""
        limits = bounds(f.type)
        if limits:
            text = f"{text} ({limits})".strip()
        if text:
            self.comment(text)


def _header(path: tuple[str, ...]) -> str:
    return ".".join(toml_key(p) for p in path)


def _defaults(cls: type) -> dict[str, Any] | None:
    """The builtins of `cls()`, or None when it has required fields."""
    try:
        value = cls()
    except TypeError:
        return None
    built = msgspec.to_builtins(value)
    return built if isinstance(built, dict) else None
