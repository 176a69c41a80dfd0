"""The package graph: no cycles, no upward imports, no reaching into another package's privates.

Every module under src/bot4 is parsed with `ast` (not imported), so imports inside functions,
under `if TYPE_CHECKING:` and via `importlib.import_module("bot4....")` all count: a lazy import
is still a dependency, and a type-only one still ties the packages' designs together.

A fresh interpreter then imports the pure core and must not load the event loop, sockets or
numpy: the core is meant to be usable (and fast to start) without the shell.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

import bot4

SRC = Path(bot4.__file__).resolve().parent  # src/bot4

# The declared layer order, lowest first. A package may import only packages on lower levels;
# packages on the same level may not import each other. bot4/__init__.py and bot4/cli.py are the
# top ("cli"). errors is below clock: TestClock raises ClockError from the tree.
LAYERS: list[set[str]] = [
    {"errors", "bot4"},  # "bot4": the package itself, which holds only its version
    {"clock"},
    {"model"},
    {"resilience"},
    {"marketdata"},
    {"risk"},
    {"venues"},
    {"oms"},
    {"storage"},
    {"api"},
    {"notify"},  # notifications: uses resilience, risk and model; the engine feeds it
    {"engine"},
    {"backtest"},
    {"config"},
    {"commands"},
    {"cli"},
]
LEVEL = {pkg: level for level, pkgs in enumerate(LAYERS) for pkg in pkgs}

# What the pure core must not load when imported, and the imports that are the pure core.
HEAVY = ("asyncio", "socket", "picows", "numpy")
PURE_IMPORTS = [
    "import bot4.model",
    "import bot4.oms",
    "import bot4.venues",
    "import bot4.risk",
    "import bot4.marketdata; bot4.marketdata.OrderBook",
]


class Edge(NamedTuple):
    """One import statement: who imports what, and where it is written."""

    source: str  # importing module, dotted ("bot4.oms._manager")
    target: str  # imported module, dotted ("bot4.risk")
    where: str  # "src/bot4/oms/_manager.py:61"

    def __str__(self) -> str:
        return f"{self.where}: {self.source} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    """bot4.<pkg>.… -> pkg; bot4 itself is "bot4" (its version only) and bot4.cli is "cli"."""
    parts = module.split(".")
    return "bot4" if len(parts) == 1 else parts[1]


def is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _resolve_from(module: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path) -> Iterator[Edge]:
    """Every bot4 module that `path` imports, wherever the import statement sits."""
    module = module_name(path)
    is_pkg = path.name == "__init__.py"
    rel = path.relative_to(SRC.parent.parent) if SRC.parent.name == "src" else path
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(module, is_pkg, node)
            for alias in node.names:
                # `from bot4.api import _control` imports the module bot4.api._control.
                sub = f"{base}.{alias.name}"
                targets.append(sub if is_module(sub) else base)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "import_module" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    targets = [arg.value]
        for target in targets:
            if target == "bot4" or target.startswith("bot4."):
                yield Edge(module, target, where)


def all_edges() -> list[Edge]:
    # One edge per (module, target, line): `from x import a, b` is one import of x.
    edges = {edge for path in sorted(SRC.rglob("*.py")) for edge in imports_of(path)}
    return sorted(edges, key=lambda e: (e.where.rsplit(":", 1)[0], int(e.where.rsplit(":", 1)[1])))


def cross_package(edges: list[Edge]) -> list[Edge]:
    return [e for e in edges if package_of(e.source) != package_of(e.target)]


def package_cycles(edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components of the package graph with more than one package."""
    graph: dict[str, set[str]] = defaultdict(set)
    for e in cross_package(edges):
        graph[package_of(e.source)].add(package_of(e.target))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan; the graph has ~12 nodes, recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _report(title: str, edges: list[Edge]) -> str:
    return "\n".join([f"{title} ({len(edges)}):", *(f"  {e}" for e in edges)])


def test_every_package_has_a_declared_layer() -> None:
    packages = {package_of(module_name(p)) for p in SRC.rglob("*.py")}
    assert packages - set(LEVEL) == set(), "declare the new package's layer in LAYERS"


def test_no_cycle_between_packages() -> None:
    edges = all_edges()
    cycles = package_cycles(edges)
    culprits = [
        e
        for e in cross_package(edges)
        for cycle in cycles
        if package_of(e.source) in cycle and package_of(e.target) in cycle
    ]
    assert not cycles, f"package cycles {cycles}\n" + _report("imports in the cycles", culprits)


def test_no_upward_or_sideways_import() -> None:
    bad = [
        e
        for e in cross_package(all_edges())
        if LEVEL[package_of(e.target)] >= LEVEL[package_of(e.source)]
    ]
    assert not bad, _report(
        "imports against the layer order (lowest first: "
        + " < ".join("/".join(sorted(s)) for s in LAYERS)
        + ")",
        bad,
    )


def test_no_private_module_of_another_package() -> None:
    bad = [
        e
        for e in cross_package(all_edges())
        if any(part.startswith("_") for part in e.target.split(".")[2:])
    ]
    assert not bad, _report("imports of another package's private modules", bad)


@pytest.mark.parametrize("code", PURE_IMPORTS)
def test_the_pure_core_loads_no_event_loop_socket_or_numpy(code: str) -> None:
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded = json.loads(out.splitlines()[-1])
    assert loaded == [], f"`{code}` loads {loaded}; see `python -X importtime -c '{code}'`"


# The checker checks itself on small made-up trees, so a bug in it cannot hide a real violation.


def test_package_of_maps_modules_to_their_layer() -> None:
    assert package_of("bot4") == "bot4"
    assert package_of("bot4.cli") == "cli"
    assert package_of("bot4.clock") == "clock"
    assert package_of("bot4.marketdata.feeds._base") == "marketdata"


def test_imports_inside_functions_type_checking_and_import_module_are_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "bot4"
    (root / "oms").mkdir(parents=True)
    (root / "api").mkdir()
    (root / "api" / "__init__.py").write_text("")
    (root / "api" / "_control.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "oms" / "__init__.py").write_text("from . import _x\nfrom .. import api\n")
    src = (
        "from typing import TYPE_CHECKING\n"
        "import importlib\n"
        "if TYPE_CHECKING:\n"
        "    from bot4.venues import Venue\n"
        "def f():\n"
        "    from bot4.api import _control\n"
        "    importlib.import_module('bot4.engine')\n"
    )
    (root / "oms" / "_x.py").write_text(src)
    monkeypatch.setattr(sys.modules[__name__], "SRC", root)
    edges = {(e.source, e.target, e.where.rsplit(":", 1)[1]) for e in all_edges()}
    assert edges == {
        ("bot4.oms", "bot4.oms._x", "1"),
        ("bot4.oms", "bot4.api", "2"),
        ("bot4.oms._x", "bot4.venues", "4"),
        ("bot4.oms._x", "bot4.api._control", "6"),
        ("bot4.oms._x", "bot4.engine", "7"),
    }


def test_cycles_are_found_and_acyclic_graphs_pass() -> None:
    def edge(a: str, b: str) -> Edge:
        return Edge(f"bot4.{a}", f"bot4.{b}", "x.py:1")

    assert package_cycles([edge("oms", "venues"), edge("venues", "oms._events")]) == [
        ["oms", "venues"]
    ]
    assert package_cycles([edge("oms", "venues"), edge("venues", "model")]) == []
    assert package_cycles([edge("a", "b"), edge("b", "c"), edge("c", "a")]) == [["a", "b", "c"]]


def test_the_version_is_read_lazily_and_other_names_are_unknown() -> None:
    assert bot4.__version__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        bot4.nope  # noqa: B018
