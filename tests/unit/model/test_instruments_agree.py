"""The bundled instruments and the recordings' instruments agree: one parser, one rule.

The bundled set (`bot4/data/instruments.json`, today's exchangeInfo for 50 spot symbols) feeds
the risk engine, the OMS and the paper venue; the 2021 recording's header (`BINANCE.0`) feeds
the replayed books. Both go through `instruments_from_binance`, so a symbol in both has the same
precisions, tick and lot: a price read from a replayed book is a valid price for the risk engine
without rescaling. (Binance did not change the tick or step of any of these 50 symbols between
the recording and the bundled document; were it to, this test is where to name the symbol.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot4.marketdata.sources.recording import read_header
from bot4.model import Instrument, bundled_instruments, instruments_from_header

pytestmark = pytest.mark.shared


def test_bundled_and_recorded_instruments_have_the_same_scales(recordings: Path) -> None:
    recorded = instruments_from_header(read_header(recordings / "BINANCE.0"), "binance")
    bundled = {i.symbol: i for i in bundled_instruments().values()}
    assert set(bundled) <= set(recorded)  # every bundled symbol traded in 2021 too

    def scales(i: Instrument) -> tuple[str, int, int, int, int]:
        return (i.id, i.price_precision, i.size_precision, i.tick, i.lot)

    differ = {s: (scales(bundled[s]), scales(recorded[s])) for s in bundled}
    differ = {s: pair for s, pair in differ.items() if pair[0] != pair[1]}
    assert differ == {}
    btc = bundled["BTCUSDT"]
    assert (btc.price_precision, btc.size_precision, btc.tick, btc.lot) == (8, 8, 10**6, 10**3)
