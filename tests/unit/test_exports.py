"""Going public is a conscious step: every package's `__all__` lists exactly its public names.

One test for every package under `bot4` (found by walking the tree, so a new package is covered
without anyone remembering to add it). Lazy packages (module `__getattr__`) are loaded name by
name first, so what they expose on demand is compared too.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import bot4

# Names a package may hold without exporting them: typing and __future__ machinery.
_NOT_API = {"TYPE_CHECKING", "annotations", "Any", "Mapping"}


def _packages() -> list[str]:
    walk = pkgutil.walk_packages(bot4.__path__, prefix="bot4.")
    return sorted(["bot4", *(info.name for info in walk if info.ispkg)])


PACKAGES = _packages()


def test_the_walk_finds_every_package() -> None:
    assert {"bot4.model", "bot4.risk", "bot4.oms", "bot4.marketdata", "bot4.venues"} <= set(
        PACKAGES
    )


@pytest.mark.parametrize("name", [p for p in PACKAGES if p != "bot4"])
def test_all_matches_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    for attr in exported:
        assert getattr(module, attr) is not None, f"{name}.{attr} does not load"
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, types.ModuleType)
        and attr not in _NOT_API
    }
    assert public == set(exported), f"{name}: public but not in __all__ {public - set(exported)}"
