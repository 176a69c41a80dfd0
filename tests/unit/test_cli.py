from __future__ import annotations

from typer.testing import CliRunner

from bot4 import __version__
from bot4.cli import app

runner = CliRunner()


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "bench" in result.stdout
