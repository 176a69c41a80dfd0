"""The loopback receiver (webhook + Telegram Bot API) as a fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.support.notify import Receiver
from tests.support.notify import receiver as _receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with _receiver() as rec:
        yield rec
