"""`bot4 bench all`: every family in its own process, targets judged, summary and report written.

Writes bench/results/YYYY-MM-DD/: one JSON per family, PERFORMANCE_SUMMARY.md and report.html.
When `perf stat` works on this machine each family also runs under it and its counters land in
the JSON; when it does not, the report says so — no invented numbers. `--callgrind` runs each
family (quick) under valgrind's callgrind and records instruction counts, stable on noisy machines.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.report import write_report, write_summary
from bench.runner import FAMILIES
from bench.targets import evaluate

ROOT = Path(__file__).resolve().parents[1]
PERF_EVENTS = ["cycles", "instructions", "cache-misses", "branch-misses"]


def perf_available() -> bool:
    """True when `perf stat` really counts instructions here (VMs often say <not supported>)."""
    if shutil.which("perf") is None:
        return False
    proc = subprocess.run(
        ["perf", "stat", "-x,", "-e", "instructions", "true"],
        capture_output=True,
        text=True,
        check=False,
    )
    return (
        proc.returncode == 0
        and "<not supported>" not in proc.stderr
        and "instructions" in proc.stderr
    )


def _family_cmd(name: str, quick: bool, json_path: Path) -> list[str]:
    cmd = [sys.executable, "-m", "bench.runner", name, "--json", str(json_path)]
    return [*cmd, "--quick"] if quick else cmd


def parse_perf(text: str) -> dict[str, float]:
    """`perf stat -x,` lines into {event: value}, plus IPC."""
    counters: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split(",")
        if (
            len(parts) >= 3
            and parts[2] in PERF_EVENTS
            and parts[0] not in ("", "<not supported>", "<not counted>")
        ):
            counters[parts[2]] = float(parts[0])
    if counters.get("cycles"):
        counters["ipc"] = counters.get("instructions", 0.0) / counters["cycles"]
    return counters


def run_family_process(
    name: str, quick: bool, json_path: Path, perf: bool
) -> tuple[int, dict[str, float] | None]:
    cmd = _family_cmd(name, quick, json_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not perf:
        return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode, None
    with tempfile.NamedTemporaryFile("r", suffix=".perf") as out:
        full = ["perf", "stat", "-x,", "-o", out.name, "-e", ",".join(PERF_EVENTS), *cmd]
        rc = subprocess.run(full, cwd=ROOT, env=env, check=False).returncode
        return rc, parse_perf(Path(out.name).read_text())


def run_callgrind(name: str, json_path: Path) -> int | None:
    """Total instructions executed by the family's quick run under callgrind (None if it failed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            *_family_cmd(name, True, json_path),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        for line in proc.stderr.splitlines():
            if "Collected :" in line:
                return int(line.rsplit(":", 1)[1].strip().replace(",", ""))
    return None


def run_suite(*, quick: bool, out_dir: Path | None = None, callgrind: bool = False) -> int:
    day = _dt.date.today().isoformat()  # the results folder's name, not a measurement
    out = out_dir or ROOT / "bench" / "results" / day
    out.mkdir(parents=True, exist_ok=True)
    perf = perf_available()
    docs: dict[str, dict[str, Any]] = {}
    failed_runs = []
    for name in FAMILIES:
        path = out / f"{name}.json"
        rc, counters = run_family_process(name, quick, path, perf)
        if rc != 0 or not path.exists():
            failed_runs.append(name)
            continue
        doc = json.loads(path.read_text())
        doc["counters"] = (
            counters if counters is not None else "counters unavailable on this machine"
        )
        if callgrind:
            doc["callgrind_instructions"] = run_callgrind(name, out / f"{name}.callgrind.json")
        path.write_text(json.dumps(doc, indent=2) + "\n")
        docs[name] = doc
    verdicts = evaluate(docs, quick=quick)
    write_summary(out / "PERFORMANCE_SUMMARY.md", docs, verdicts, quick=quick, perf=perf)
    write_report(out / "report.html", docs, verdicts, perf=perf)
    for v in verdicts:
        print(v.describe())
    missed = [v for v in verdicts if v.passed is False]
    print(f"wrote {out}/PERFORMANCE_SUMMARY.md and {out}/report.html")
    if failed_runs:
        print(f"FAILED: families that did not run: {', '.join(failed_runs)}", file=sys.stderr)
    if missed:
        print(f"FAILED: {len(missed)} target(s) missed:", file=sys.stderr)
        for v in missed:
            print(f"  {v.describe()}", file=sys.stderr)
    return 1 if (missed or failed_runs) else 0
