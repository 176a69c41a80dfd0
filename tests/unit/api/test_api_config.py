"""ApiConfig: defaults, limits, unknown keys refused, the token never shown."""

from __future__ import annotations

import msgspec
import pytest

from bot4.api import ApiConfig


def test_defaults_serve_on_loopback() -> None:
    config = msgspec.convert({}, ApiConfig)
    assert (config.enabled, config.host, config.port, config.token) == (
        True,
        "127.0.0.1",
        8787,
        None,
    )
    assert config.dashboard_poll_ms == 1000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"port": 70000}, "port"),
        ({"port": -1}, "port"),
        ({"token": "short"}, "token"),
        ({"dashboard_poll_ms": 10}, "dashboard_poll_ms"),
        ({"host": ""}, "host"),
        ({"prot": 1}, "prot"),
    ],
)
def test_bad_values_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=message):
        msgspec.convert(data, ApiConfig)


def test_repr_masks_the_token() -> None:
    config = ApiConfig(token="a-very-secret-token-value")
    assert "secret" not in repr(config)
    assert "token='***'" in repr(config)
    assert "token=None" in repr(ApiConfig())
