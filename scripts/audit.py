#!/usr/bin/env python3
"""Dependency vulnerability audit of the locked set, with pip-audit.

Exports the lock (uv) to a pinned requirements file and audits it without installing.
If the vulnerability service cannot be reached, says so and passes; with CI=true it fails only
when the service *was* reached and reported something.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".tools" / "bin" / "uv"
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"
UNREACHABLE = (
    "ConnectionError",
    "Max retries exceeded",
    "NameResolutionError",
    "timed out",
    "Connection refused",
    "Temporary failure in name resolution",
    "ProxyError",
)


def main() -> int:
    ci = os.environ.get("CI", "").lower() == "true"
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "requirements.txt"
        subprocess.run(  # noqa: S603 - fixed argv, our own tools
            [
                str(UV),
                "export",
                "--frozen",
                "--all-groups",
                "--no-hashes",
                "--no-emit-project",
                "-o",
                str(req),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            proc = subprocess.run(  # noqa: S603 - fixed argv, our own tools
                [
                    str(PIP_AUDIT),
                    "--no-deps",
                    "--disable-pip",
                    "-r",
                    str(req),
                    "--progress-spinner",
                    "off",
                    "--timeout",
                    "20",
                ],
                cwd=ROOT,
                check=False,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            print("audit: the vulnerability service did not answer in time; audit skipped")
            return 0
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        print("audit: no known vulnerabilities in the locked set")
        return 0
    if any(marker in out for marker in UNREACHABLE):
        print("audit: the vulnerability service could not be reached; audit skipped")
        return 0
    print(out)
    if ci:
        print("audit: FAILED: vulnerabilities found in the locked set", file=sys.stderr)
        return 1
    print("audit: vulnerabilities found (failing only with CI=true)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
