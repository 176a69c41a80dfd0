"""The journal: every order fact, appended in memory before its effect is acknowledged.

The OMS appends each record on the hot path (`append`, O(1), no I/O) *before* it changes an
order or tells anyone about it; a durable backend (`bot4.storage`: SQLite, PostgreSQL) writes
what was appended in groups on `await commit()`, and nothing leaves the process as acknowledged
before the commit holding it returns. `rebuild` (in `bot4.oms`) replays `records()` into a fresh
`OrderManager` and gets the same orders and positions back.

Records are the order events themselves (`bot4.model`) plus `TradingHalted` and
`TradingResumed`; together they form the tagged union `JournalRecord` (tag = class name), encoded
with msgpack by one `Encoder` and one `Decoder` built once (msgspec perf tip: reuse them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import msgspec

from bot4.model import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
)

__all__ = [
    "InMemoryJournal",
    "Journal",
    "JournalRecord",
    "TradingHalted",
    "TradingResumed",
    "decode_record",
    "encode_record",
]


class TradingHalted(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The kill switch tripped: the OMS canceled every open order and accepts no new risk."""

    source: str  # who tripped it (operator, drawdown check, global breaker...)
    reason: str
    ts_event: int  # ns, wall clock


class TradingResumed(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """The kill switch was reset: the OMS accepts new orders again."""

    source: str
    ts_event: int


# The tagged union of everything the journal holds (tag = class name, e.g. "OrderFilled").
JournalRecord = (
    OrderSubmitted
    | OrderDenied
    | OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderPendingCancel
    | OrderCanceled
    | OrderCancelRejected
    | OrderExpired
    | OrderPendingReplace
    | OrderReplaced
    | OrderReplaceRejected
    | TradingHalted
    | TradingResumed
)

_ENCODER = msgspec.msgpack.Encoder()
_DECODER: msgspec.msgpack.Decoder[JournalRecord] = msgspec.msgpack.Decoder(JournalRecord)


def encode_record(record: JournalRecord) -> bytes:
    """The record as msgpack bytes (the durable backends store exactly this)."""
    return _ENCODER.encode(record)


def decode_record(data: bytes) -> JournalRecord:
    """Bytes from `encode_record` back to the record; raises msgspec.DecodeError when corrupt."""
    return _DECODER.decode(data)


@runtime_checkable
class Journal(Protocol):
    """Where the OMS writes its facts, in order.

    `append` assigns consecutive sequence numbers starting at 1 and must be cheap (it runs on the
    hot path, in memory). `commit` makes everything appended so far durable (group commit);
    an in-memory journal returns at once.
    """

    def append(self, record: JournalRecord) -> int: ...

    def records(self) -> Iterator[JournalRecord]: ...

    async def commit(self) -> None: ...


class InMemoryJournal:
    """A journal in a list: the default for paper trading, tests and the pipeline benchmark."""

    __slots__ = ("_records",)

    def __init__(self) -> None:
        # Every record appended, in order; the sequence number of _records[i] is i + 1.
        self._records: list[JournalRecord] = []

    def append(self, record: JournalRecord) -> int:
        records = self._records
        records.append(record)
        return len(records)

    def records(self) -> Iterator[JournalRecord]:
        return iter(self._records)

    async def commit(self) -> None:
        """Nothing to make durable: memory is all there is."""
        return

    def __len__(self) -> int:
        return len(self._records)
