"""The bundled default dataset: 60 s of a synthetic Binance spot session, so Bot4 runs offline.

`write_default_dataset()` regenerates it; a test checks the bundled
files are byte-identical to what the generator writes, so the data and the code never drift.
Three instruments (BTCUSDT, ETHUSDT, SOLUSDT), 100 ms diffs like the real stream (600 per
symbol) plus aggTrades, 200 levels a side, a REST snapshot per symbol at the start and mid-way.
"""

from __future__ import annotations

from pathlib import Path

from bot4.marketdata.synth.binance import binance_session

__all__ = ["DEFAULT_DATASET", "DEFAULT_SEED", "write_default_dataset"]

DEFAULT_SEED = 20261125
DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "data" / "binance_default"


def write_default_dataset(folder: Path = DEFAULT_DATASET) -> Path:
    """Generate the dataset into `folder`; returns the `.ws.1.0` file (existing files replaced)."""
    for old in folder.glob("BINANCE.*"):
        old.unlink()
    session = binance_session(
        messages=2000, seed=DEFAULT_SEED, duration_s=60.0, depth=200, trade_ratio=0.1
    )
    return session.write(folder)
