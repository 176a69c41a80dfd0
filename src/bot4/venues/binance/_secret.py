"""`Secret`: an API key or secret that never shows itself by accident.

`config/_redact.py` hides secrets in a config tree by key name when it is printed; it is a layer
above the venues and works on plain dicts, so a venue holds its credentials in this wrapper
instead. Its repr and str are `Secret('***')`, so a key cannot reach a log line, an exception
message or a traceback's locals by formatting; only `reveal()` gives the value, at the one place
that signs or sends it.
"""

from __future__ import annotations

__all__ = ["Secret"]


class Secret:
    """A string that is `***` wherever it is formatted; `reveal()` is the only way in."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: only for signing or the one header that carries it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickling would write the value out (a crash dump, a multiprocessing queue): refuse.
        raise TypeError("a Secret cannot be pickled")
