"""Load one TOML file into frozen config Structs, with errors a trader can act on.

A bad config is one line: the file, the key path (`risk.instruments.BTCUSDT.max_position`) and
what is wrong — never a traceback or a schema dump. msgspec reports dict keys as `[...]`, so on
failure we walk the data against the types ourselves to name the exact key.
"""

from __future__ import annotations

import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from bot4.errors import ConfigError

__all__ = ["ENV_PREFIX", "apply_env_overrides", "load_config", "parse_config"]

T = TypeVar("T")
ENV_PREFIX = "BOT4__"


def load_config(path: Path, cls: type[T], env: Mapping[str, str] | None = None) -> T:
    """Read, override from the environment (`BOT4__RISK__MAX_OPEN_ORDERS=5`), validate."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    data = apply_env_overrides(data, os.environ if env is None else env)
    return parse_config(data, cls, source=str(path))


def apply_env_overrides(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """`BOT4__A__B=value` sets data["a"]["b"]; the value is read as TOML (else as a string)."""
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in key[len(ENV_PREFIX) :].split("__") if p]
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


def parse_config(data: Any, cls: type[T], source: str = "<config>") -> T:
    """Validate `data` into `cls`; a failure is a ConfigError naming source, key and problem."""
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError as exc:
        path, why = _locate(data, cls, [], str(exc))
        where = ".".join(path) if path else "(top level)"
        raise ConfigError(f"{source}: {where}: {why}") from None


def _problem(msg: str) -> str:
    """msgspec's message without its `- at $...` suffix."""
    return msg.split(" - at `$", 1)[0]


def _locate(data: Any, tp: Any, path: list[str], msg: str) -> tuple[list[str], str]:
    """Descend to the innermost key whose value fails to convert."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct) and isinstance(data, dict):
        hints = typing.get_type_hints(tp)
        fields = {f.encode_name: f.name for f in msgspec.structs.fields(tp)}
        for key in data:
            if key not in fields:
                known = ", ".join(sorted(fields))
                return [*path, str(key)], f"unknown key (known keys: {known})"
        for key, value in data.items():
            sub = hints[fields[key]]
            if _fails(value, sub):
                return _locate(value, sub, [*path, key], msg)
        # A __post_init__ check failed: by convention its message starts with the field's name.
        problem = _struct_problem(data, tp)
        field, _, rest = problem.partition(" ")
        if field in fields and rest:
            return [*path, field], rest
        return path, problem
    if origin is dict and isinstance(data, dict) and len(args) == 2:
        for key, value in data.items():
            if _fails(value, args[1]):
                return _locate(value, args[1], [*path, str(key)], msg)
    if origin in (list, tuple) and isinstance(data, list) and args:
        for i, value in enumerate(data):
            if _fails(value, args[0]):
                return _locate(value, args[0], [*path, str(i)], msg)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if isinstance(arg, type) and issubclass(arg, msgspec.Struct) and isinstance(data, dict):
                return _locate(data, arg, path, msg)
    try:
        msgspec.convert(data, tp)
    except msgspec.ValidationError as inner:
        return path, _problem(str(inner))
    return path, _problem(msg)


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
