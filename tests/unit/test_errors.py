"""The exception tree holds what Bot4 raises, no more: every class is raised somewhere in src/
(itself or through a subclass), the tree drawn in the docstring is the tree in the code, and no
module of src/ raises a plain ValueError or RuntimeError (they go into the tree)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import bot4.errors as errors

SRC = Path(errors.__file__).resolve().parent


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in sorted(SRC.rglob("*.py"))]


def _raised_names() -> set[str]:
    """Names of every class src/ raises by name or builds (some errors are built, then raised
    from a variable: a breaker's rejection), outside errors.py itself."""
    names: set[str] = set()
    for path, tree in _modules():
        if path.name == "errors.py":
            continue
        for node in ast.walk(tree):
            exc: ast.expr | None = None
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            elif isinstance(node, ast.Call):
                exc = node.func
            if isinstance(exc, ast.Name):
                names.add(exc.id)
            elif isinstance(exc, ast.Attribute):
                names.add(exc.attr)
    return names


def _classes() -> dict[str, type[BaseException]]:
    return {name: getattr(errors, name) for name in errors.__all__}


def test_every_exception_is_raised() -> None:
    raised = _raised_names()
    classes = _classes()
    never = [
        name
        for name, cls in classes.items()
        if name != "Bot4Error"
        and not any(issubclass(classes[r], cls) for r in raised if r in classes)
    ]
    assert never == [], f"never raised (remove them or raise them): {never}"


def test_the_drawn_tree_is_the_class_tree() -> None:
    doc = errors.__doc__ or ""
    drawn: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        m = re.match(r"^(\s*(?:[│ ]   )*)[├└]── (\w+)", line)
        if m is None:
            continue
        depth, name = len(m.group(1)) // 4, m.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        drawn[name] = stack[-1][1] if stack else "Bot4Error"
        stack.append((depth, name))
    classes = _classes()
    actual = {
        name: next(b.__name__ for b in cls.__bases__ if issubclass(b, errors.Bot4Error))
        for name, cls in classes.items()
        if name != "Bot4Error"
    }
    assert drawn == actual


def test_src_raises_no_plain_value_or_runtime_error() -> None:
    plain = [
        f"{path.relative_to(SRC.parent)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and isinstance(node.exc.func, ast.Name)
        and node.exc.func.id in {"ValueError", "RuntimeError"}
    ]
    assert plain == [], f"raise an exception of bot4.errors instead: {plain}"
