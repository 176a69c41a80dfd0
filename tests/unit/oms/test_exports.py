"""Going public is a conscious step: `__all__` lists exactly the public names."""

from __future__ import annotations

import inspect

import pytest

import bot4.model
import bot4.oms
import bot4.venues


@pytest.mark.parametrize("module", [bot4.model, bot4.oms, bot4.venues])
def test_all_matches_the_public_names(module: object) -> None:
    public = {
        name
        for name in dir(module)
        if not name.startswith("_") and not inspect.ismodule(getattr(module, name))
    }
    assert set(module.__all__) == public  # type: ignore[attr-defined]
    assert len(module.__all__) == len(public)  # type: ignore[attr-defined]
