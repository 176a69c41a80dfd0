"""bot4.marketdata's public names are exactly its `__all__` (going public is a conscious step)."""

from __future__ import annotations

import bot4.marketdata
import bot4.marketdata.feeds


def test_all_matches_public_names() -> None:
    for module in (bot4.marketdata, bot4.marketdata.feeds):
        for name in module.__all__:  # bot4.marketdata's re-exports load on first use
            getattr(module, name)
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, type(bot4))
        }
        public -= {"Mapping", "TYPE_CHECKING", "annotations"}
        assert set(module.__all__) == public, module.__name__
        assert sorted(module.__all__) == list(module.__all__), module.__name__
