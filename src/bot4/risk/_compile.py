"""The engine's two paths, compiled from the checks: flat functions, built once per engine.

Why: a Python call costs ~60-100 ns, so calling the 24 functions of `CHECKS` in a loop takes
~1.5 us more than one flat function; writing flat functions by hand made every check a
second and third copy. Here both are generated from the same definitions:

1. the body of every check (from its source) is inlined in `CHECKS` order; `o.<field>`
   becomes the local `<field>`, `e.<attr>` the engine's attribute, and a few lookups that
   never change are bound once as closure variables (`BINDINGS`);
2. calls to `open_order` (counting an accepted order as open) are inlined too;
3. a variant's facts replace what they decide, and branches that cannot run are dropped:
   `GENERAL` (the reference: any order, any state, replace probes) assumes nothing; `FAST`
   (`check`) assumes the common order (`FACTS`: LIMIT, not reduce-only, state ACTIVE, a
   price > 0, a tradable instrument, qty within the merged bounds), which its prologue
   (`_TEMPLATE`) establishes, handing any other order to the reference; an engine whose
   instruments' notional units are its exposure units adds that fact (`fast_variant`);
4. a guard `if <cond>: return None` becomes `if not <cond>:` around the rest of its check
   (adjacent identical guards are merged); asserts (type narrowing), copies (`px = price`)
   and stores nobody reads are dropped.

The result reads like the hand-written functions it replaces (`source()` shows it; tracebacks
show its lines). `tests/unit/risk/test_fast_path.py` runs both against the check functions
themselves, called in a loop, on random order sequences; `test_compile.py` tests the rules.
"""

from __future__ import annotations

import ast
import copy
import functools
import linecache
import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from bot4.errors import RiskError
from bot4.model import OrderRequest, OrderType
from bot4.risk._ast_tools import (
    dotted,
    drop_dead_stores,
    fold,
    function_body,
    merge_guards,
    propagate_copies,
    pure,
    substitute,
    unguard,
)
from bot4.risk._decision import ACCEPTED, Decision
from bot4.risk._ledger import open_order
from bot4.risk.checks import CHECKS
from bot4.risk.checks.base import Candidate
from bot4.risk.checks.order import instrument_known

if TYPE_CHECKING:
    from bot4.risk.engine import RiskEngine

__all__ = [
    "BINDINGS",
    "FACTS",
    "FAST",
    "GENERAL",
    "Reference",
    "Variant",
    "build_paths",
    "fast_variant",
    "source",
]

# engine lookups that never change for an engine's life -> the closure variable holding them
BINDINGS = {
    "engine._slots": "slots",
    "engine._now": "now_ns",
    "engine.ledger": "ledger",
    "engine.loss": "loss",
    "ledger.open": "open_ids",
    "ledger.closed": "closed_ids",
    "ledger.recent": "recent",
    "ledger.recent_q": "recent_q",
}

# What the prologue guarantees about every order that reaches the inlined checks.
FACTS: dict[str, bool | int] = {
    "engine._state": 0,  # ACTIVE
    "market": False,  # order type LIMIT ...
    "stop": False,
    "limit": True,
    "ro": False,  # ... not reduce-only: so never an exit
    "exiting": False,
    "replace": False,  # `check` is no replace probe
    "own_id": False,
    "price is None": False,  # price > 0
    "price <= 0": False,
    "s.tradable": True,  # qty in [s.lot_lo, s.qty_hi]: lot_lo >= max(lot_min, 1), and no
    # qty is in it on an untradable instrument (Slot.apply_limits)
    "qty <= 0": False,
    "qty < s.lot_min": False,
    "qty > s.qty_hi": False,
}
_INLINED_CALLS: dict[str, Callable[..., None]] = {"open_order": open_order}


class Variant(NamedTuple):
    """One compiled path: what its prologue guarantees and sets, and which check it does."""

    facts: dict[str, bool | int]
    prologue_sets: frozenset[str]  # locals the prologue assigns (the checks' stores go)
    prologue_does: tuple[Callable[..., Any], ...]  # checks the prologue does itself


# the common order: the prologue looks the instrument up and sets s, qty, price
FAST = Variant(FACTS, frozenset({"s", "qty", "price"}), (instrument_known,))
# any order: every check, nothing assumed
GENERAL = Variant({}, frozenset(), ())

_TEMPLATE = '''\
def make(engine, slots, now_ns, ledger, loss, open_ids, closed_ids, recent, recent_q):
    def reference(req, replace=False, own_id=False):
        """Every check on any order, in order (`replace`: a replace probe, recording nothing;
        `own_id`: the probe keeps the amended order's id, so the id-reuse check is skipped)."""
{general}
        return ACCEPTED

    def check(req):
        """Run every check on `req`; on ACCEPTED the order counts as open at once."""
        if req.order_type is not LIMIT or req.reduce_only or engine._state:
            return reference(req)
        price = req.price
        if price is None or price <= 0:
            return reference(req)
        try:  # a subscript, not .get(): no method call (the try is free in 3.11)
            s = slots[req.instrument_id]
        except KeyError:
            return reference(req)
        qty = req.qty
        if qty < s.lot_lo or qty > s.qty_hi:
            return reference(req)
{fast}
        return ACCEPTED

    return check, reference
'''
_FILENAME = "<bot4.risk compiled checks>"
_RESERVED = frozenset({"engine", "reference", "req", "check", *BINDINGS.values()})


class _Rename(ast.NodeTransformer):
    """`o.x` -> `x`, `e.x` -> `engine.x`, then `BINDINGS`."""

    def __init__(self, e: str | None, o: str | None) -> None:
        self.e, self.o = e, o

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.value, ast.Name):
            if node.value.id == self.o:
                return ast.copy_location(ast.Name(node.attr, node.ctx), node)
            if node.value.id == self.e:
                node.value = ast.Name("engine", ast.Load())
        name = BINDINGS.get(dotted(node) or "")
        if name is None:
            return node
        if not isinstance(node.ctx, ast.Load):
            raise RiskError(f"{dotted(node)} is bound once; it cannot be assigned")
        return ast.copy_location(ast.Name(name, ast.Load()), node)


class _Facts(ast.NodeTransformer):
    """Expressions a variant's facts decide -> constants; stores to facts and to the names its
    prologue sets are dropped."""

    def __init__(self, v: Variant) -> None:
        self.facts = {ast.dump(ast.parse(k, mode="eval").body): x for k, x in v.facts.items()}
        self.names = {k for k in v.facts if k.isidentifier()} | v.prologue_sets

    def visit_Assign(self, node: ast.Assign) -> ast.Assign | None:
        t = node.targets
        if len(t) == 1 and isinstance(t[0], ast.Name) and t[0].id in self.names:
            return None
        self.generic_visit(node)
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.expr) and ast.dump(node) in self.facts:
            return ast.copy_location(ast.Constant(self.facts[ast.dump(node)]), node)
        return super().generic_visit(node)


def _check_names(fn: Callable[..., Any], body: list[ast.stmt], e: str, o: str) -> None:
    """A check's own locals must not be Candidate fields or the fast path's own names
    (unless it only aliases one: `s = o.s`)."""
    forbidden = set(Candidate.__slots__) | _RESERVED
    for st in ast.walk(ast.Module(body, [])):
        if not isinstance(st, ast.Assign | ast.AugAssign | ast.AnnAssign):
            continue
        targets = st.targets if isinstance(st, ast.Assign) else [st.target]
        for t in targets:
            if isinstance(t, ast.Name) and t.id in forbidden:
                value = _Rename(e, o).visit(copy.deepcopy(st.value)) if st.value else None
                if not (isinstance(value, ast.Name) and value.id == t.id):
                    raise RiskError(f"{fn.__name__}: local {t.id!r} shadows a field/name")


def _inline_calls(stmts: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for st in stmts:
        if isinstance(st, ast.If):
            st.body, st.orelse = _inline_calls(st.body), _inline_calls(st.orelse)
        call = st.value if isinstance(st, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id in _INLINED_CALLS
        ):
            inlined, params = function_body(_INLINED_CALLS[call.func.id])
            if call.keywords or len(call.args) != len(params):
                raise RiskError(f"inline {call.func.id}: positional arguments, all of them")
            if not all(pure(a) for a in call.args):
                raise RiskError(f"inline {call.func.id}: arguments must be pure")
            inlined = substitute(inlined, dict(zip(params, call.args, strict=True)))
            out.extend(_Rename(None, None).visit(s) for s in unguard(inlined))
            continue
        out.append(st)
    return out


def body(v: Variant, checks: Iterable[Callable[..., Any]] = CHECKS) -> str:
    """The checks inlined for variant `v`: the body of one of the template's functions."""
    out: list[ast.stmt] = []
    for fn in checks:
        if fn in v.prologue_does:
            continue
        stmts, (e, o) = function_body(fn)
        _check_names(fn, stmts, e, o)
        stmts = [_Rename(e, o).visit(s) for s in stmts]
        stmts = _inline_calls(stmts)
        for _ in range(3):  # a fact can reveal the next (exiting -> s.lot_max if ... -> qty >)
            facts = _Facts(v)
            stmts = fold([s for s in (facts.visit(s) for s in stmts) if s is not None])
        out.extend(unguard(stmts))
    out = drop_dead_stores(propagate_copies(merge_guards(out)))
    return ast.unparse(ast.fix_missing_locations(ast.Module(out, [])))


def generate(checks: Iterable[Callable[..., Any]] = CHECKS, fast: Variant = FAST) -> str:
    """The source of `make(...)`, which returns the fast path and the reference."""
    checks = tuple(checks)
    return _TEMPLATE.format(
        general=textwrap.indent(body(GENERAL, checks), " " * 8),
        fast=textwrap.indent(body(fast, checks), " " * 8),
    )


def fast_variant(engine: RiskEngine) -> Variant:
    """`FAST`, plus what holds for this engine's whole life: when every instrument's notional
    units are the exposure units (`Slot.mult` is 1, as for instruments of one precision),
    the fast path uses the notional as it is. (Multiplying a multi-digit int by 1 still builds
    a new one: ~20-30 ns per order at 8 price and 8 size decimals.)"""
    return _variant(all(s.mult == 1 for s in engine._slots.values()))


def _variant(one_mult: bool) -> Variant:
    return FAST._replace(facts={**FACTS, "s.mult": 1}) if one_mult else FAST


def _namespace(checks: Iterable[Callable[..., Any]]) -> dict[str, Any]:
    """The globals the generated code needs: those of every inlined function's module."""
    ns: dict[str, Any] = {"ACCEPTED": ACCEPTED, "LIMIT": OrderType.LIMIT}
    for fn in (*checks, *_INLINED_CALLS.values()):
        for k, v in fn.__globals__.items():
            if k.startswith("__"):
                continue
            if k in ns and ns[k] is not v:
                raise RiskError(f"global {k!r} means two things in the checks' modules")
            ns[k] = v
    return ns


class Reference(Protocol):
    """The compiled reference: every check on any order."""

    def __call__(
        self, req: OrderRequest, replace: bool = False, own_id: bool = False
    ) -> Decision: ...


def build_paths(engine: RiskEngine) -> tuple[Callable[[OrderRequest], Decision], Reference]:
    """`engine`'s fast path and reference: its variant's compiled `make`, bound to its state."""
    led = engine.ledger
    paths: tuple[Callable[[OrderRequest], Decision], Reference] = _maker(
        fast_variant(engine) is not FAST
    )(
        engine,
        engine._slots,
        engine._now,
        led,
        engine.loss,
        led.open,
        led.closed,
        led.recent,
        led.recent_q,
    )
    return paths


@functools.cache
def _maker(one_mult: bool) -> Callable[..., tuple[Callable[[OrderRequest], Decision], Reference]]:
    """Generate and compile `make` once per variant (a process builds many engines: a reload, the
    tests; the source depends only on CHECKS and the variant, the state comes in as arguments)."""
    source = generate(CHECKS, _variant(one_mult))
    # One file name per variant: tracebacks and inspect.getsource read the lines from linecache.
    filename = f"{_FILENAME[:-1]}, {'one scale' if one_mult else 'general'}>"
    code = compile(source, filename, "exec")
    ns = _namespace(CHECKS)
    exec(code, ns)  # noqa: S102  # nosec B102 - our own generated source, from our own functions
    # tracebacks and inspect.getsource show the generated lines
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    maker: Callable[..., tuple[Callable[[OrderRequest], Decision], Reference]] = ns["make"]
    return maker


def source() -> str:
    """The generated source, for reading and for tests."""
    return generate(CHECKS)
