"""Each config field's documentation, read from the comments its owner wrote beside it.

The style guide asks for a comment on every config field; the example config (`bot4 new-config`)
and the JSON Schema's descriptions reuse those comments, so the documentation lives in one place
(next to the field) and a new field shows up in both without anyone editing this package.
"""

from __future__ import annotations

import ast
import functools
import inspect
import io
import textwrap
import tokenize

import msgspec

__all__ = ["field_docs", "struct_summary"]


@functools.cache
def field_docs(cls: type[msgspec.Struct]) -> dict[str, str]:
    """Field name -> its comment: the comment lines right above it plus the one on its line.

    Fields inherited from a Struct base are documented where they are declared. Empty for a
    class whose source is not available (then the caller's fallbacks apply).
    """
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is msgspec.Struct or not issubclass(klass, msgspec.Struct):
            continue
        docs.update(_class_field_docs(klass))
    return docs


def struct_summary(cls: type) -> str:
    """The first paragraph of the class docstring, on one line."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def _class_field_docs(cls: type) -> dict[str, str]:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # pragma: no cover - a class defined without a source file
        return {}
    comments: dict[int, str] = {}  # line number -> comment text
    code_lines: set[int] = set()  # lines holding anything but a comment
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            code_lines.update(range(tok.start[0], tok.end[0] + 1))
    tree = ast.parse(source)
    klass = tree.body[0]
    assert isinstance(klass, ast.ClassDef), "getsource gives the class"  # nosec B101
    docs: dict[str, str] = {}
    for stmt in klass.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        above: list[str] = []
        line = stmt.lineno - 1
        while line in comments and line not in code_lines:
            above.insert(0, comments[line])
            line -= 1
        end = stmt.end_lineno or stmt.lineno
        inline = [comments[n] for n in range(stmt.lineno, end + 1) if n in comments]
        text = " ".join(part for part in [*above, *inline] if part)
        if text:
            docs[stmt.target.id] = text
    return docs
