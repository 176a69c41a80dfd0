"""Load one TOML file into frozen config Structs, with errors a trader can act on.

A bad config is one line per problem: the file, the key path
(`risk.instruments.BTCUSDT.max_position`) and what is wrong — never a traceback or a schema
dump. msgspec stops at the first problem and reports dict keys as `[...]`, so on failure we walk
the data against the types ourselves to name every failing key. A value that came from an
environment override names its variable, since the file does not show it.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from bot4.errors import ConfigError

__all__ = [
    "ENV_PREFIX",
    "apply_env_overrides",
    "config_problems",
    "describe_problem",
    "env_origins",
    "load_config",
    "parse_config",
    "read_toml",
    "value_problems",
]

T = TypeVar("T")
ENV_PREFIX = "BOT4__"
# Key path -> the environment variable that set it.
Origins = Mapping[tuple[str, ...], str]
# One problem: the key path and what is wrong there.
Problem = tuple[list[str], str]


def load_config(path: Path, cls: type[T], env: Mapping[str, str] | None = None) -> T:
    """Read, override from the environment (`BOT4__RISK__MAX_OPEN_ORDERS=5`), validate.

    Raises ConfigError naming the file, the first failing key and the problem (and the
    variable, when an override is to blame).
    """
    env = os.environ if env is None else env
    data = apply_env_overrides(read_toml(path), env, cls)
    return parse_config(data, cls, source=str(path), origins=env_origins(env, cls))


def read_toml(path: Path) -> dict[str, Any]:
    """The file's tables; ConfigError when it cannot be read or is not TOML."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _env_path(key: str, cls: Any = None) -> list[str]:
    """The key path a variable names: Struct fields in lower case (environment variables are
    upper case by habit), the keys of a table of tables as written (`BINANCE:BTCUSDT`); without
    `cls` to tell them apart, all lower case."""
    path: list[str] = []
    tp = cls
    for part in key[len(ENV_PREFIX) :].split("__"):
        if not part:
            continue
        while typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            structs = [a for a in typing.get_args(tp) if _is_struct(a)]
            tp = structs[0] if len(structs) == 1 else None
        if typing.get_origin(tp) is dict:
            path.append(part)
            tp = typing.get_args(tp)[1]
            continue
        path.append(part.lower())
        if _is_struct(tp):
            hints, fields = _struct_fields(tp)
            tp = hints[fields[part.lower()]] if part.lower() in fields else None
        else:
            tp = None
    return path


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def env_origins(env: Mapping[str, str], cls: Any = None) -> dict[tuple[str, ...], str]:
    """Which key path each `BOT4__...` variable sets (to name it in errors and views)."""
    return {
        tuple(parts): key
        for key in env
        if key.startswith(ENV_PREFIX) and (parts := _env_path(key, cls))
    }


def apply_env_overrides(
    data: dict[str, Any], env: Mapping[str, str], cls: Any = None
) -> dict[str, Any]:
    """`BOT4__A__B=value` sets data["a"]["b"]; the value is read as TOML (else as a string).

    With `cls` (the config's type), keys of tables of tables keep their case:
    `BOT4__RISK__INSTRUMENTS__BINANCE:BTCUSDT__MAX_POSITION=0.5`.
    """
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        parts = _env_path(key, cls)
        if not parts:
            continue
        node = data
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"env {key}: {'.'.join(parts)} goes through a non-table value")
            node = child
        try:
            node[parts[-1]] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            node[parts[-1]] = raw
    return data


def parse_config(
    data: Any, cls: type[T], source: str = "<config>", origins: Origins | None = None
) -> T:
    """Validate `data` into `cls`; a failure is a ConfigError naming source, key and problem."""
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError as exc:
        problems = _problems(data, cls, [], str(exc))
        path, why = problems[0]
        raise ConfigError(describe_problem(source, path, why, origins)) from None


def config_problems(
    data: Any, cls: type[Any], source: str = "<config>", origins: Origins | None = None
) -> list[str]:
    """Every structural problem of `data` as `cls`, one line each; empty when it converts."""
    try:
        msgspec.convert(data, cls)
    except msgspec.ValidationError as exc:
        return [
            describe_problem(source, p, why, origins)
            for p, why in _problems(data, cls, [], str(exc))
        ]
    return []


def describe_problem(source: str, path: list[str], why: str, origins: Origins | None) -> str:
    """`source: key.path: why`, plus the environment variables that set that key.

    A list index is written `strategies[0]` (the path holds it as "[0]")."""
    where = ".".join(_printable(p) for p in path).replace(".[", "[") if path else "(top level)"
    line = f"{source}: {where}: {_printable(why)}"
    # The variable that set this key or a table above it, or keys inside this table.
    names = sorted(
        var
        for key, var in (origins or {}).items()
        if path and (tuple(path[: len(key)]) == key or key[: len(path)] == tuple(path))
    )
    if names:
        line += f" (set by environment variable {', '.join(names)})"
    return line


def value_problems(data: Any, cls: Any, path: list[str]) -> list[Problem]:
    """Every problem of `data` as `cls`, keys prefixed with `path`; empty when it converts."""
    if not _fails(data, cls):
        return []
    return _problems(data, cls, path, "invalid value")


def _printable(text: str) -> str:
    """Keep a problem on one line: a key or value from the file may hold a newline."""
    if text.isprintable():
        return text
    return text.encode("unicode_escape").decode("ascii")


def _problem(msg: str) -> str:
    """msgspec's message without its `- at $...` suffix."""
    return msg.split(" - at `$", 1)[0]


def _struct_fields(tp: type[msgspec.Struct]) -> tuple[dict[str, Any], dict[str, str]]:
    hints = typing.get_type_hints(tp, include_extras=True)  # keep Meta limits
    fields = {f.encode_name: f.name for f in msgspec.structs.fields(tp)}
    return hints, fields


def _problems(data: Any, tp: Any, path: list[str], msg: str) -> list[Problem]:
    """Descend to every innermost key whose value fails to convert (data does fail)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    out: list[Problem] = []
    if origin is typing.Annotated and _fails(data, args[0]):
        # The bare type already fails (a wrong type inside): descend through it.
        return _problems(data, args[0], path, msg)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct) and isinstance(data, dict):
        hints, fields = _struct_fields(tp)
        for key, value in data.items():
            if key not in fields:
                out.append(([*path, str(key)], _unknown_key(str(key), sorted(fields))))
            elif _fails(value, hints[fields[key]]):
                out += _problems(value, hints[fields[key]], [*path, key], msg)
        if out:
            return out
        # A __post_init__ check failed: by convention its message starts with the field's
        # name, possibly qualified by its table ("storage.batch_rows must be >= 1").
        problem = _struct_problem(data, tp)
        field, _, rest = problem.partition(" ")
        field = field.rsplit(".", 1)[-1]
        if field in fields and rest:
            return [([*path, field], rest)]
        return [(path, problem)]
    if origin is dict and isinstance(data, dict) and len(args) == 2:
        for key, value in data.items():
            if _fails(value, args[1]):
                out += _problems(value, args[1], [*path, str(key)], msg)
    elif origin in (list, tuple) and isinstance(data, list) and args:
        for i, value in enumerate(data):
            if _fails(value, args[0]):
                out += _problems(value, args[0], [*path, f"[{i}]"], msg)
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            if isinstance(arg, type) and issubclass(arg, msgspec.Struct) and isinstance(data, dict):
                return _problems(data, arg, path, msg)
    if out:
        return out
    try:
        msgspec.convert(data, tp)
    except msgspec.ValidationError as inner:
        return [(path, _problem(str(inner)))]
    return [(path, _problem(msg))]  # pragma: no cover - only if msgspec disagrees with itself


def _unknown_key(key: str, known: list[str]) -> str:
    """Name the likely typo, else list the keys the table takes."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    if close:
        return f"unknown key (did you mean {close[0]}?)"
    return f"unknown key (known keys: {', '.join(known)})"


def _struct_problem(data: Any, tp: Any) -> str:
    try:
        msgspec.convert(data, tp)
    except msgspec.ValidationError as exc:
        return _problem(str(exc))
    return "invalid value"  # pragma: no cover - only reached if msgspec disagrees with itself


def _fails(value: Any, tp: Any) -> bool:
    try:
        msgspec.convert(value, tp)
    except msgspec.ValidationError:
        return True
    return False
