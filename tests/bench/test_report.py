"""The benchmark suite's report: targets judged from one file, plots present in Chromium."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.harness import latency_case, throughput_case, time_each  # noqa: E402
from bench.report import write_report, write_summary  # noqa: E402
from bench.suite import parse_perf  # noqa: E402
from bench.targets import evaluate, load_targets  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


def _doc() -> dict[str, object]:
    rng = random.Random(1)
    ours = latency_case("open_rejection", time_each(lambda: rng.random(), 2000, 10))
    peer = dict(ours, p50=ours["p50"] * 4)
    return {
        "family": "breaker",
        "results": [ours, throughput_case("x", "msg", 1000, [0.01, 0.02])],
        "peers": [peer],
        "extra": {"metrics": {"closed_overhead_ratio_vs_pybreaker": 0.3, "concurrent_ratio": 1.01}},
    }


def test_targets_file_is_well_formed() -> None:
    targets = load_targets()
    assert targets
    for t in targets:
        assert t["op"] in ("<=", ">=")
        assert t["gate"] in ("quick", "full")
        assert t["kind"] in ("case", "ratio", "extra")


def test_quick_gate_judges_ratios_only() -> None:
    verdicts = evaluate({"breaker": _doc()}, quick=True)
    assert verdicts
    by_name = {v.name: v for v in verdicts}
    ratio = by_name["OPEN rejection vs pybreaker"]
    assert ratio.value == pytest.approx(0.25)
    assert ratio.passed is True
    assert all(v.passed for v in verdicts)
    # A missed target fails.
    bad = _doc()
    bad["extra"] = {"metrics": {"concurrent_ratio": 3.0}}
    missed = [v for v in evaluate({"breaker": bad}, quick=True) if v.passed is False]
    assert [v.name for v in missed] == ["8 threads x 20 ms calls: with breaker / without"]


def test_perf_parse() -> None:
    text = (
        "1000,,cycles,1,100.00,,\n2500,,instructions,1,100.00,,\n"
        "<not supported>,,cache-misses,0,100,,\n"
    )
    counters = parse_perf(text)
    assert counters["instructions"] == 2500
    assert counters["ipc"] == pytest.approx(2.5)
    assert "cache-misses" not in counters


@pytest.mark.browser
def test_report_renders_with_plots_in_chromium(tmp_path: Path) -> None:
    docs = {"breaker": _doc()}
    verdicts = evaluate(docs, quick=False)
    write_summary(tmp_path / "PERFORMANCE_SUMMARY.md", docs, verdicts, quick=False, perf=False)
    report = tmp_path / "report.html"
    write_report(report, docs, verdicts, perf=False)
    summary = (tmp_path / "PERFORMANCE_SUMMARY.md").read_text()
    assert "| breaker | OPEN rejection vs pybreaker |" in summary
    assert "counters unavailable on this machine" in report.read_text()
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI needs /usr/bin/chromium")
        pytest.skip("no Chromium on this machine")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.goto(report.as_uri())
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
        title = page.title()
        browser.close()
    assert title == "Bot4 benchmark report"
    assert len(widths) == 2  # latency (CDF + histogram) and throughput
    assert all(w > 100 for w in widths)
