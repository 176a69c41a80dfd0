"""Every command the docs show is run, and every config they show is checked.

The convention (docs/development.md, "The documentation"):
- a line starting with `$ ` in a ```console block is a command (a trailing `\\` continues it on
  the next line); the block's other lines are its output and are not compared. A command must
  exit 0, or N when its line ends with `# exit N`;
- a ```toml block with `title="NAME"` is a file, written before the page's commands run; every
  TOML block must parse, and every file named `bot4*.toml` must pass `bot4 check-config`;
- shell commands live only in ```console blocks (a ```bash block would escape this test).

Each page's commands run in order (later ones use earlier ones' files) in a fresh directory that
looks like a checkout (the repository's top-level entries linked in), with `.venv/bin` first on
PATH. Commands that cannot run whole inside the suite are rewritten by SUBSTITUTIONS, each with
its reason; pages that talk to a running node get one (`bot4 run` on the bundled replay).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot4.cli import app

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")))

COMMAND_TIMEOUT_S = 120.0  # the longest shown command, `bot4 run --duration 5`, takes ~10 s
NODE_START_TIMEOUT_S = 60.0
NODE_STOP_TIMEOUT_S = 60.0

# The explicit, short list of rewrites: (pattern on the whole command, replacement, reason).
SUBSTITUTIONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"^make (.*)$"),
        r"make -n \1",
        "every make target first syncs .venv with uv, which must not change under the running "
        "suite (run from the test's directory, it would also point .venv's scripts there), "
        "and `run` (60 s), `bench` (minutes), `soak` (10 min) and `test` (the suite, this "
        "test included) cannot run inside it: the dry run checks the target exists and its "
        "recipe expands. The recipes run elsewhere: `make test` runs every gate itself.",
    ),
    (
        re.compile(r"^(bot4 record\b.*)$"),
        r"\1 --help",
        "records from the exchange's live endpoints, which CI cannot reach (its tests record "
        "from the local replay server); --help still rejects an unknown option",
    ),
)

# The environment every command runs in, beyond PATH: (name, value, reason).
ENVIRONMENT: tuple[tuple[str, str, str], ...] = (
    ("BOT4__API__PORT", "0", "a node's API takes any free port, not 8787 (another may hold it)"),
    ("NO_MKDOCS_2_WARNING", "1", "mkdocs-material's end-of-life banner, noise in the output"),
)

# A command that needs a running node: the page gets one for its commands.
NEEDS_NODE = re.compile(r"^(bot4 (status|kill|reset-kill)\b|curl\b.*127\.0\.0\.1:8787)")
DEFAULT_API = "127.0.0.1:8787"  # what the docs show; the test's node is on a free port instead

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,})(?P<lang>[\w-]*)(?P<attrs>.*)$")
TITLE = re.compile(r'title="(?P<title>[^"]+)"')
EXPECT = re.compile(r"\s#\s*exit (?P<code>\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    title: str | None
    body: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True, slots=True)
class Command:
    """One `$ ` command of a console block, as shown (continuations joined)."""

    where: str
    text: str
    expect: int


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of `page`, in order (indented fences in lists included)."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (
            lines[j].startswith(indent + fence) and not lines[j].strip().strip("`")
        ):
            body.append(lines[j].removeprefix(indent))
            j += 1
        assert j < len(lines), f"{page.relative_to(ROOT)}:{i + 1}: unclosed code fence"
        title = TITLE.search(opening["attrs"])
        found.append(
            Block(page, i + 1, opening["lang"], title["title"] if title else None, tuple(body))
        )
        i = j + 1
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a console block; lines that are not commands are output."""
    out: list[Command] = []
    body = list(block.body)
    k = 0
    while k < len(body):
        line = body[k]
        k += 1
        if not line.startswith("$ "):
            continue
        where = f"{block.page.relative_to(ROOT)}:{block.line + k}"
        text = line[2:]
        while text.endswith("\\") and k < len(body):
            text += "\n" + body[k]
            k += 1
        expect = EXPECT.search(text)
        out.append(
            Command(
                where,
                EXPECT.sub("", text).rstrip(),
                int(expect["code"]) if expect else 0,
            )
        )
    return out


def substitute(text: str) -> str:
    """The command the test runs for the one the docs show (itself unless listed above)."""
    for pattern, replacement, _reason in SUBSTITUTIONS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


def all_blocks() -> list[Block]:
    return [b for page in PAGES for b in blocks(page)]


def page_commands(page: Path) -> list[Command]:
    return [c for b in blocks(page) if b.lang == "console" for c in commands(b)]


def checkout_like(tmp: Path) -> Path:
    """A fresh directory with the repository's top-level entries linked in, so documented
    paths (`src/bot4/data/...`, `Makefile`) resolve while whatever a command writes (runs/,
    var/, out.json) stays in the temporary directory."""
    work = tmp / "checkout"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", "runs", "var", "site", ".bench-quick"}:
            (work / entry.name).symlink_to(entry)
    return work


def environment(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BOT4_") or k == "BOT4_PURE_PYTHON"  # no token, URL or override
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update({name: value for name, value, _reason in ENVIRONMENT})
    env.update(extra)
    return env


class Node:
    """`bot4 run` on the bundled replay, in the page's directory, for commands that need one."""

    def __init__(self, cwd: Path) -> None:
        self._proc = subprocess.Popen(
            [str(BIN / "bot4"), "run", "--no-tui", "--duration", "600"],
            cwd=cwd,
            # A quarter of the recorded pace: the 60 s replay lasts 4 minutes, so the node is
            # still trading when a loaded machine runs the page's last command.
            env=environment(BOT4__REPLAY__PACE="0.25"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self.port: int | None = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        # The token file is written, and announced, after the dashboard URL.
        started = self._ready.wait(NODE_START_TIMEOUT_S)
        assert started and self.port is not None, "node did not start:\n" + "".join(self.output)

    def _read(self) -> None:
        # Drains the node's output to the end, so a full pipe never blocks it.
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.output.append(line)
            url = re.search(r"dashboard: http://127\.0\.0\.1:(\d+)/", line)
            if url:
                self.port = int(url[1])
            if line.startswith("API token written to"):
                self._ready.set()
        self._ready.set()  # the node exited: the waiter sees no port

    def stop(self) -> int:
        """Ctrl-C, as an operator stops it; its exit status."""
        self._proc.send_signal(signal.SIGINT)
        try:
            return self._proc.wait(NODE_STOP_TIMEOUT_S)
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._reader.join(NODE_STOP_TIMEOUT_S)


def run(command: Command, cwd: Path, env: dict[str, str], port: int | None) -> str:
    """Run one command as the test runs it; returns a failure message, or "" when it passed."""
    text = substitute(command.text)
    if port is not None:
        text = text.replace(DEFAULT_API, f"127.0.0.1:{port}")
    try:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", text],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{command.where}: `{text}` still running after {COMMAND_TIMEOUT_S} s"
    if done.returncode == command.expect:
        return ""
    return (
        f"{command.where}: `{text}` exited {done.returncode}, the docs say {command.expect}\n"
        f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[Path]:
    yield checkout_like(tmp_path)


@pytest.mark.parametrize(
    "page",
    [p for p in PAGES if page_commands(p)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_command_of_the_page_runs(page: Path, checkout: Path) -> None:
    for block in blocks(page):
        if block.lang == "toml" and block.title is not None:
            (checkout / block.title).write_text("\n".join(block.body) + "\n", encoding="utf-8")
    cmds = page_commands(page)
    node = Node(checkout) if any(NEEDS_NODE.match(c.text) for c in cmds) else None
    try:
        env = environment()
        if node is not None:
            env["BOT4_API_URL"] = f"http://127.0.0.1:{node.port}"
        failures = [f for c in cmds if (f := run(c, checkout, env, node and node.port))]
    finally:
        stopped = node.stop() if node is not None else 0
    assert not failures, "\n\n".join(failures)
    assert stopped == 0, "the page's node did not stop cleanly:\n" + "".join(node.output[-40:])


def test_commands_are_found() -> None:
    # The parser itself: the README's two commands and a continued one in market data.
    readme = [c.text for c in page_commands(ROOT / "README.md")]
    assert readme[:2] == ["make run", "make test"]
    replay = [c for c in page_commands(ROOT / "docs/market-data.md") if "replay" in c.text]
    assert replay and "--verify --json out.json" in replay[0].text
    assert "\\\n" in replay[0].text
    expected = [c for p in PAGES for c in page_commands(p) if c.expect != 0]
    assert expected and all(c.expect == 2 for c in expected)


def test_every_substitution_is_used() -> None:
    # A substitution nothing needs any more is dropped, so the list stays short and true.
    shown = [c.text for p in PAGES for c in page_commands(p)]
    for pattern, _replacement, reason in SUBSTITUTIONS:
        assert any(pattern.match(t) for t in shown), f"unused substitution: {reason}"
    assert substitute("make test") == "make -n test"
    assert substitute('make unit PYTEST_ARGS="a -q"') == 'make -n unit PYTEST_ARGS="a -q"'
    assert substitute("bot4 record --exchange binance --symbols BTCUSDT --out r/") == (
        "bot4 record --exchange binance --symbols BTCUSDT --out r/ --help"
    )


def test_shell_commands_live_only_in_console_blocks() -> None:
    shell = [b.where for b in all_blocks() if b.lang in {"bash", "sh", "shell", "zsh", ""}]
    assert not shell, f"use ```console with `$ ` prompts (or ```text for output): {shell}"


@pytest.mark.parametrize(
    "block",
    [b for b in all_blocks() if b.lang == "toml"],
    ids=lambda b: b.where,
)
def test_toml_block_parses(block: Block) -> None:
    parsed = tomllib.loads("\n".join(block.body))
    assert parsed, f"{block.where}: an empty TOML block"


@pytest.mark.parametrize(
    "block",
    [b for b in all_blocks() if b.lang == "toml" and (b.title or "").startswith("bot4")],
    ids=lambda b: b.where,
)
def test_config_example_passes_check_config(block: Block, tmp_path: Path) -> None:
    # In-process (the same typer app as the `bot4` script): one import for every example
    # instead of a CLI start-up each.
    assert block.title is not None
    path = tmp_path / block.title
    path.write_text("\n".join(block.body) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check-config", str(path)], env=environment())
    assert result.exit_code == 0, f"{block.where}: {result.output}"
    assert result.output.strip() == f"ok: {path}"
