"""The README's links into docs/ resolve, and it leads to every page of the site.

Links between the pages of docs/ are checked by `mkdocs build --strict` (make docs, make test);
the README is outside the site, so its links are checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# [text](target) and ![alt](target); the target up to the first space or closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)[^)]*\)")
FENCE = re.compile(r"^ *```")
MAX_PICTURE_BYTES = 300_000


def prose(text: str) -> str:
    """`text` without its fenced code blocks (a link-like string in code is not a link)."""
    kept: list[str] = []
    in_code = False
    for line in text.splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code:
            kept.append(line)
    return "\n".join(kept)


def local_targets(page: Path) -> list[str]:
    targets = [m["target"] for m in LINK.finditer(prose(page.read_text(encoding="utf-8")))]
    return [t for t in targets if not re.match(r"^[a-z]+:", t) and not t.startswith("#")]


def test_readme_links_resolve() -> None:
    targets = local_targets(README)
    assert targets, "the README links into docs/"
    missing = [t for t in targets if not (ROOT / t.split("#", 1)[0]).is_file()]
    assert not missing, f"README links to files that do not exist: {missing}"


def test_readme_leads_to_every_docs_page() -> None:
    linked = {(ROOT / t.split("#", 1)[0]).resolve() for t in local_targets(README)}
    pages = {p.resolve() for p in (ROOT / "docs").rglob("*.md")}
    unlinked = sorted(str(p.relative_to(ROOT)) for p in pages - linked)
    assert not unlinked, f"pages the README does not link to: {unlinked}"


def test_readme_shows_the_dashboard_and_the_report() -> None:
    pictures = [t for t in local_targets(README) if t.endswith(".png")]
    assert pictures == ["docs/img/dashboard.png", "docs/img/report.png", "docs/img/backtest.png"]


def test_pictures_are_small() -> None:
    pictures = sorted((ROOT / "docs" / "img").glob("*.png"))
    assert pictures
    for picture in pictures:
        size = picture.stat().st_size
        assert size < MAX_PICTURE_BYTES, f"{picture.name}: {size} bytes"
