"""`bot4 new-strategy`: the template and its test are written, and the test passes as generated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bot4.cli import app
from bot4.commands.new_strategy import class_name, strategy_template, template_of_test

runner = CliRunner()


def test_the_generated_test_runs_the_generated_strategy(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    result = runner.invoke(app, ["new-strategy", "grid_bot", "--dir", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "grid_bot.py").read_text() == strategy_template("grid_bot")
    assert (out / "test_grid_bot.py").read_text() == template_of_test("grid_bot")
    assert 'class = "' in result.output and "grid_bot.py:GridBot" in result.output
    # As a user runs it: pytest on the file, from its own folder, in a fresh interpreter.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "test_grid_bot.py"],
        cwd=out, capture_output=True, text=True, timeout=240, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_every_hook_is_in_the_template_with_a_comment() -> None:
    text = strategy_template("x")
    for hook in ("on_start", "on_book", "on_trade", "on_bar", "on_order_event", "on_stop"):
        body = text.split(f"def {hook}(", 1)[1]
        assert body.split("\n", 2)[1].strip().startswith("# "), hook
    assert "class XConfig(msgspec.Struct" in text and "forbid_unknown_fields=True" in text
    assert "self.submit_limit(" in text.split("def on_book(", 1)[1].split("def ", 1)[0]


def test_refusals(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new-strategy", "not-a-name", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "not a Python identifier" in result.output
    assert runner.invoke(app, ["new-strategy", "class", "--dir", str(tmp_path)]).exit_code == 2
    assert runner.invoke(app, ["new-strategy", "s", "--dir", str(tmp_path)]).exit_code == 0
    again = runner.invoke(app, ["new-strategy", "s", "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "exists; pass --force" in again.output
    assert (
        runner.invoke(app, ["new-strategy", "s", "--dir", str(tmp_path), "--force"]).exit_code == 0
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    cannot = runner.invoke(app, ["new-strategy", "s", "--dir", str(blocker / "sub")])
    assert cannot.exit_code == 1 and "cannot write in" in cannot.output


def test_class_names() -> None:
    assert [class_name(n) for n in ("grid_bot", "mm", "_x", "__")] == [
        "GridBot",
        "Mm",
        "X",
        "Strategy",
    ]
