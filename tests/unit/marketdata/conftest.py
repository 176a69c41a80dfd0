"""`impl`: run a feed or book test once with the C extension and once with its Python twins."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot4.marketdata import _accel
from bot4.marketdata.feeds._base import BaseFeed


@pytest.fixture(params=["native", "python"])
def impl(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which implementation of the feeds' innermost loops the test runs (`_accel`)."""
    if request.param == "native":
        if not _accel.NATIVE:
            pytest.skip("the C extension is not built here (or BOT4_PURE_PYTHON=1)")
        yield request.param
        return
    _accel.use(native=False)
    try:
        yield request.param
    finally:
        _accel.use()


@pytest.fixture
def to_python() -> Iterator[Callable[[], None]]:
    """Call it to switch to the Python twins part-way through a test (undone after it)."""

    def switch() -> None:
        _accel.use(native=False)

    yield switch
    _accel.use()


@pytest.fixture(params=["text", "bytes"])
def wire(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Frames as text (the offline replay) or as bytes (a WebSocket): the C routes differ."""
    if request.param == "bytes":
        on_message = BaseFeed.on_message

        def as_bytes(self: BaseFeed, data: bytes | str, ts: int) -> list[object]:
            return on_message(self, data.encode() if isinstance(data, str) else data, ts)

        monkeypatch.setattr(BaseFeed, "on_message", as_bytes)
    return str(request.param)
