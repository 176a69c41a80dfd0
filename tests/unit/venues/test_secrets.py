"""Secrets: from the environment or a 0600 key file, shown as *** everywhere."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from bot4.errors import ConfigError
from bot4.venues import ApiCredentials, ExecutionConfig, Secret, load_credentials

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def test_a_secret_never_shows_its_value() -> None:
    s = Secret(SECRET)
    assert s.reveal() == SECRET
    logged = logging.LogRecord("t", logging.INFO, __file__, 1, "%s %r", (s, s), None)
    shown_all = (str(s), repr(s), f"{s}", f"{s!r}", f"{s:>80}", logged.getMessage(), str([s]))
    for shown in shown_all:
        assert SECRET not in shown and "***" in shown
    assert s == Secret(SECRET) and s != Secret("other") and s != SECRET
    assert hash(s) == hash(Secret(SECRET))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(s)


def test_credentials_from_the_environment(caplog: pytest.LogCaptureFixture) -> None:
    creds = load_credentials(ExecutionConfig(), {"BOT4_API_KEY": KEY, "BOT4_API_SECRET": SECRET})
    assert (creds.key.reveal(), creds.secret.reveal()) == (KEY, SECRET)
    assert creds.source == "environment (BOT4_API_KEY, BOT4_API_SECRET)"
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("loaded %s %r %s", creds, creds, creds.key)
    assert KEY not in caplog.text and SECRET not in caplog.text
    assert repr(creds) == (
        "ApiCredentials(key=***, secret=***, source='environment (BOT4_API_KEY, BOT4_API_SECRET)')"
    )


def test_the_variable_names_come_from_the_config() -> None:
    cfg = ExecutionConfig(api_key_env="MY_KEY", api_secret_env="MY_SECRET")
    creds = load_credentials(cfg, {"MY_KEY": KEY, "MY_SECRET": SECRET})
    assert isinstance(creds, ApiCredentials) and creds.key.reveal() == KEY


def test_missing_variables_are_named_in_one_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_credentials(ExecutionConfig(), {"BOT4_API_KEY": KEY, "BOT4_API_SECRET": ""})
    msg = str(info.value)
    assert msg == (
        "execution credentials: environment variable BOT4_API_SECRET not set "
        "(or set execution.key_file)"
    )
    assert KEY not in msg
    with pytest.raises(ConfigError, match="BOT4_API_KEY and BOT4_API_SECRET"):
        load_credentials(ExecutionConfig(), {})


def _key_file(tmp_path: Path, name: str, text: str, mode: int = 0o600) -> ExecutionConfig:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(mode)
    return ExecutionConfig(key_file=str(path))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("keys.toml", f'key = "{KEY}"\nsecret = "{SECRET}"\n'),
        ("keys.json", f'{{"key": "{KEY}", "secret": "{SECRET}"}}'),
    ],
)
def test_a_0600_key_file_toml_or_json(tmp_path: Path, name: str, text: str) -> None:
    creds = load_credentials(_key_file(tmp_path, name, text), {})
    assert (creds.key.reveal(), creds.secret.reveal()) == (KEY, SECRET)
    assert creds.source == f"key file {tmp_path / name}"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o400, 0o700])
def test_a_key_file_not_0600_is_refused_naming_file_and_mode(tmp_path: Path, mode: int) -> None:
    cfg = _key_file(tmp_path, "keys.toml", f'key = "{KEY}"\nsecret = "{SECRET}"\n', mode)
    with pytest.raises(ConfigError) as info:
        load_credentials(cfg, {})
    path = tmp_path / "keys.toml"
    assert str(info.value) == (
        f"{path}: key file has mode {mode:04o}; it must be 0600 (chmod 600 {path})"
    )


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("keys.toml", f'key = "{KEY}"\nsecret = {SECRET}\n', "is not valid TOML"),
        ("keys.json", f'{{"key": "{KEY}", "secret": {SECRET}}}', "is not valid JSON"),
        ("keys.json", f'["{KEY}"]', "must hold a table with key and secret"),
        ("keys.toml", f'key = "{KEY}"\n', "needs non-empty string values key and secret"),
        ("keys.toml", f'key = "{KEY}"\nsecret = 5\n', "needs non-empty string values"),
    ],
)
def test_a_bad_key_file_is_one_line_without_its_content(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_credentials(_key_file(tmp_path, name, text), {})
    msg = str(info.value)
    assert msg.startswith(f"{tmp_path / name}: ") and problem in msg
    assert KEY not in msg and SECRET not in msg and "\n" not in msg


def test_a_missing_or_unreadable_key_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the key file"):
        load_credentials(ExecutionConfig(key_file=str(tmp_path / "none.toml")), {})
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    folder.chmod(0o600)
    with pytest.raises(ConfigError, match="cannot read the key file"):
        load_credentials(ExecutionConfig(key_file=str(folder)), {})
