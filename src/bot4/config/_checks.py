"""The node's limits that no single config type can check, or that its type does not check yet.

A config that passes the types can still be one the node dies on after start: a symbol missing
from the bundled instruments (TradingNode refuses it), a risk override for an instrument the node
does not trade (RiskEngine refuses it), a negative paper latency, a storage timeout of zero.
These run after the structural checks, on the converted NodeConfig, so the node never starts
half-configured. A check moves into its component's type (as a `msgspec.Meta` limit or a
`__post_init__`) when the owner adds it; it then also reaches the JSON Schema.
"""

from __future__ import annotations

import functools
import re

from bot4.engine.config import NodeConfig
from bot4.model import bundled_instruments
from bot4.risk import validate_config

__all__ = ["semantic_problems"]

# risk's messages show values with repr(): "got Decimal('-2')" reads better as "got -2".
_DECIMAL_REPR = re.compile(r"Decimal\('([^']*)'\)")


def semantic_problems(config: NodeConfig) -> list[tuple[list[str], str]]:
    """Limits that cannot work, beyond what the types check: (key path, what is wrong)."""
    out: list[tuple[list[str], str]] = []

    def need(ok: bool, key: str, why: str) -> None:
        if not ok:
            out.append((key.split("."), why))

    by_symbol = _bundled_symbols()
    symbols = config.replay.symbols
    need(bool(symbols), "replay.symbols", "must list at least one symbol")
    unknown = [s for s in symbols if s not in by_symbol]
    need(
        not unknown,
        "replay.symbols",
        f"not in the bundled instruments: {', '.join(unknown)} "
        f"(known: {', '.join(sorted(by_symbol))})",
    )
    need(len(set(symbols)) == len(symbols), "replay.symbols", "lists a symbol twice")
    traded = {by_symbol[s] for s in symbols if s in by_symbol}
    for problem in validate_config(config.risk, traded):
        key, _, why = problem.partition(": ")
        if why == "unknown instrument":
            why = f"not an instrument this node trades ({', '.join(sorted(traded))})"
        out.append((["risk", *key.split(".")], _DECIMAL_REPR.sub(r"\1", why)))
    need(config.runs_dir != "", "runs_dir", "must not be empty")
    paper = config.paper
    need(paper.latency_us >= 0, "paper.latency_us", f"must be >= 0, got {paper.latency_us}")
    need(
        paper.queue_scan_depth >= 1,
        "paper.queue_scan_depth",
        f"must be >= 1, got {paper.queue_scan_depth}",
    )
    for name in ("maker_fee_ppm", "taker_fee_ppm"):
        fee = getattr(paper, name)
        need(
            -1_000_000 < fee < 1_000_000,
            f"paper.{name}",
            f"must be within ±1000000 (100 %), got {fee}",
        )
    storage = config.storage
    if storage is not None:
        dsn = storage.dsn
        need(
            dsn is None or dsn.startswith(("postgresql://", "postgres://")),
            "storage.dsn",
            "must be a postgresql:// URL (or unset for the embedded SQLite)",
        )
        for name in ("connect_timeout_s", "write_timeout_s", "chunk_interval_s"):
            value = getattr(storage, name)
            need(value > 0, f"storage.{name}", f"must be > 0, got {value}")
        for name in ("max_age_ms", "close_timeout_s", "partitions_ahead", "compress_after_s"):
            value = getattr(storage, name)
            need(value >= 0, f"storage.{name}", f"must be >= 0, got {value}")
        need(
            storage.retention_s is None or storage.retention_s > 0,
            "storage.retention_s",
            f"must be > 0 (or unset to keep everything), got {storage.retention_s}",
        )
        need(storage.data_dir != "", "storage.data_dir", "must not be empty")
    return out


@functools.cache
def _bundled_symbols() -> dict[str, str]:
    """Binance symbol -> instrument id, of the instruments bundled with the node."""
    return {i.symbol: i.id for i in bundled_instruments().values() if i.exchange == "BINANCE"}
