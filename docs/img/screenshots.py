"""Make the pictures the README shows: the dashboard of a running node, a run's report, and a
backtest's report (`--only backtest` makes just that one).

Run from the repository root after `make env` (needs Debian's `chromium`):
`.venv/bin/python docs/img/screenshots.py`. It starts `bot4 run` on the bundled replay in a
temporary directory with a known token, screenshots the dashboard mid-run, waits for the run to
end and screenshots the `report.html` it wrote. Not run by the tests: the pictures are committed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img"
PORT = 18787
TOKEN = "docs-screenshot-token"  # noqa: S105 - a throwaway token for a loopback-only run


def backtest() -> int:
    """`bot4 backtest` of the sample strategies on the bundled session, and its report.html."""
    with tempfile.TemporaryDirectory() as tmp:
        data = ROOT / "src" / "bot4" / "data" / "binance_default"
        code = subprocess.call(  # noqa: S603 - our own bot4, fixed arguments
            [str(ROOT / ".venv/bin/bot4"), "backtest", "--data", str(data), "--out", tmp]
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1000, "height": 1100})
            page.goto(Path(tmp, "report.html").as_uri())
            page.screenshot(path=str(OUT / "backtest.png"), full_page=False)
            browser.close()
    return code


def main() -> int:
    if sys.argv[1:] == ["--only", "backtest"]:
        return backtest()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BOT4_API_TOKEN": TOKEN}
        node = subprocess.Popen(  # noqa: S603 - our own bot4, fixed arguments
            [
                str(ROOT / ".venv/bin/bot4"),
                "run",
                "--duration",
                "30",
                "--no-tui",
                "--api-port",
                str(PORT),
            ],
            cwd=tmp,
            env=env,
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            deadline = time.monotonic() + 30
            while True:  # the API comes up a moment after the process starts
                try:
                    page.goto(f"http://127.0.0.1:{PORT}/dashboard?token={TOKEN}")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            page.wait_for_timeout(15_000)  # let fills, positions and the PnL chart build up
            page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
            node.wait(timeout=120)
            report = next(Path(tmp, "runs").glob("*/report.html"))
            page.set_viewport_size({"width": 880, "height": 1000})  # the report is narrow
            page.goto(report.as_uri())
            page.screenshot(path=str(OUT / "report.png"), full_page=False)
            browser.close()
    return node.returncode or backtest()


if __name__ == "__main__":
    sys.exit(main())
