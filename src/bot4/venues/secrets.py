"""API credentials: read from the environment or a 0600 key file, and never shown anywhere.

A key and its secret are wrapped in `Secret`, whose `str()` and `repr()` are "***": a log line,
an exception message, a report or a status view that formats one shows the mask, never the value.
Only the code that signs a request calls `reveal()`. The config names where the values are
(environment variable names, a file path), never the values themselves, so `show-config` and
the schema cannot leak them either.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from bot4.errors import ConfigError
from bot4.venues.execution import ExecutionConfig

__all__ = ["ApiCredentials", "Secret", "load_credentials"]

_MASK: Final = "***"


class Secret:
    """A credential value whose str/repr/format is "***"; `reveal()` gives the value."""

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        self.__value = value

    def reveal(self) -> str:
        """The value, for the code that signs requests; never log what it returns."""
        return self.__value

    def __str__(self) -> str:
        return _MASK

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __format__(self, spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.__value == self.__value

    def __hash__(self) -> int:
        return hash(self.__value)

    def __reduce__(self) -> str:  # no pickling a secret into a file by accident
        raise TypeError("a Secret cannot be pickled")


class ApiCredentials:
    """An exchange API key and secret, both masked; `source` says where they came from."""

    __slots__ = ("key", "secret", "source")

    def __init__(self, key: Secret, secret: Secret, source: str) -> None:
        self.key = key
        self.secret = secret
        self.source = source  # "environment (BOT4_API_KEY, BOT4_API_SECRET)" or the key file

    def __repr__(self) -> str:
        return f"ApiCredentials(key=***, secret=***, source={self.source!r})"


def load_credentials(
    config: ExecutionConfig, env: Mapping[str, str] | None = None
) -> ApiCredentials:
    """The credentials `config` points at: `key_file` when set, else the two variables.

    Raises ConfigError in one line naming the file or the variables (never a value): a key file
    readable by others than its owner (mode not 0600), unreadable, not TOML/JSON or without
    `key` and `secret`; a variable missing or empty.
    """
    if config.key_file is not None:
        return _from_file(Path(config.key_file))
    env = os.environ if env is None else env
    names = (config.api_key_env, config.api_secret_env)
    missing = [n for n in names if not env.get(n)]
    if missing:
        raise ConfigError(
            f"execution credentials: environment variable {' and '.join(missing)} not set "
            "(or set execution.key_file)"
        )
    return ApiCredentials(
        Secret(env[names[0]]), Secret(env[names[1]]), f"environment ({', '.join(names)})"
    )


def _from_file(path: Path) -> ApiCredentials:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the key file: {exc.strerror or exc}") from None
    if mode != 0o600:
        raise ConfigError(
            f"{path}: key file has mode {mode:04o}; it must be 0600 (chmod 600 {path})"
        )
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the key file: {exc.strerror or exc}") from None
    data: object
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError):
        # The parser's message may quote the file's content: say only which format failed.
        kind = "JSON" if path.suffix == ".json" else "TOML"
        raise ConfigError(f"{path}: key file is not valid {kind}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: key file must hold a table with key and secret")
    key, secret = data.get("key"), data.get("secret")
    if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
        raise ConfigError(f"{path}: key file needs non-empty string values key and secret")
    return ApiCredentials(Secret(key), Secret(secret), f"key file {path}")
