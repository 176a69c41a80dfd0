"""Runs benchmark families by name: `bench/<name>.py` exposes `run(quick)`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from bench.harness import print_cases, write_json

FAMILIES = ["breaker"]


def run_family(name: str, *, quick: bool, json_path: Path | None) -> int:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError:
        print(
            f"error: unknown benchmark family {name!r}; known: {', '.join(FAMILIES)}",
            file=sys.stderr,
        )
        return 2
    results, peers, extra = module.run(quick=quick)
    print_cases(name, results, peers)
    if json_path is not None:
        write_json(json_path, name, results, peers, **extra)
        print(f"wrote {json_path}")
    return 0


def main(name: str, *, quick: bool, json_path: Path | None) -> int:
    if name == "all":
        rc = 0
        for fam in FAMILIES:
            path = None if json_path is None else json_path / f"{fam}.json"
            rc = max(rc, run_family(fam, quick=quick, json_path=path))
        return rc
    return run_family(name, quick=quick, json_path=json_path)
