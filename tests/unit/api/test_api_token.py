"""Token resolution, the 0600 token file, constant-time comparison, the dashboard URL."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot4.api import (
    ApiToken,
    dashboard_url,
    find_token_file,
    generate_token,
    read_token_file,
    resolve_token,
    write_token_file,
)
from bot4.api._token import tokens_equal


def test_config_then_env_then_generated(tmp_path: Path) -> None:
    env = {"BOT4_API_TOKEN": "from-env"}
    assert resolve_token("from-config", tmp_path, env) == ApiToken("from-config", "config")
    assert resolve_token(None, tmp_path, env) == ApiToken("from-env", "env")
    assert resolve_token("", tmp_path, env).source == "env"
    assert not (tmp_path / "api-token").exists()  # a configured token is never written out
    generated = resolve_token(None, tmp_path / "run", {})
    assert generated.source == "generated"
    assert generated.file == tmp_path / "run" / "api-token"
    assert read_token_file(generated.file) == generated.value
    assert stat.S_IMODE(os.stat(generated.file).st_mode) == 0o600


def test_default_environment_is_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT4_API_TOKEN", "process-env")
    assert resolve_token(None, tmp_path).value == "process-env"


def test_rewriting_replaces_a_loose_file(tmp_path: Path) -> None:
    loose = tmp_path / "api-token"
    loose.write_text("old\n")
    loose.chmod(0o644)
    path = write_token_file(tmp_path, "new")
    assert read_token_file(path) == "new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_generated_tokens_are_long_and_distinct() -> None:
    tokens = {generate_token() for _ in range(50)}
    assert len(tokens) == 50
    assert min(len(t) for t in tokens) >= 43  # 32 bytes, URL-safe base64


def test_repr_hides_the_value() -> None:
    token = ApiToken("s3cret-value", "config")
    assert "s3cret" not in repr(token)
    assert token.session_value != token.value
    assert len(token.session_value) == 64


def test_tokens_equal() -> None:
    assert tokens_equal("abc", "abc")
    assert not tokens_equal("abd", "abc")
    assert not tokens_equal("ab", "abc")
    assert not tokens_equal("\u00e9", "abc")


def test_find_token_file_prefers_the_newest_run(tmp_path: Path) -> None:
    assert find_token_file(tmp_path) is None
    assert find_token_file(tmp_path / "missing") is None
    old = write_token_file(tmp_path / "run-1", "old")
    new = write_token_file(tmp_path / "run-2", "new")
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    assert find_token_file(tmp_path) == new
    assert read_token_file(tmp_path / "nothing") is None
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert read_token_file(empty) is None


def test_dashboard_url() -> None:
    assert dashboard_url("127.0.0.1", 8787) == "http://127.0.0.1:8787/dashboard"
    assert dashboard_url("::1", 9000, "a+b/c") == "http://[::1]:9000/dashboard?token=a%2Bb%2Fc"
