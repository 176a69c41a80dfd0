"""Small AST tools for inlining plain functions into one: what `_compile` is built from.

Each works on a list of statements and keeps its meaning under the stated assumptions: folded
operands are pure (no calls), a guard is `if <cond>: return None`, merged guards' bodies do
not change their test. `RiskError` says which assumption a function broke.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

from bot4.errors import RiskError

__all__ = [
    "dotted",
    "drop_dead_stores",
    "fold",
    "function_body",
    "merge_guards",
    "negate",
    "propagate_copies",
    "pure",
    "substitute",
    "unguard",
]


def function_body(fn: Callable[..., Any]) -> tuple[list[ast.stmt], list[str]]:
    """The body (without docstring) and parameter names of `fn`, from its source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    fdef = tree.body[0]
    assert isinstance(fdef, ast.FunctionDef), fn  # nosec B101 - a check is a def (a rule)
    body = fdef.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body, [a.arg for a in fdef.args.args]


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


class _Substitute(ast.NodeTransformer):
    """Parameters -> argument expressions (inlining a call)."""

    def __init__(self, args: dict[str, ast.expr]) -> None:
        self.args = args

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id not in self.args:
            return node
        if not isinstance(node.ctx, ast.Load):
            raise RiskError(f"an inlined function assigns its parameter {node.id}")
        return copy.deepcopy(self.args[node.id])


def pure(node: ast.AST) -> bool:
    return not any(isinstance(n, ast.Call | ast.NamedExpr) for n in ast.walk(node))


def negate(test: ast.expr) -> ast.expr:
    """`not test`, simplified where that is exact (`not not x` only in a test context)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Constant):
        return ast.Constant(not test.value)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        flip = {ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
        op = flip.get(type(test.ops[0]))
        if op is not None:
            return ast.Compare(test.left, [op()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


class _FoldExpr(ast.NodeTransformer):
    """Constant folding of `not`, `and`, `or`, `a if c else b` (test contexts only use their
    truth, and every folded operand is pure) and `x * 1` (the checks multiply numbers only)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult):
            for one, other in ((node.right, node.left), (node.left, node.right)):
                if isinstance(one, ast.Constant) and type(one.value) is int and one.value == 1:
                    return other
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Constant):
            return ast.Constant(not node.operand.value)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        decides = isinstance(node.op, ast.Or)  # the truth value that decides the whole
        kept: list[ast.expr] = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                if bool(v.value) is decides and all(pure(k) for k in kept):
                    return ast.Constant(decides)
                if bool(v.value) is not decides:
                    continue
            kept.append(v)
        if not kept:
            return ast.Constant(not decides)
        return kept[0] if len(kept) == 1 else ast.BoolOp(node.op, kept)

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node


def fold(stmts: Iterable[ast.stmt]) -> list[ast.stmt]:
    """Fold constants, drop dead branches and asserts (recursively)."""
    out: list[ast.stmt] = []
    for st in stmts:
        if isinstance(st, ast.Assert):
            continue
        if isinstance(st, ast.If):
            test = _FoldExpr().visit(st.test)
            body, orelse = fold(st.body), fold(st.orelse)
            if isinstance(test, ast.Constant):
                out.extend(body if test.value else orelse)
            elif body:
                out.append(ast.If(test, body, orelse))
            elif orelse:
                out.append(ast.If(negate(test), orelse, []))
            elif not pure(test):
                out.append(ast.Expr(test))
            continue
        if isinstance(st, ast.Try | ast.For | ast.While | ast.With):
            raise RiskError(f"no {type(st).__name__} in a check: keep checks flat")
        out.append(_FoldExpr().visit(st))
    return out


def _is_none_return(st: ast.stmt) -> bool:
    return isinstance(st, ast.Return) and (
        st.value is None or (isinstance(st.value, ast.Constant) and st.value.value is None)
    )


def unguard(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """`if c: return None` + rest -> `if not c: rest`; a top-level `return None` and what
    follows it go."""
    for i, st in enumerate(stmts):
        guard = isinstance(st, ast.If) and not st.orelse and len(st.body) == 1
        if guard and _is_none_return(st.body[0]):  # type: ignore[attr-defined]
            rest = unguard(stmts[i + 1 :])
            test = negate(st.test)  # type: ignore[attr-defined]
            return stmts[:i] + ([ast.If(test, rest, [])] if rest else [])
        if _is_none_return(st):  # (what follows it cannot run: a guard folded to True)
            return stmts[:i]
    for n in ast.walk(ast.Module(stmts, [])):
        if isinstance(n, ast.Return) and _is_none_return(n):
            raise RiskError("`return None` only in a top-level guard or at the end")
    return stmts


def _stores(stmts: Iterable[ast.stmt]) -> set[str]:
    mod = ast.Module(list(stmts), [])
    return {n.id for n in ast.walk(mod) if isinstance(n, ast.Name) and not _is_load(n)}


def _is_load(n: ast.Name) -> bool:
    return isinstance(n.ctx, ast.Load)


def merge_guards(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """Adjacent `if c: a` / `if c: b` -> `if c: a; b` when `a` cannot change `c`."""
    out: list[ast.stmt] = []
    for st in stmts:
        prev = out[-1] if out else None
        if (
            isinstance(st, ast.If)
            and isinstance(prev, ast.If)
            and not st.orelse
            and not prev.orelse
            and ast.dump(st.test) == ast.dump(prev.test)
            and not (
                {n.id for n in ast.walk(st.test) if isinstance(n, ast.Name)} & _stores(prev.body)
            )
        ):
            prev.body = merge_guards(prev.body + st.body)
            continue
        out.append(st)
    return out


def _dead(st: ast.stmt, loads: set[str]) -> bool:
    """An assignment of a pure value to a local nobody reads (or to itself)."""
    if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and pure(st.value)):
        return False
    t = st.targets[0]
    if not isinstance(t, ast.Name):
        return False
    return t.id not in loads or (isinstance(st.value, ast.Name) and st.value.id == t.id)


def _sweep(body: list[ast.stmt], loads: set[str]) -> list[ast.stmt]:
    kept = [st for st in body if not _dead(st, loads)]
    for st in kept:
        if isinstance(st, ast.If):
            st.body, st.orelse = _sweep(st.body, loads), _sweep(st.orelse, loads)
    return kept


def drop_dead_stores(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """Assignments to a local nobody reads, with a pure value, go (until none is left)."""
    while True:
        mod = ast.Module(stmts, [])
        loads = {n.id for n in ast.walk(mod) if isinstance(n, ast.Name) and _is_load(n)}
        before = ast.dump(mod)
        stmts = fold(_sweep(stmts, loads))  # (fold: an `if` whose body went empty)
        if ast.dump(ast.Module(stmts, [])) == before:
            return stmts


def substitute(stmts: list[ast.stmt], args: dict[str, ast.expr]) -> list[ast.stmt]:
    """Parameters -> argument expressions, in every statement (inlining a call)."""
    return [_Substitute(args).visit(s) for s in stmts]


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.new, node.ctx) if node.id == self.old else node


def propagate_copies(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """A top-level `a = b` (plain names), where `a` is assigned nowhere else and `b` nowhere
    in `stmts`, goes: every `a` reads `b` instead (one store and one name fewer)."""
    stores: dict[str, int] = {}
    for n in ast.walk(ast.Module(stmts, [])):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
    out = list(stmts)
    for st in stmts:
        if (
            isinstance(st, ast.Assign)
            and len(st.targets) == 1
            and isinstance(st.targets[0], ast.Name)
            and isinstance(st.value, ast.Name)
            and stores.get(st.targets[0].id) == 1
            and st.value.id not in stores
        ):
            out.remove(st)
            rename = _Rename(st.targets[0].id, st.value.id)
            out = [rename.visit(s) for s in out]
    return out
