#!/usr/bin/env python3
"""The no-fakes gate: fails on placeholders in src/ and on tests that assert nothing.

Fails on:
- `NotImplementedError`, and TODO / FIXME / XXX markers, anywhere in src/;
- a function in src/ whose whole body is `pass`, `...` or a lone docstring, unless it sits in a
  Protocol, is an abstract method, or is a base-class hook named in ALLOWED_HOOKS with a reason;
- a test function (tests/**/test_*.py or *_test.py, `test_*`) with no `assert`, `pytest.raises`,
  `pytest.warns` or call of a helper named `assert_*` / `check_*`;
- `# pragma: no cover` without a reason on the same line (the count is printed).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
TESTS = ROOT / "tests"

# Base-class hooks whose empty body is the point: subclasses override what they need.
# "qualified name": "reason"
ALLOWED_HOOKS: dict[str, str] = {
    "Strategy.on_start": "strategy hook: a strategy overrides only the events it cares about",
    "Strategy.on_stop": "strategy hook: a strategy overrides only the events it cares about",
    "Strategy.on_trade": "strategy hook: a strategy overrides only the events it cares about",
    "Strategy.on_book": "strategy hook: a strategy overrides only the events it cares about",
    "Strategy.on_bar": "strategy hook: a strategy overrides only the events it cares about",
    "Strategy.on_order_event": "strategy hook: a strategy overrides only the events it cares about",
}

MARKERS = re.compile(r"\b(TODO|FIXME|XXX)\b")
PRAGMA = re.compile(r"#\s*pragma:\s*no cover(.*)$")


def _is_trivial(body: list[ast.stmt]) -> bool:
    stmts = list(body)
    first = stmts[0] if stmts else None
    value = first.value if isinstance(first, ast.Expr) else None
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        stmts = stmts[1:]
    if not stmts:
        return True  # a lone docstring
    if len(stmts) != 1:
        return False
    s = stmts[0]
    if isinstance(s, ast.Pass):
        return True
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is ...


def _decorator_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Attribute):
            names.add(target.attr)
        elif isinstance(target, ast.Name):
            names.add(target.id)
    return names


def _is_protocol(cls: ast.ClassDef) -> bool:
    for base in cls.bases:
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
        if isinstance(base, ast.Subscript):
            v = base.value
            name = v.attr if isinstance(v, ast.Attribute) else getattr(v, "id", "")
        if name == "Protocol":
            return True
    return False


def check_src(problems: list[str]) -> int:
    pragmas = 0
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(ROOT)
        text = path.read_text()
        for no, line in enumerate(text.splitlines(), 1):
            if "NotImplementedError" in line:
                problems.append(f"{rel}:{no}: NotImplementedError")
            if MARKERS.search(line):
                problems.append(f"{rel}:{no}: placeholder marker: {line.strip()}")
            m = PRAGMA.search(line)
            if m:
                pragmas += 1
                reason = m.group(1).strip(" -:—")
                if len(reason) < 8:
                    problems.append(
                        f"{rel}:{no}: '# pragma: no cover' needs its reason on the line"
                    )
        tree = ast.parse(text, filename=str(rel))
        _walk(tree, [], rel, problems)
    return pragmas


def _walk(node: ast.AST, scope: list[ast.ClassDef], rel: Path, problems: list[str]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            _walk(child, [*scope, child], rel, problems)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            cls = scope[-1] if scope else None
            qual = f"{cls.name}.{child.name}" if cls else child.name
            if _is_trivial(child.body):
                allowed = (
                    (cls is not None and _is_protocol(cls))
                    or "abstractmethod" in _decorator_names(child)
                    or "overload" in _decorator_names(child)
                    or qual in ALLOWED_HOOKS
                )
                if not allowed:
                    problems.append(f"{rel}:{child.lineno}: {qual} has an empty body")
            _walk(child, [], rel, problems)
        else:
            _walk(child, scope, rel, problems)


def _asserts(fn: ast.AST) -> bool:
    for n in ast.walk(fn):
        if isinstance(n, ast.Assert):
            return True
        if isinstance(n, ast.Call):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("raises", "warns") or name.startswith(("assert_", "check_", "assert")):
                return True
    return False


def check_tests(problems: list[str]) -> int:
    count = 0
    # pytest's default python_files: test_*.py and *_test.py.
    paths = {*TESTS.rglob("test_*.py"), *TESTS.rglob("*_test.py")}
    for path in sorted(paths):
        rel = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(), filename=str(rel))
        for n in ast.walk(tree):
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test"):
                count += 1
                if not _asserts(n):
                    problems.append(f"{rel}:{n.lineno}: test {n.name} asserts nothing")
    return count


def main() -> int:
    problems: list[str] = []
    pragmas = check_src(problems)
    tests = check_tests(problems)
    print(f"no-fakes: {tests} tests checked; {pragmas} '# pragma: no cover' (each with a reason)")
    for p in problems:
        print(f"no-fakes: {p}", file=sys.stderr)
    if problems:
        print(f"no-fakes: FAILED with {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
