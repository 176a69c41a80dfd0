"""PERFORMANCE_SUMMARY.md and a self-contained report.html (plots embedded as PNG data URIs)."""

from __future__ import annotations

import base64
import html
import io
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.harness import machine
from bench.targets import Verdict

PACKAGES = ["bot4", "msgspec", "numpy", "picows", "asyncpg", "pybreaker", "hdrhistogram"]

# Where the cyclic GC is off: only in the loopback WebSocket case and the storage throughput
# loops; everything else runs with it on, as the node does (bench/marketdata.py: the feed
# cases and their peer alike), so its pauses are in the figures.
_GC_NOTE = (
    "GC: on in the risk, pipeline and breaker timed sections and in the market-data feed cases"
    " (ours and cryptofeed's), as in the node; off in the loopback WebSocket case and the"
    " storage throughput loops."
)


def _versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"


def write_summary(
    path: Path, docs: dict[str, dict[str, Any]], verdicts: list[Verdict], *, quick: bool, perf: bool
) -> None:
    m = machine()
    day = path.parent.name
    lines = [
        "# Bot4 performance summary",
        "",
        f"Run: {day}{' (quick)' if quick else ''}. Machine: {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']}, {m['platform']}.",
        f"Python speed of this machine at report time: `sum(range(1000))` takes"
        f" {m['calibration_us']} µs (best of 5; compare runs of different days by it).",
        "Hardware counters: "
        + ("perf stat" if perf else "counters unavailable on this machine")
        + ".",
        _GC_NOTE + " Workloads use a fixed seed.",
        "",
        "| family | target | measured | peer (same run) | bound | result |",
        "|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        status = {True: "pass", False: "**FAIL**", None: "not measured"}[v.passed]
        lines.append(
            f"| {v.family} | {v.name} | {_fmt(v.value)} | {_fmt(v.peer)} | {v.op} {v.bound:,} | {status} |"
        )
    lines += [
        "",
        "## Cases",
        "",
        "| family | side | case | unit | samples | p50 | p99 | p99.9 | per s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for fam, doc in docs.items():
        for side, key in (("bot4", "results"), ("peer", "peers")):
            for c in doc.get(key, []):
                lines.append(
                    f"| {fam} | {side} | {c['case']} | {c['unit']} | {c['samples']:,} | {_fmt(c['p50'])} | "
                    f"{_fmt(c['p99'])} | {_fmt(c['p999'])} | {_fmt(c['throughput_per_s'])} |"
                )
    path.write_text("\n".join(lines) + "\n")


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _family_plots(doc: dict[str, Any]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = []
    latency = [
        (s, c)
        for s, k in (("bot4", "results"), ("peer", "peers"))
        for c in doc.get(k, [])
        if c.get("cdf")
    ]
    if latency:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
        for side, c in latency:
            pts = [(p, v) for p, v in c["cdf"] if p < 100]
            ax1.plot(
                [1 / (1 - p / 100) for p, _ in pts],
                [v for _, v in pts],
                label=f"{side}: {c['case']}",
            )
            buckets = [b for b in c.get("hist", []) if b[1] > 0]
            if buckets:
                ax2.step(
                    [b[0] for b in buckets],
                    [b[1] for b in buckets],
                    where="pre",
                    label=f"{side}: {c['case']}",
                )
        ax1.set_xscale("log")
        ax1.set_yscale("log")
        ax1.set_xticks([2, 10, 100, 1000, 10000])
        ax1.set_xticklabels(["p50", "p90", "p99", "p99.9", "p99.99"])
        ax1.set_ylabel("latency (ns)")
        ax1.set_title("latency by percentile")
        ax1.legend(fontsize=7)
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel("latency (ns)")
        ax2.set_ylabel("samples")
        ax2.set_title("latency histogram")
        ax2.legend(fontsize=7)
        plots.append(("latency", _png(fig)))
        plt.close(fig)
    tput = [
        (s, c)
        for s, k in (("bot4", "results"), ("peer", "peers"))
        for c in doc.get(k, [])
        if c.get("throughput_per_s")
    ]
    if tput:
        fig, ax = plt.subplots(figsize=(10, 0.4 * len(tput) + 1.5))
        labels = [f"{s}: {c['case']}" for s, c in tput]
        ax.barh(
            labels,
            [c["throughput_per_s"] for _, c in tput],
            color=["#2a7" if s == "bot4" else "#c73" for s, _ in tput],
        )
        ax.set_xscale("log")
        ax.set_xlabel("per second (log)")
        ax.set_title("throughput, Bot4 vs peers")
        plots.append(("throughput", _png(fig)))
        plt.close(fig)
    return plots


def write_report(
    path: Path, docs: dict[str, dict[str, Any]], verdicts: list[Verdict], *, perf: bool
) -> None:
    m = machine()
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Bot4 benchmark report</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}.fail{color:#b00;font-weight:bold}"
        "img{max-width:100%}</style></head><body>",
        "<h1>Bot4 benchmark report</h1>",
        f"<p>{esc(path.parent.name)} — {esc(str(m['cpu']))}, {m['cores']} cores, Python {esc(platform.python_version())}, "
        f"{esc(str(m['platform']))}. Packages: {esc(', '.join(f'{k} {v}' for k, v in _versions().items()))}.</p>",
        f"<p>{esc(_GC_NOTE)} Fixed seeds; throughput is the median of repeats. Hardware counters: "
        + ("collected with perf stat." if perf else "counters unavailable on this machine.")
        + "</p>",
        "<h2>Targets</h2><table><tr><th>family</th><th>target</th><th>measured</th><th>peer</th><th>bound</th><th>result</th></tr>",
    ]
    for v in verdicts:
        cls = " class='fail'" if v.passed is False else ""
        res = {True: "pass", False: "FAIL", None: "not measured"}[v.passed]
        parts.append(
            f"<tr><td>{esc(v.family)}</td><td>{esc(v.name)}</td><td>{_fmt(v.value)}</td><td>{_fmt(v.peer)}</td>"
            f"<td>{esc(v.op)} {v.bound:,}</td><td{cls}>{res}</td></tr>"
        )
    parts.append("</table>")
    for fam, doc in docs.items():
        parts.append(f"<h2>{esc(fam)}</h2>")
        counters = doc.get("counters")
        if isinstance(counters, dict) and counters:
            parts.append(
                "<p>counters: "
                + esc(", ".join(f"{k}={v:,.2f}" for k, v in counters.items()))
                + "</p>"
            )
        else:
            parts.append("<p>counters unavailable on this machine</p>")
        if doc.get("callgrind_instructions"):
            parts.append(
                f"<p>callgrind instructions (quick run): {doc['callgrind_instructions']:,}</p>"
            )
        note = doc.get("extra", {}).get("notes")
        if note:
            parts.append(f"<p>{esc(str(note))}</p>")
        for title, uri in _family_plots(doc):
            parts.append(f"<h3>{esc(title)}</h3><img alt='{esc(fam)} {esc(title)}' src='{uri}'>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts))
