"""SQLite vs DuckDB for Bot4's embedded market data: the measurement behind docs/storage.md ("Embedded market data").

The same work for both: 1,000,000 trade rows (Bot4's 8 columns: text, 6 ints, text) arriving
as Python tuples (what the BatchWriter holds), written in batches of 5,000, one transaction per
batch that also records the batch id (as the writer does). Run it with `setup.sh` (a private
venv with duckdb and pyarrow, which Bot4 itself does not depend on).
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

N = 200_000 if "--quick" in sys.argv else 1_000_000
BATCH = 5_000
COLS = ["instrument_id", "seq", "ts_event", "ts_init", "price", "qty", "aggressor", "trade_id"]
ROWS = [
    (
        f"BINANCE:SYM{i & 7}",
        i,
        1_764_000_000_000_000_000 + i,
        1_764_000_000_000_000_500 + i,
        9_000_000 + i % 1000,
        1 + i % 13,
        1 if i & 1 else -1,
        str(i),
    )
    for i in range(N)
]
DDL = (
    "CREATE TABLE trades (instrument_id TEXT, seq BIGINT, ts_event BIGINT, ts_init BIGINT,"
    " price BIGINT, qty BIGINT, aggressor SMALLINT, trade_id TEXT)"
)


def sqlite_rate(folder: Path) -> float:
    db = sqlite3.connect(folder / "m.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(DDL)
    db.execute("CREATE TABLE b (id INTEGER PRIMARY KEY)")
    t0 = time.perf_counter()
    for k, i in enumerate(range(0, N, BATCH)):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO b VALUES (?)", (k,))
        db.executemany("INSERT INTO trades VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ROWS[i : i + BATCH])
        db.execute("COMMIT")
    return N / (time.perf_counter() - t0)


def duckdb_rate(folder: Path, arrow: bool) -> float:
    db = duckdb.connect(str(folder / f"m{int(arrow)}.duckdb"))
    db.execute(DDL)
    db.execute("CREATE TABLE b (id BIGINT PRIMARY KEY)")
    n = N if arrow else min(N, 20_000)  # executemany is far slower: a sample
    t0 = time.perf_counter()
    for k, i in enumerate(range(0, n, BATCH)):
        chunk = ROWS[i : i + BATCH]
        db.execute("BEGIN")
        db.execute("INSERT INTO b VALUES (?)", [k])
        if arrow:
            # Rows -> columns -> Arrow: the cost a tuple-holding writer pays to use DuckDB fast.
            batch = pa.table(dict(zip(COLS, zip(*chunk, strict=True), strict=True)))  # noqa: F841 - read by the SQL
            db.execute("INSERT INTO trades SELECT * FROM batch")
        else:
            db.executemany("INSERT INTO trades VALUES (?, ?, ?, ?, ?, ?, ?, ?)", chunk)
        db.execute("COMMIT")
    return n / (time.perf_counter() - t0)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        print(f"rows={N} batch={BATCH} sqlite={sqlite3.sqlite_version} duckdb={duckdb.__version__}")
        print(f"sqlite executemany      {sqlite_rate(folder):>12,.0f} rows/s")
        print(f"duckdb arrow            {duckdb_rate(folder, arrow=True):>12,.0f} rows/s")
        print(f"duckdb executemany      {duckdb_rate(folder, arrow=False):>12,.0f} rows/s")


if __name__ == "__main__":
    main()
