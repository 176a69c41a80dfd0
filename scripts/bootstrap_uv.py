#!/usr/bin/env python3
"""Install a pinned `uv` binary with nothing but the standard library.

The Makefile's first choice is `python3 -m venv .tools && .tools/bin/pip install uv==X`, but a
fresh Debian 12 ships `python3` without `ensurepip` (that is the python3-venv package), so
`venv` fails there. This fallback reads the package index's simple page for uv (PEP 503:
works against pypi.org and against mirrors that only serve /simple), picks the wheel for this
platform, checks its sha256 against the index, and unpacks the `uv` executable from it.

Usage: bootstrap_uv.py VERSION DEST   (e.g. 0.13.8 .tools/bin/uv)
Index: $PIP_INDEX_URL if set, else https://pypi.org/simple.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import stat
import sys
import urllib.parse
import urllib.request
import zipfile
from io import BytesIO
from pathlib import Path

INDEX = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
TIMEOUT_S = 120
HREF = re.compile(r'href="([^"]+)"')


def platform_markers() -> tuple[str, ...]:
    """Substrings one of which the wheel's platform tag must contain, best first."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    system = platform.system()
    if system == "Linux":
        return (f"manylinux_2_17_{machine}", f"manylinux2014_{machine}", f"musllinux_1_1_{machine}")
    if system == "Darwin":
        return ("macosx_11_0_arm64",) if machine == "aarch64" else ("macosx_10_12_x86_64",)
    raise SystemExit(f"bootstrap_uv: no uv wheel known for {system}/{machine}")


def pick(page: str, base: str, version: str) -> tuple[str, str, str]:
    """(url, filename, sha256) of the wheel for this platform."""
    prefix = f"uv-{version}-py3-none-"
    links = []
    for href in HREF.findall(page):
        url = urllib.parse.urljoin(base, href.replace("&amp;", "&"))
        path, _, fragment = url.partition("#")
        name = urllib.parse.unquote(path.rsplit("/", 1)[-1])
        if name.startswith(prefix) and name.endswith(".whl"):
            links.append((path, name, fragment))
    for marker in platform_markers():
        for path, name, fragment in links:
            if marker in name:
                if not fragment.startswith("sha256="):
                    raise SystemExit(f"bootstrap_uv: the index gives no sha256 for {name}")
                return path, name, fragment.removeprefix("sha256=")
    raise SystemExit(f"bootstrap_uv: no uv {version} wheel for this platform at {base}")


def fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://", "file://")):
        raise SystemExit(f"bootstrap_uv: refusing to fetch {url!r}")
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:  # noqa: S310 - scheme checked above
        data: bytes = resp.read()
    return data


def main(version: str, dest: Path) -> int:
    base = f"{INDEX}/uv/"
    url, name, sha256 = pick(fetch(base).decode(), base, version)
    print(f"bootstrap_uv: downloading {name}")
    wheel = fetch(url)
    digest = hashlib.sha256(wheel).hexdigest()
    if digest != sha256:
        raise SystemExit(f"bootstrap_uv: sha256 mismatch for {name}: {digest} != {sha256}")
    with zipfile.ZipFile(BytesIO(wheel)) as zf:
        member = next((m for m in zf.namelist() if m.endswith(".data/scripts/uv")), None)
        if member is None:
            raise SystemExit(f"bootstrap_uv: no uv executable inside {name}")
        binary = zf.read(member)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    tmp.write_bytes(binary)
    tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    tmp.replace(dest)
    print(f"bootstrap_uv: installed uv {version} at {dest}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: bootstrap_uv.py VERSION DEST")
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
