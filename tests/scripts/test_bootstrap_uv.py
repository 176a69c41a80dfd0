"""scripts/bootstrap_uv.py: picks this platform's wheel from a PEP 503 page, checks sha256."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bootstrap_uv.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap_uv", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def wheel_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("uv-1.2.3.data/scripts/uv", b"#!/bin/sh\necho uv 1.2.3\n")
        zf.writestr("uv-1.2.3.dist-info/METADATA", "Name: uv\n")
    return buf.getvalue()


def index_page(tmp: Path, version: str, digest: str) -> Path:
    marker = load().platform_markers()[0]
    name = f"uv-{version}-py3-none-{marker}.whl"
    (tmp / name).write_bytes(wheel_bytes())
    other = f"uv-{version}-py3-none-win_amd64.whl"
    page = tmp / "uv" / "index.html"
    page.parent.mkdir()
    page.write_text(
        f'<a href="../{other}#sha256=00">{other}</a>\n'
        f'<a href="../{name}#sha256={digest}">{name}</a>\n'
    )
    return page


def test_installs_the_binary_from_a_simple_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = hashlib.sha256(wheel_bytes()).hexdigest()
    index_page(tmp_path, "1.2.3", digest)
    mod = load()
    monkeypatch.setattr(mod, "INDEX", tmp_path.as_uri())
    original = mod.fetch
    monkeypatch.setattr(
        mod, "fetch", lambda url: original(url + "index.html" if url.endswith("/") else url)
    )
    dest = tmp_path / "bin" / "uv"
    assert mod.main("1.2.3", dest) == 0
    assert dest.read_bytes().startswith(b"#!/bin/sh") and dest.stat().st_mode & 0o111


def test_refuses_a_wheel_whose_sha256_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_page(tmp_path, "1.2.3", "0" * 64)
    mod = load()
    monkeypatch.setattr(mod, "INDEX", tmp_path.as_uri())
    original = mod.fetch
    monkeypatch.setattr(
        mod, "fetch", lambda url: original(url + "index.html" if url.endswith("/") else url)
    )
    with pytest.raises(SystemExit, match="sha256 mismatch"):
        mod.main("1.2.3", tmp_path / "uv")
    with pytest.raises(SystemExit, match=r"no uv 9\.9\.9 wheel"):
        mod.main("9.9.9", tmp_path / "uv")


def test_refuses_other_url_schemes() -> None:
    with pytest.raises(SystemExit, match="refusing"):
        load().fetch("ftp://example.invalid/uv")
