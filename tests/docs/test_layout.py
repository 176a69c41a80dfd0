"""The layout drawn in the README and on the architecture page is the tree in src/bot4.

Every package (and every sub-package of a package the drawing opens) is drawn, and everything
drawn exists, so the two drawings cannot drift from the code unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "bot4"


def _drawn(page: Path) -> dict[str, set[str]]:
    """{"": top-level entries, "marketdata": its entries, ...} from the page's layout block."""
    text = page.read_text()
    block = re.search(r"```text\nsrc/bot4/ .*?```", text, re.S)
    assert block is not None, f"{page.name} has no layout block starting with src/bot4/"
    drawn: dict[str, set[str]] = {"": set()}
    parent = ""
    for line in block.group(0).splitlines()[1:-1]:
        m = re.match(r"^( {2}| {4})\S", line)
        if m is None:
            continue
        indent = len(m.group(1))
        names = re.split(r"\s{2,}", line.strip())[0]  # "a/, b.py, c/" before the description
        for name in names.split(","):
            name = name.strip()
            if not name:
                continue
            if indent == 2:
                drawn[""].add(name)
                parent = name.rstrip("/")
            else:
                drawn.setdefault(parent, set()).add(name)
    return drawn


def _entries(folder: Path) -> set[str]:
    out = set()
    for p in folder.iterdir():
        if p.is_dir() and ((p / "__init__.py").is_file() or p.name == "data"):
            out.add(p.name + "/")
        elif p.suffix == ".py" and p.name != "__init__.py" and not p.name.startswith("_"):
            out.add(p.name)
    return out


@pytest.mark.parametrize("page", ["README.md", "docs/architecture.md"])
def test_the_drawn_layout_is_the_tree(page: str) -> None:
    drawn = _drawn(ROOT / page)
    top = _entries(SRC)
    assert {e for e in top if e.endswith("/")} <= drawn[""], "every package is drawn"
    for name in drawn[""]:
        assert (SRC / name).exists(), f"{page} draws {name}, which is not in src/bot4"
    for parent, names in drawn.items():
        if not parent:
            continue
        packages = {e for e in _entries(SRC / parent) if e.endswith("/")}
        assert packages <= names, f"{page}: every sub-package of {parent}/ is drawn"
        for name in names:
            assert (SRC / parent / name).exists(), f"{page} draws {parent}/{name}: not there"
