"""Checks family results against bench/targets.toml; returns the verdict per target."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGETS = Path(__file__).with_name("targets.toml")


@dataclass(frozen=True)
class Verdict:
    family: str
    name: str
    metric: str
    op: str
    bound: float
    value: float | None  # None: not measured in this run
    peer: float | None  # the peer's value for ratio targets
    passed: bool | None  # None: not measured, so not judged

    def describe(self) -> str:
        status = {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]
        val = "not measured" if self.value is None else f"{self.value:,.3f}"
        return f"[{status}] {self.family}: {self.name}: {val} (target {self.op} {self.bound:,})"


def load_targets(path: Path = TARGETS) -> list[dict[str, Any]]:
    return list(tomllib.loads(path.read_text()).get("target", []))


def _case(cases: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((c for c in cases if c.get("case") == name), None)


def evaluate(
    docs: dict[str, dict[str, Any]], *, quick: bool, targets: list[dict[str, Any]] | None = None
) -> list[Verdict]:
    """Judge every target whose family ran; under `quick`, only gate = "quick" targets."""
    out = []
    for t in load_targets() if targets is None else targets:
        if quick and t.get("gate") != "quick":
            continue
        doc = docs.get(t["family"])
        if doc is None:
            continue
        bound = float(t.get("quick_bound", t["bound"]) if quick else t["bound"])
        value, peer = _measure(doc, t)
        passed = None
        if value is not None:
            passed = value <= bound if t["op"] == "<=" else value >= bound
        out.append(
            Verdict(t["family"], t["name"], t["metric"], t["op"], bound, value, peer, passed)
        )
    return out


def _measure(doc: dict[str, Any], t: dict[str, Any]) -> tuple[float | None, float | None]:
    kind, metric = t["kind"], t["metric"]
    if kind == "extra":
        # bench.runner writes a family's extras at the top level (write_json(**extra)); an
        # older layout nested them under "extra". Accept both.
        extras = doc.get("extra", doc)
        v = extras.get("metrics", {}).get(metric)
        return (None if v is None else float(v)), None
    ours = _case(doc.get("results", []), t["case"])
    ours_v = None if ours is None else ours.get(metric)
    if kind == "case":
        return (None if ours_v is None else float(ours_v)), None
    peer = _case(doc.get("peers", []), t["case"])
    peer_v = None if peer is None else peer.get(metric)
    if ours_v is None or not peer_v:
        return None, None
    return float(ours_v) / float(peer_v), float(peer_v)
