"""BinanceConfig refuses values that cannot work."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from bot4.errors import ConfigValueError
from bot4.venues.binance import BinanceConfig


def test_defaults_are_binance_spot() -> None:
    c = BinanceConfig()
    assert c.base_url == "https://api.binance.com" and c.recv_window_ms == 5000
    assert "key" not in msgspec.structs.asdict(c)  # no credentials in the config


@pytest.mark.parametrize(
    "bad",
    [
        {"recv_window_ms": 0},
        {"recv_window_ms": 60_001},
        {"weight_limit_1m": 0},
        {"order_limit_10s": 0},
        {"limit_margin": 1.0},
        {"limit_margin": -0.1},
        {"keepalive_s": 0},
        {"request_timeout_s": -1},
        {"reconnect_max_s": 0.1, "reconnect_initial_s": 1.0},
        {"max_rate_limit_retries": -1},
        {"recent_trades_limit": 1001},
        {"base_url": "ftp://x"},
        {"ws_url": "http://x"},
    ],
)
def test_bad_values_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigValueError):
        BinanceConfig(**bad)
