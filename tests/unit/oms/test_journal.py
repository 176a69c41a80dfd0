from __future__ import annotations

import asyncio

import msgspec
import pytest

from bot4.model import InstrumentId, OrderType, Side, TimeInForce
from bot4.oms import (
    InMemoryJournal,
    Journal,
    LiquiditySide,
    OrderAccepted,
    OrderDenied,
    OrderFilled,
    OrderSubmitted,
    TradingHalted,
)
from bot4.oms.journal import decode_record, encode_record

IID = InstrumentId("BINANCE:BTCUSDT")


def _records() -> list[object]:
    return [
        OrderSubmitted(
            client_order_id="O-1",
            instrument_id=IID,
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            qty=5,
            price=100,
            ts_event=1,
        ),
        OrderDenied(
            client_order_id="O-2",
            instrument_id=IID,
            side=Side.SELL,
            order_type=OrderType.MARKET,
            time_in_force=TimeInForce.IOC,
            qty=5,
            price=None,
            reason="MAX_NOTIONAL",
            detail="too big",
            ts_event=2,
        ),
        OrderAccepted(client_order_id="O-1", venue_order_id="V-1", ts_event=3),
        OrderFilled(
            client_order_id="O-1",
            instrument_id=IID,
            venue_order_id="V-1",
            fill_id="T-1",
            side=Side.BUY,
            last_qty=5,
            last_price=100,
            fee=-1,
            liquidity=LiquiditySide.MAKER,
            ts_event=4,
        ),
        TradingHalted(source="operator", reason="test", ts_event=5),
    ]


def test_in_memory_journal_appends_in_order_with_sequence_numbers() -> None:
    journal = InMemoryJournal()
    assert isinstance(journal, Journal)
    seqs = [journal.append(r) for r in _records()]  # type: ignore[arg-type]
    assert seqs == [1, 2, 3, 4, 5]
    assert len(journal) == 5
    assert list(journal.records()) == _records()
    asyncio.run(journal.commit())
    assert len(journal) == 5


def test_records_round_trip_through_msgpack_with_their_tag() -> None:
    for record in _records():
        data = encode_record(record)  # type: ignore[arg-type]
        assert decode_record(data) == record
        assert type(record).__name__.encode() in data


def test_corrupt_bytes_raise_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_record(b"\xc1garbage")
