"""The fast-path compiler (`_compile.py`) and its AST tools (`_ast_tools.py`).

The twin test (`test_fast_path.py`) shows the compiled function decides as the checks do; here
each rewriting rule is checked on its own, and so is every rule a check must keep.
"""

from __future__ import annotations

import ast
import inspect
import types

import pytest
from tests.support.risk import engine, req

from bot4.errors import RiskError
from bot4.risk import ACCEPTED, RiskConfig
from bot4.risk._ast_tools import (
    dotted,
    drop_dead_stores,
    fold,
    function_body,
    merge_guards,
    negate,
    substitute,
    unguard,
)
from bot4.risk._compile import FACTS, FAST, GENERAL, _namespace, body, fast_variant, source
from bot4.risk.checks import CHECKS
from bot4.risk.checks.base import Candidate


def _stmts(src: str) -> list[ast.stmt]:
    return ast.parse(src).body


def _src(stmts: list[ast.stmt]) -> str:
    return ast.unparse(ast.fix_missing_locations(ast.Module(stmts, [])))


def test_the_fast_path_has_no_trace_of_what_its_facts_decide() -> None:
    src = source()
    fast = src.split("return reference(req)")[-1]  # after the fast path's prologue
    for name in ("exiting", "market", "stop", "replace", "own_id", "tradable", "HALTED", "poll"):
        assert name not in fast, name
    assert "return None" not in src and "assert" not in src
    compile(src, "<test>", "exec")
    # every check but the prologue's lookup left something behind
    assert "DUPLICATE_ORDER" in fast and "MAX_CORRELATED_EXPOSURE" in fast
    assert "UNKNOWN_INSTRUMENT" not in fast and "TRADING_HALTED" not in fast


def test_the_reference_keeps_every_check() -> None:
    general = body(GENERAL)
    for reason in (
        "UNKNOWN_INSTRUMENT",
        "TRADING_HALTED",
        "REDUCE_ONLY_VIOLATION",
        "DUPLICATE_ORDER",
    ):
        assert reason in general, reason
    assert "if not exiting:" in general  # the risk limits, as one block (merged guards)


def test_the_engine_runs_the_compiled_source() -> None:
    eng, _ = engine()
    assert eng.check(req()) is ACCEPTED
    assert inspect.getsource(eng.check).lstrip().startswith("def check(req):")
    assert inspect.getsource(eng._reference).lstrip().startswith("def reference(req,")


def test_fold_drops_decided_branches_and_keeps_impure_tests() -> None:
    out = fold(_stmts("if True and a:\n    x()\nelse:\n    y()\nif False or 0:\n    z()"))
    assert _src(out) == "if a:\n    x()\nelse:\n    y()"
    assert _src(fold(_stmts("if not True:\n    x()\nelse:\n    y()"))) == "y()"
    assert _src(fold(_stmts("v = a if True else b\nw = True and True"))) == "v = a\nw = True"
    assert _src(fold(_stmts("if a:\n    assert b\nelse:\n    y()"))) == "if not a:\n    y()"
    assert _src(fold(_stmts("if f():\n    assert b"))) == "f()"
    assert _src(fold(_stmts("if a:\n    assert b"))) == ""
    assert _src(fold(_stmts("v = f() and False"))) == "v = f() and False"  # impure: kept


def test_fold_drops_a_multiplication_by_int_one() -> None:
    assert _src(fold(_stmts("v = x * 1\nw = 1 * f(x)"))) == "v = x\nw = f(x)"
    assert (
        _src(fold(_stmts("v = x * 2\nw = x * 1.0\nz = x + 1")))
        == "v = x * 2\nw = x * 1.0\nz = x + 1"
    )


def test_one_precision_instruments_skip_the_exposure_multiply() -> None:
    mixed, _ = engine()  # price*size units are 10**-5, exposure units 10**-8: `* s.mult`
    assert fast_variant(mixed) is FAST
    assert "ne = n * s.mult" in inspect.getsource(mixed.check)
    same, _ = engine(RiskConfig(account_precision=5))  # the same units: the notional as it is
    assert fast_variant(same).facts["s.mult"] == 1
    fast = inspect.getsource(same.check)
    assert "ne = n\n" in fast and "s.mult" not in fast
    assert "ne = n * s.mult" in inspect.getsource(same._reference)  # the reference assumes nothing


def test_negate_is_exact() -> None:
    def neg(src: str) -> str:
        return ast.unparse(negate(ast.parse(src, mode="eval").body))

    assert neg("not a") == "a"
    assert neg("a is None") == "a is not None"
    assert neg("k in d") == "k not in d"
    assert neg("a < b") == "not a < b"  # (floats: not the same as a >= b)
    assert ast.unparse(negate(ast.Constant(False))) == "True"


def test_unguard_wraps_the_rest_of_the_check() -> None:
    out = unguard(
        _stmts("a = 1\nif c:\n    return None\nb = 2\nif d:\n    return\nx()\nreturn None")
    )
    assert _src(out) == "a = 1\nif not c:\n    b = 2\n    if not d:\n        x()"
    assert _src(unguard(_stmts("a()\nreturn None\nx()"))) == "a()"  # (a guard folded to True)
    with pytest.raises(RiskError, match="top-level guard"):
        unguard(_stmts("if c:\n    x()\n    return None"))


def test_merge_guards_only_when_the_first_body_cannot_change_the_test() -> None:
    out = merge_guards(_stmts("if not r:\n    a()\nif not r:\n    b()"))
    assert _src(out) == "if not r:\n    a()\n    b()"
    kept = merge_guards(_stmts("if not r:\n    r = 1\nif not r:\n    b()"))
    assert len(kept) == 2


def test_dead_stores_go_until_none_is_left() -> None:
    out = drop_dead_stores(_stmts("a = 1\nb = a\nc = f()\nx = x\nif y:\n    d = 2\nuse(c)"))
    assert _src(out) == "c = f()\nuse(c)"
    out = drop_dead_stores(_stmts("if y:\n    d = 2\nelse:\n    g()"))
    assert _src(out) == "if not y:\n    g()"


def _check_src(body: str) -> str:
    return f"def bad(e, o):\n{body}\n    return None\n"


def _compile_one(src: str) -> str:
    ns: dict[str, object] = {}
    exec(src, ns)  # a throwaway check, defined in a linecache-visible way below
    fn = ns["bad"]
    import linecache

    name = f"<check {abs(hash(src))}>"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    fn.__code__ = fn.__code__.replace(co_filename=name)  # type: ignore[attr-defined]
    return body(GENERAL, [fn])  # type: ignore[list-item]


def test_a_check_may_alias_a_field_but_not_shadow_one() -> None:
    assert "x = s.pos" in _compile_one(_check_src("    s = o.s\n    x = s.pos\n    use(x)"))
    with pytest.raises(RiskError, match="shadows"):
        _compile_one(_check_src("    qty = 3\n    use(qty)"))
    with pytest.raises(RiskError, match="shadows"):
        _compile_one(_check_src("    ledger = 3\n    use(ledger)"))


def test_rules_a_check_must_keep() -> None:
    with pytest.raises(RiskError, match="bound once"):
        _compile_one(_check_src("    e.ledger.open = {}"))
    with pytest.raises(RiskError, match="keep checks flat"):
        _compile_one(_check_src("    for x in o.s.bids:\n        use(x)"))
    with pytest.raises(RiskError, match="positional"):
        _compile_one(_check_src("    open_order(e.ledger, o.cid)"))
    with pytest.raises(RiskError, match="pure"):
        _compile_one(_check_src("    open_order(e.ledger, f(), 1, 2, 3, 4, 5, 6, 7)"))


def test_an_inlined_function_may_not_assign_its_parameters() -> None:
    def inner(a: int) -> None:
        a = 2  # noqa: F841

    with pytest.raises(RiskError, match="assigns its parameter"):
        substitute(function_body(inner)[0], {"a": ast.Constant(1)})


def test_a_global_name_must_mean_one_thing_across_the_checks() -> None:
    def one(e: object, o: object) -> None:
        return None

    clash = types.FunctionType(one.__code__, {"R": object()}, "one")
    with pytest.raises(RiskError, match="two things"):
        _namespace([*CHECKS, clash])


def test_facts_are_about_names_the_checks_use() -> None:
    fields = set(Candidate.__slots__)
    for fact in FACTS:
        names = {n.id for n in ast.walk(ast.parse(fact, mode="eval")) if isinstance(n, ast.Name)}
        assert names <= fields | {"engine"}, fact
    assert len(CHECKS) == len(set(CHECKS))


def test_dotted_names_only_plain_attribute_chains() -> None:
    assert dotted(ast.parse("a.b.c", mode="eval").body) == "a.b.c"
    assert dotted(ast.parse("a[0].b", mode="eval").body) is None
