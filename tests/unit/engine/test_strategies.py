"""The strategy base class outside a node, and the sample strategies' config checks."""

from __future__ import annotations

import msgspec
import pytest

from bot4.engine import Strategy
from bot4.engine.strategies import MarketMakerConfig, MomentumConfig
from bot4.errors import ConfigValueError, LifecycleError
from bot4.model import InstrumentId

BTC = InstrumentId("BINANCE:BTCUSDT")


def test_an_unbound_strategy_raises_lifecycle_error() -> None:
    with pytest.raises(LifecycleError, match="not bound") as info:
        _ = Strategy("x", [BTC]).ctx
    assert isinstance(info.value, RuntimeError), "callers catching RuntimeError still do"


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (MarketMakerConfig, {"quote_lots": 0}),
        (MarketMakerConfig, {"skew_ticks": -1}),
        (MomentumConfig, {"fast": 30, "slow": 30}),
        (MomentumConfig, {"order_lots": 0}),
        (MomentumConfig, {"cooldown_s": -1}),
        (MarketMakerConfig, {"same_quote_gap_s": -1}),
    ],
)
def test_strategy_configs_validate(cls: type, kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigValueError, match="must be") as info:
        cls(**kwargs)
    assert isinstance(info.value, ValueError)
    # From a config file the same check is a validation problem naming the key.
    with pytest.raises(msgspec.ValidationError, match="must be"):
        msgspec.convert(kwargs, cls)
