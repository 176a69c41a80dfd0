"""Strategies from the config: `module:Class` or `path/to/file.py:Class`, with typed settings.

Each `[[strategies]]` entry names a class; `load_strategy_class` imports it (a module from the
path, or a file found relative to the config file's folder, then the working directory) and
checks it is a `Strategy` whose `config_type` refuses unknown keys. `build_strategies` decodes
each entry's `config` table into that Struct and makes `Class(id, instruments, config)`.

Every problem is a ConfigValueError line shaped like the config loader's: the file, the key path
(`strategies[0].config.spread_bps`) and what is wrong. `bot4 check-config` runs the same loading
through bot4.config (with its did-you-mean hints), so a bad entry is refused before a run starts.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import msgspec

from bot4.engine._strategy import Strategy
from bot4.errors import ConfigValueError

if TYPE_CHECKING:
    from bot4.engine.config import StrategyEntry
    from bot4.model import Instrument, InstrumentId

__all__ = ["build_strategies", "decode_strategy_config", "load_strategy_class"]

# msgspec's "... - at `$.a[0].b`": the problem, then the path inside the decoded value.
_AT = re.compile(r"^(?P<why>.*) - at `\$(?P<where>[^`]*)`$", re.DOTALL)


def load_strategy_class(spec: str, base_dir: Path | None = None) -> type[Strategy]:
    """The Strategy subclass `spec` names ("pkg.module:Class" or "dir/file.py:Class").

    A file path is tried relative to `base_dir` (the config file's folder), then to the working
    directory. Raises ConfigValueError saying what is wrong (no file or key path: the caller
    knows those).
    """
    where, sep, name = spec.rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise ConfigValueError(f"{spec!r} is not 'package.module:Class' or 'path/file.py:Class'")
    if not where.endswith(".py") and ("/" in where or "\\" in where):
        raise ConfigValueError(f"{where}: a strategy file's name ends in .py")
    module = _load_file(where, base_dir) if where.endswith(".py") else _import(where)
    cls = getattr(module, name, None)
    if cls is None:
        raise ConfigValueError(f"no class {name} in {where}")
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise ConfigValueError(f"{spec} is not a bot4.engine.Strategy subclass")
    config_type = cls.config_type
    if not (
        isinstance(config_type, type)
        and issubclass(config_type, msgspec.Struct)
        and config_type.__struct_config__.forbid_unknown_fields
    ):
        raise ConfigValueError(
            f"{spec}: config_type must be a msgspec Struct with forbid_unknown_fields=True "
            "(so a misspelt key is refused, not ignored)"
        )
    return cls


def decode_strategy_config(cls: type[Strategy], data: Mapping[str, Any]) -> msgspec.Struct:
    """`data` as `cls.config_type`; msgspec.ValidationError when it does not fit."""
    return msgspec.convert(dict(data), cls.config_type)


def build_strategies(
    entries: Sequence[StrategyEntry],
    instruments: Mapping[InstrumentId, Instrument],
    base_dir: Path | None = None,
    *,
    source: str = "<config>",
) -> list[Strategy]:
    """The enabled entries as strategies on the node's `instruments` (an entry without
    instruments gets all of them), in config order.

    Raises ConfigValueError with one line per problem (`source: strategies[i].key: why`):
    a class that cannot be loaded, a symbol the node does not trade, settings that do not fit
    the class's config_type, an id used twice.
    """
    by_symbol = {inst.symbol: iid for iid, inst in instruments.items()}
    problems: list[str] = []
    out: list[Strategy] = []
    seen: set[str] = set()

    def problem(i: int, key: str, why: str) -> None:
        problems.append(f"{source}: strategies[{i}]{key}: {why}")

    for i, entry in enumerate(entries):
        if not entry.enabled:
            continue
        if entry.id in seen:
            problem(i, ".id", f"duplicate strategy id {entry.id!r}")
        seen.add(entry.id)
        unknown = [s for s in entry.instruments if s not in by_symbol]
        if unknown:
            problem(
                i, ".instruments", f"not symbols of this node: {', '.join(unknown)} "
                f"(the node trades {', '.join(by_symbol)})",
            )  # fmt: skip
        try:
            cls = load_strategy_class(entry.class_, base_dir)
        except ConfigValueError as exc:
            problem(i, ".class", str(exc))
            continue
        try:
            config = decode_strategy_config(cls, entry.config)
        except msgspec.ValidationError as exc:
            m = _AT.match(str(exc))
            key, why = (m["where"], m["why"]) if m else ("", str(exc))
            problem(i, f".config{key}", why)
            continue
        if not problems:
            iids = [by_symbol[s] for s in entry.instruments] or list(instruments)
            out.append(cls(entry.id, iids, config))
    if problems:
        raise ConfigValueError("\n".join(problems))
    return out


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(f"{exc.name}.")):
            raise ConfigValueError(f"module {name} not found") from None
        raise ConfigValueError(f"importing {name} failed: {exc}") from None
    except Exception as exc:
        raise ConfigValueError(f"importing {name} failed: {type(exc).__name__}: {exc}") from None


def _load_file(where: str, base_dir: Path | None) -> ModuleType:
    """Import a strategy file once per process (two entries of one file share its classes)."""
    path = Path(where)
    tried = [path] if path.is_absolute() else [d / path for d in (base_dir, Path.cwd()) if d]
    found = next((p for p in tried if p.is_file()), None)
    if found is None:
        raise ConfigValueError(f"file {where} not found (looked in {', '.join(map(str, tried))})")
    found = found.resolve()
    # A name of its own per file: two strategies.py in different folders stay apart, and msgspec
    # and typing resolve the module's annotations through sys.modules.
    digest = hashlib.sha256(str(found).encode()).hexdigest()[:12]
    name = f"bot4_user_strategy_{found.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, found)
    assert spec is not None and spec.loader is not None, "a .py file has a source loader"  # nosec B101
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ConfigValueError(f"importing {found} failed: {type(exc).__name__}: {exc}") from None
    return module
