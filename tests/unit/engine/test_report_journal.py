"""`bot4 run` (as `make run` does it): the report's numbers agree with the journal on disk.

The journal is read back from the run directory's SQLite file after the process-level run is
over; fills count, net position per instrument, fees and realized PnL are recomputed from the
journaled fills alone and compared with report.json and report.html.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bot4.cli import app
from bot4.clock import LiveClock
from bot4.model import InstrumentId, Side, bundled_instruments
from bot4.oms import OrderFilled
from bot4.storage import SqliteJournal, StorageConfig, fills


async def _journal_fills(data_dir: Path) -> list[OrderFilled]:
    journal = await SqliteJournal.open(StorageConfig(data_dir=str(data_dir)), LiveClock())
    try:
        return fills(journal.records())
    finally:
        await journal.close()


class _AvgCost:
    """Net position at average cost, as documented in bot4.oms._position (floor on reduce)."""

    def __init__(self) -> None:
        self.qty = 0  # signed size units
        self.cost = 0  # signed notional of the open quantity
        self.realized = 0  # notional units, before fees
        self.fees = 0
        self.flow = 0  # -(sum of signed fill notionals): what the identity needs

    def fill(self, side: Side, qty: int, price: int, fee: int) -> None:
        signed = qty if side is Side.BUY else -qty
        self.fees += fee
        self.flow -= signed * price
        if self.qty == 0 or (self.qty > 0) == (signed > 0):
            self.qty += signed
            self.cost += signed * price
            return
        open_abs = abs(self.qty)
        close = min(qty, open_abs)
        removed = abs(self.cost) * close // open_abs
        direction = 1 if self.qty > 0 else -1
        self.realized += direction * (price * close - removed)
        if qty <= open_abs:
            self.qty += signed
            self.cost -= direction * removed
        else:
            self.qty += signed
            self.cost = self.qty * price


def _dec(text: str | None) -> Decimal:
    assert text is not None
    return Decimal(text)


def test_make_run_report_agrees_with_the_journal(tmp_path: Path) -> None:
    cfg = tmp_path / "bot4.toml"
    cfg.write_text(f'runs_dir = "{tmp_path / "runs"}"\n[replay]\npace = 20.0\n')
    result = CliRunner().invoke(app, ["run", "--config", str(cfg), "--no-api", "--duration", "20"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    report: dict[str, Any] = json.loads((run_dir / "report.json").read_text())
    journaled = asyncio.run(_journal_fills(tmp_path / "var" / "bot4"))

    # Fills: count.
    assert len(journaled) == report["fills"] == report["journal_fills"]
    assert len(journaled) >= 5, "the sample strategies trade on the bundled data"
    assert f"fills {report['fills']}" in result.output

    # Per instrument, recomputed from the journaled fills alone.
    books: dict[InstrumentId, _AvgCost] = defaultdict(_AvgCost)
    for f in journaled:
        books[f.instrument_id].fill(f.side, f.last_qty, f.last_price, f.fee)
    instruments = bundled_instruments()
    positions = {p["instrument_id"]: p for p in report["positions"]}
    total_realized = total_fees = Decimal(0)
    for iid, book in books.items():
        inst = instruments[iid]
        scale = inst.notional_scale()
        assert scale <= 16, "account units hold this instrument's notional exactly"
        pos = positions.get(str(iid))
        if pos is None:  # the report lists every position that traded
            assert book.qty == 0 and book.realized == 0 and book.fees == 0
            continue
        assert _dec(pos["qty"]) == Decimal(book.qty).scaleb(-inst.size_precision), iid
        assert _dec(pos["realized_pnl"]) == Decimal(book.realized).scaleb(-scale), iid
        by = report["fills_by_instrument"][str(iid)]
        assert by["fills"] == sum(1 for f in journaled if f.instrument_id == iid)
        assert _dec(by["bought"]) - _dec(by["sold"]) == _dec(pos["qty"])
        assert _dec(by["fees"]) == Decimal(book.fees).scaleb(-scale)
        # realized + unrealized == -(signed notionals) + qty * mark, whatever the rounding.
        mark = (
            0
            if pos["mark_price"] is None
            else int(_dec(pos["mark_price"]).scaleb(inst.price_precision))
        )
        assert _dec(pos["realized_pnl"]) + _dec(pos["unrealized_pnl"]) == Decimal(
            book.flow + book.qty * mark
        ).scaleb(-scale)
        total_realized += Decimal(book.realized).scaleb(-scale)
        total_fees += Decimal(book.fees).scaleb(-scale)
    assert any(b.realized for b in books.values()), "some fills closed a position"
    assert _dec(report["pnl"]["realized"]) == total_realized
    assert _dec(report["pnl"]["fees"]) == total_fees
    pnl = report["pnl"]
    total = _dec(pnl["realized"]) - _dec(pnl["fees"]) + _dec(pnl["unrealized"])
    assert _dec(pnl["total"]) == total
    assert _dec(report["pnl_history"][-1]["total"]) == total, "the plot ends at the report's PnL"

    # The last fills listed are the journal's last fills.
    recent = report["recent_fills"]
    assert [r["client_order_id"] for r in recent] == [
        str(f.client_order_id) for f in journaled[-len(recent) :]
    ]

    # report.html shows the same numbers.
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert f"Fills ({len(journaled)})" in page
    for key in ("realized", "fees", "unrealized", "total"):
        assert f"<td>{_dec(pnl[key]):f}</td>" in page, key  # plain notation on the page
    assert f"PnL over time ({len(report['pnl_history'])} samples)" in page
