"""Runs benchmark families by name: `bench/<name>.py` exposes `run(quick) -> (results, peers, extra)`.

`python -m bench.runner NAME [--quick] [--json PATH]` runs one family in this process (the suite
runs each family in its own process, so `perf stat` and `valgrind` can wrap it).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from bench.harness import print_cases, write_json

# Every family, in the order the suite runs them.
FAMILIES = ["breaker", "storage", "pipeline", "risk", "marketdata", "backtest"]


def run_family(name: str, *, quick: bool, json_path: Path | None) -> int:
    if name not in FAMILIES:
        known = ", ".join(FAMILIES)
        print(f"error: unknown benchmark family {name!r}; known: {known}, all", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{name}")
    results, peers, extra = module.run(quick=quick)
    print_cases(name, results, peers)
    if json_path is not None:
        write_json(json_path, name, results, peers, **extra)
        print(f"wrote {json_path}")
    return 0


def main(
    name: str,
    *,
    quick: bool,
    json_path: Path | None,
    out_dir: Path | None = None,
    callgrind: bool = False,
) -> int:
    if name == "all":
        from bench.suite import run_suite

        return run_suite(quick=quick, out_dir=out_dir, callgrind=callgrind)
    return run_family(name, quick=quick, json_path=json_path)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sys.exit(run_family(args.name, quick=args.quick, json_path=args.json))
