"""The end-of-run report: PnL, fills, risk denials, breaker events, stage latencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot4.engine._views import account_str, kill_view
from bot4.errors import ConfigValueError
from bot4.storage import fills

if TYPE_CHECKING:
    from bot4.engine._node import TradingNode
    from bot4.oms import OrderFilled

__all__ = ["Latencies", "PnlHistory", "build_report", "summary"]

_MAX_SAMPLES = 100_000  # per stage; enough for stable percentiles, bounded memory


class PnlHistory:
    """PnL over the run in bounded memory: when full, every other point goes and sampling halves.

    The kept points stay evenly spaced from the first sample on (a long run is covered end to
    end at a coarser step), and the latest sample is always reported so the plot ends at the
    number the report prints.
    """

    def __init__(self, max_points: int = 2000) -> None:
        if max_points < 3:
            raise ConfigValueError(f"max_points must be >= 3 (got {max_points})")
        self.max_points = max_points
        self._kept: list[tuple[int, str]] = []  # every `_every`-th sample; < max_points long
        self._every = 1  # keep one sample in `_every` (doubles each time the list fills)
        self._seen = 0  # samples offered so far
        self._last: tuple[int, str] | None = None  # the latest sample, kept or not

    def sample(self, ts_ns: int, total: str) -> None:
        """Offer one sample: `total` is the decimal string of realized-fees+unrealized PnL."""
        point = (ts_ns, total)
        self._last = point
        if self._seen % self._every == 0:
            self._kept.append(point)
            if len(self._kept) >= self.max_points:  # one slot stays free for the latest
                del self._kept[1::2]
                self._every *= 2
        self._seen += 1

    def points(self) -> list[dict[str, Any]]:
        """The kept samples plus the latest one, oldest first (at most `max_points`)."""
        out = [{"ts_ns": ts, "total": total} for ts, total in self._kept]
        if self._last is not None and (not self._kept or self._kept[-1] is not self._last):
            out.append({"ts_ns": self._last[0], "total": self._last[1]})
        return out


class Latencies:
    """Per-stage samples in ns (the first `_MAX_SAMPLES` of each)."""

    def __init__(self) -> None:
        self.samples: dict[str, list[int]] = {}

    def add(self, stage: str, ns: int) -> None:
        bucket = self.samples.setdefault(stage, [])
        if len(bucket) < _MAX_SAMPLES:
            bucket.append(ns)

    def percentiles(self) -> dict[str, dict[str, float]]:
        """Per stage: count and p50/p90/p99/max in microseconds."""
        out: dict[str, dict[str, float]] = {}
        for stage, values in sorted(self.samples.items()):
            v = sorted(values)
            n = len(v)
            out[stage] = {
                "count": n,
                "p50_us": v[n // 2] / 1e3,
                "p90_us": v[min(n - 1, n * 9 // 10)] / 1e3,
                "p99_us": v[min(n - 1, n * 99 // 100)] / 1e3,
                "max_us": v[-1] / 1e3,
            }
        return out


_RECENT_FILLS = 50  # the last fills listed in the report (all of them are in the journal)


def _fill_views(node: TradingNode, journaled: list[OrderFilled]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    p = node.portfolio
    for f in journaled[-_RECENT_FILLS:]:
        inst = node.instruments[f.instrument_id]
        out.append(
            {
                "ts_ns": f.ts_event,
                "client_order_id": str(f.client_order_id),
                "instrument_id": str(f.instrument_id),
                "side": f.side.name,
                "qty": inst.qty_str(f.last_qty),
                "price": inst.price_str(f.last_price),
                "fee": account_str(p.to_account(f.instrument_id, f.fee), p.account_precision),
                "liquidity": f.liquidity.name,
            }
        )
    return out


def _fills_by_instrument(node: TradingNode) -> dict[str, dict[str, Any]]:
    """Per instrument: fill count, gross bought/sold and fees (from the positions)."""
    out: dict[str, dict[str, Any]] = {}
    p = node.portfolio
    for iid, pos in sorted(p.positions.items()):
        if pos.fill_count == 0:
            continue
        inst = node.instruments[iid]
        out[str(iid)] = {
            "fills": pos.fill_count,
            "bought": inst.qty_str(pos.buy_qty),
            "sold": inst.qty_str(pos.sell_qty),
            "fees": account_str(p.to_account(iid, pos.fees), p.account_precision),
        }
    return out


def _pnl_history(node: TradingNode, total: str) -> list[dict[str, Any]]:
    """The sampled history, ending with the PnL at stop (so the plot ends where the report does)."""
    return [*node.pnl_history.points(), {"ts_ns": node.clock.time_ns(), "total": total}]


def build_report(node: TradingNode, elapsed_s: float, frames_total: int) -> dict[str, Any]:
    p = node.portfolio
    prec = p.account_precision
    journal = node.storage.journal if node.storage is not None else None
    journaled = [] if journal is None else fills(journal.records())
    conn = node.conn
    total = account_str(p.realized_pnl() - p.fees() + p.unrealized_pnl(), prec)
    return {
        "run_dir": str(node.run_dir),
        "elapsed_s": round(elapsed_s, 3),
        "frames": {"total": frames_total, "received": 0 if conn is None else conn.stats.frames},
        "feed": node.handler.stats.as_dict(),
        "pnl": {
            "realized": account_str(p.realized_pnl(), prec),
            "fees": account_str(p.fees(), prec),
            "unrealized": account_str(p.unrealized_pnl(), prec),
            "equity": account_str(p.equity(), prec),
            "total": total,
        },
        "pnl_history": _pnl_history(node, total),
        "positions": node.control.positions(),
        "orders_submitted": node.context.orders_submitted,
        "fills": node.router.fills,
        "fills_by_instrument": _fills_by_instrument(node),
        "recent_fills": _fill_views(node, journaled),
        "journal_records": 0 if journal is None else len(journal),
        "journal_fills": len(journaled),
        "open_orders_at_stop": 0 if node.oms is None else node.oms.open_order_count(),
        "risk_denials": dict(sorted(node.router.denials.items())),
        "venue_rejections": dict(sorted(node.router.rejections.items())),
        "breaker_events": node.ops.breaker_events,
        "kill_switch": kill_view(node.risk.kill_switch),
        "strategies_failed": dict(node.router.failed),
        "latency": node.latencies.percentiles(),
    }


def summary(report: dict[str, Any]) -> str:
    """A few lines for the terminal."""
    pnl = report["pnl"]
    lines = [
        f"run: {report['run_dir']} ({report['elapsed_s']} s, "
        f"{report['frames']['received']}/{report['frames']['total']} frames)",
        f"orders {report['orders_submitted']}, fills {report['fills']}, "
        f"denied {sum(report['risk_denials'].values())} {report['risk_denials']}",
        f"pnl realized {pnl['realized']} fees {pnl['fees']} unrealized {pnl['unrealized']} "
        f"total {pnl['total']} equity {pnl['equity']}",
    ]
    if report["venue_rejections"]:
        lines.append(
            f"venue rejected {sum(report['venue_rejections'].values())} "
            f"{report['venue_rejections']}"
        )
    if report["breaker_events"]:
        lines.append(f"breaker events {len(report['breaker_events'])}")
    if report["kill_switch"].get("active"):
        kill = report["kill_switch"]
        lines.append(f"kill switch tripped by {kill.get('who')}: {kill.get('reason')}")
    if report["strategies_failed"]:
        lines.append(f"strategies stopped: {report['strategies_failed']}")
    for stage, q in report["latency"].items():
        lines.append(f"latency {stage}: p50 {q['p50_us']:.1f} us, p99 {q['p99_us']:.1f} us")
    lines.append(f"report: {report['run_dir']}/report.json")
    lines.append(f"report: {report['run_dir']}/report.html")
    return "\n".join(lines)
