"""The README's "Writing a strategy" example runs: its code and its TOML, as a user would use them.

The `spread_quoter.py` and `quoter.toml` blocks are written to a folder, the config is checked
like `bot4 check-config` does (which loads the class from the file beside the config), and the
node runs it on the bundled replay for a few seconds: it must place orders, see bars and not
stop for raising.
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
from typer.testing import CliRunner

from bot4.cli import app
from bot4.config.node import load_node_config, resolve_node_config
from bot4.engine import build_node

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r'```(?P<lang>\w+) title="(?P<title>[^"]+)"\n(?P<body>.*?)\n```', re.DOTALL)


def _blocks() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Writing a strategy", 1)[1].split("\n## ", 1)[0]
    return {m["title"]: m["body"] + "\n" for m in BLOCK.finditer(section)}


def _write(tmp_path: Path) -> Path:
    blocks = _blocks()
    assert set(blocks) == {"spread_quoter.py", "quoter.toml"}, "one example: code and config"
    for name, body in blocks.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path / "quoter.toml"


def test_the_readme_config_passes_check_config(tmp_path: Path) -> None:
    path = _write(tmp_path)
    result = CliRunner().invoke(app, ["check-config", str(path)], env={})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"ok: {path}"


def test_the_misspelt_key_reads_as_the_readme_says(tmp_path: Path) -> None:
    path = _write(tmp_path)
    path.write_text(path.read_text().replace("offset_ticks = 2", "ofset_ticks = 2"))
    problems = resolve_node_config(path, env={}).problems
    assert problems == [
        f"{path}: strategies[0].config.ofset_ticks: unknown key (did you mean offset_ticks?)"
    ]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "strategies[0].config.ofset_ticks: unknown key (did you mean offset_ticks?)" in readme


async def test_the_readme_strategy_trades_on_the_replay(tmp_path: Path) -> None:
    path = _write(tmp_path)
    cfg = load_node_config(path, env={})
    cfg = msgspec.structs.replace(
        cfg,
        replay=msgspec.structs.replace(cfg.replay, pace=8.0),
        data_dir=str(tmp_path / "var"),
    )
    node = build_node(
        cfg, run_dir=tmp_path / "run", api=False, announce=lambda _: None, config_path=path
    )
    assert list(node.strategies) == ["quoter", "mm"]
    await node.run(duration_s=4.0)
    quoter = node.strategies["quoter"]
    assert node.router.failed == {}
    assert node.oms is not None
    orders = [o for o in node.oms.orders.values() if o.strategy_id == "quoter"]
    assert orders, "the example placed no order"
    assert {o.instrument_id for o in orders} <= set(quoter.instruments)
    assert getattr(quoter, "bars_seen", 0) > 0
