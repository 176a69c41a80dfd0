"""`bot4 run --data`: data files through a running node, at full speed or the recorded pace."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from bot4.clock import LiveClock
from bot4.engine import NodeConfig, build_node
from bot4.engine._file_source import FileSource
from bot4.engine.config import ReplayConfig
from bot4.errors import ConfigValueError, DataError
from bot4.marketdata.synth.default import DEFAULT_DATASET

T0_MS = 1_700_000_000_000


def _trades(folder: Path, rows: int, step_ms: int) -> Path:
    path = folder / "ETHUSDT-trades-2023-11-14.csv"
    path.write_text(
        "".join(
            f"{i},2000.{i % 10}0,0.100,200,{T0_MS + i * step_ms},true,true\n" for i in range(rows)
        )
    )
    return path


def _config(data: list[Path], pace: float | None) -> NodeConfig:
    replay = ReplayConfig(source="data", data=[str(p) for p in data], pace=pace)
    return NodeConfig(replay=replay)


async def test_every_instrument_of_every_file_is_traded_to_the_end(tmp_path: Path) -> None:
    data = [DEFAULT_DATASET / "BINANCE.ws.1.0", _trades(tmp_path, 500, 100)]
    node = build_node(_config(data, None), run_dir=tmp_path / "run", api=False)
    assert isinstance(node.source, FileSource) and node.handler is node.source
    assert sorted(node.instruments) == [
        "BINANCE:BTCUSDT", "BINANCE:ETHUSDT", "BINANCE:SOLUSDT",
    ]  # fmt: skip
    report = await node.run(duration_s=30)
    assert node.source.finished(report["frames"]["received"])
    assert report["frames"]["received"] == node.source.frames_total > 2000
    assert report["feed"]["messages"] == report["frames"]["received"]
    assert report["orders_submitted"] > 0, "the sample strategies trade every instrument"
    assert report["strategies_failed"] == {}


async def test_the_recorded_pace_is_kept_and_can_be_sped_up(tmp_path: Path) -> None:
    data = [_trades(tmp_path, 11, 100)]  # 1 s of trades
    for pace, at_least in ((2.0, 0.45), (4.0, 0.2)):
        node = build_node(_config(data, pace), run_dir=tmp_path / str(pace), api=False)
        t0 = time.monotonic()
        report = await node.run(duration_s=10)
        took = time.monotonic() - t0
        assert report["frames"]["received"] == 11
        assert took >= at_least, f"pace {pace}: {took:.2f} s"


async def test_closing_the_feed_stops_it(tmp_path: Path) -> None:
    source = FileSource([_trades(tmp_path, 5, 1000)], pace=1.0)
    got: list[object] = []
    async with contextlib.AsyncExitStack() as stack:
        feed = await source.connect(stack, sink=got.extend, clock=LiveClock(), breakers={})
    await feed.close()
    await feed.run()
    assert (
        got == []
        and source.finished(0)
        and source.symbols == {"BINANCE:ETHUSDT": "BINANCE:ETHUSDT"}
    )


def test_bad_data_settings_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigValueError, match=r"needs replay.data"):
        build_node(NodeConfig(replay=ReplayConfig(source="data")), run_dir=tmp_path)
    with pytest.raises(DataError, match=r"missing\.csv"):
        build_node(_config([tmp_path / "missing.csv"], None), run_dir=tmp_path)
