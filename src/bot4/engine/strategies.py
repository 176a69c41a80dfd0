"""Two sample strategies that make sense on the bundled Binance data.

`MarketMaker` quotes one bid and one ask around the mid, skewed against its inventory so it
leans back to flat; `MomentumTaker` buys (sells) with a marketable order when a fast average of
trade prices runs above (below) a slow one by a threshold. Both are deliberately small: they
exist to exercise the pipeline with realistic order flow, not to make money.

They are ordinary `[[strategies]]` entries (`class = "bot4.engine.strategies:MarketMaker"`), each
declaring its settings Struct as `config_type`, like any user strategy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import msgspec

from bot4.engine._strategy import Strategy
from bot4.errors import ConfigValueError
from bot4.model import (
    InstrumentId,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    Side,
    TimeInForce,
)

if TYPE_CHECKING:
    from bot4.marketdata import OrderBook
    from bot4.model import ClientOrderId, OrderEvent, TradeTick

__all__ = ["MarketMaker", "MarketMakerConfig", "MomentumConfig", "MomentumTaker"]


class MarketMakerConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Quotes around mid. Sizes are in lots, distances in ticks of the instrument."""

    half_spread_ticks: int = 2  # distance of each quote from mid
    lot_notional: int = 20  # one lot is worth this many quote units (USDT) at the first mid
    quote_lots: int = 10  # size of each quote
    max_inventory_lots: int = 50  # at this inventory the skew is full
    skew_ticks: int = 5  # how far both quotes shift at full inventory
    requote_ticks: int = 2  # move a quote only when its target moved this far
    min_requote_interval_s: float = 0.2  # at most one requote per side per interval
    # An identical quote (same side, price and size) is not sent again within this many
    # seconds: the risk engine would deny it as a duplicate (its duplicate_window_ms).
    same_quote_gap_s: float = 1.0

    def __post_init__(self) -> None:
        for name in ("half_spread_ticks", "quote_lots", "max_inventory_lots", "lot_notional"):
            if getattr(self, name) <= 0:
                raise ConfigValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if (
            self.requote_ticks < 0
            or self.skew_ticks < 0
            or self.min_requote_interval_s < 0
            or self.same_quote_gap_s < 0
        ):
            raise ConfigValueError(
                "requote_ticks, skew_ticks, min_requote_interval_s and same_quote_gap_s "
                "must be >= 0"
            )


class MarketMaker(Strategy):
    """One bid and one ask per instrument, skewed against inventory."""

    config_type: ClassVar[type[msgspec.Struct]] = MarketMakerConfig
    config: MarketMakerConfig

    def __init__(
        self,
        strategy_id: str,
        instruments: Sequence[InstrumentId],
        config: MarketMakerConfig | None = None,
    ) -> None:
        super().__init__(strategy_id, instruments, config)
        # Our live quote per (instrument, side): (client order id, price); absent when none.
        self._quotes: dict[tuple[InstrumentId, Side], tuple[ClientOrderId, int]] = {}
        # Monotonic ns of the last requote per (instrument, side).
        self._last_requote: dict[tuple[InstrumentId, Side], int] = {}
        # Per (instrument, side): (price, qty) -> monotonic ns of quotes sent recently (entries
        # older than same_quote_gap_s are pruned on each send, so it stays small).
        self._sent: dict[tuple[InstrumentId, Side], dict[tuple[int, int], int]] = {}
        self.skipped_same_quote = 0  # quotes not sent because an identical one just went out

    def on_book(self, book: OrderBook) -> None:
        mid = book.mid()
        if mid is None:
            return
        inst = book.instrument
        cfg = self.config
        lot = self.lot_size(inst, mid, cfg.lot_notional)
        inventory = self.ctx.position_qty(inst.id) // lot
        # Lean against inventory: long -> both quotes lower (sell more easily), short -> higher.
        skew = -cfg.skew_ticks * max(-1.0, min(1.0, inventory / cfg.max_inventory_lots))
        center = mid + round(skew) * inst.tick
        bid = (center - cfg.half_spread_ticks * inst.tick) // inst.tick * inst.tick
        ask = -(-(center + cfg.half_spread_ticks * inst.tick) // inst.tick) * inst.tick
        self.decide(inst.id, f"quote {inst.price_str(bid)}/{inst.price_str(ask)} inv {inventory}")
        for side, price, limit_ok in (
            (Side.BUY, bid, inventory < cfg.max_inventory_lots),
            (Side.SELL, ask, inventory > -cfg.max_inventory_lots),
        ):
            self._requote(inst.id, side, price if limit_ok else None, inst.tick, lot)

    def _requote(
        self, iid: InstrumentId, side: Side, price: int | None, tick: int, lot: int
    ) -> None:
        key = (iid, side)
        live = self._quotes.get(key)
        if (
            live is not None
            and price is not None
            and abs(live[1] - price) < (self.config.requote_ticks * tick)
        ):
            return
        now = self.ctx.clock.monotonic_ns()
        if now - self._last_requote.get(key, -(10**18)) < self.config.min_requote_interval_s * 1e9:
            return
        qty = self.config.quote_lots * lot
        gap_ns = self.config.same_quote_gap_s * 1e9
        sent = self._sent.setdefault(key, {})
        if price is not None and now - sent.get((price, qty), -(10**18)) < gap_ns:
            # The same quote went out moments ago (filled, or moved away and back): sending it
            # again would only be denied DUPLICATE_ORDER. Keep what is live until it changes.
            self.skipped_same_quote += 1
            return
        self._last_requote[key] = now
        if live is not None:
            # The cancel may be confirmed inside the call (paper venue without latency), and
            # on_order_event then already forgot the quote.
            self._quotes.pop(key, None)
            self.cancel(live[0])
        if price is None:
            return
        for old in [k for k, t in sent.items() if now - t >= gap_ns]:
            del sent[old]
        sent[(price, qty)] = now
        coid = self.submit_limit(iid, side, qty, price, TimeInForce.GTC)
        if coid is not None:
            self._quotes[key] = (coid, price)

    def on_order_event(self, event: OrderEvent) -> None:
        if not isinstance(event, OrderCanceled | OrderExpired | OrderRejected | OrderFilled):
            return
        # A quote that is no longer open (filled out, canceled, rejected) is forgotten, so the
        # next book update places a fresh one.
        if event.client_order_id in self.ctx.open_order_ids(self):
            return
        for key, (coid, _) in list(self._quotes.items()):
            if coid == event.client_order_id:
                del self._quotes[key]


class MomentumConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Trend follower on trade prices."""

    fast: int = 5  # trades in the fast average (EMA span)
    slow: int = 30  # trades in the slow average (EMA span)
    threshold_bps: float = 0.5  # fast must lead slow by this much to act
    lot_notional: int = 20  # one lot is worth this many quote units (USDT) at the first trade
    order_lots: int = 5  # size of each marketable order
    max_position_lots: int = 20  # never hold more than this either way
    cooldown_s: float = 1.0  # at least this long between orders per instrument

    def __post_init__(self) -> None:
        if not 0 < self.fast < self.slow:
            raise ConfigValueError(
                f"fast must be > 0 and < slow, got fast={self.fast} slow={self.slow}"
            )
        if self.order_lots <= 0 or self.max_position_lots <= 0 or self.lot_notional <= 0:
            raise ConfigValueError("order_lots, max_position_lots and lot_notional must be > 0")
        if self.threshold_bps < 0 or self.cooldown_s < 0:
            raise ConfigValueError("threshold_bps and cooldown_s must be >= 0")


class MomentumTaker(Strategy):
    """Takes liquidity in the direction of short-term momentum."""

    config_type: ClassVar[type[msgspec.Struct]] = MomentumConfig
    config: MomentumConfig

    def __init__(
        self,
        strategy_id: str,
        instruments: Sequence[InstrumentId],
        config: MomentumConfig | None = None,
    ) -> None:
        super().__init__(strategy_id, instruments, config)
        self._fast: dict[InstrumentId, float] = {}  # EMA of trade price (analytics: floats ok)
        self._slow: dict[InstrumentId, float] = {}
        self._count: dict[InstrumentId, int] = {}  # trades seen, to wait for the slow warm-up
        self._last_order: dict[InstrumentId, int] = {}  # monotonic ns of our last order

    def on_trade(self, tick: TradeTick) -> None:
        iid, cfg = tick.instrument_id, self.config
        p = float(tick.price)
        fast = self._fast.get(iid, p)
        slow = self._slow.get(iid, p)
        fast += (p - fast) * 2 / (cfg.fast + 1)
        slow += (p - slow) * 2 / (cfg.slow + 1)
        self._fast[iid], self._slow[iid] = fast, slow
        n = self._count[iid] = self._count.get(iid, 0) + 1
        if n < cfg.slow:
            return
        now = self.ctx.clock.monotonic_ns()
        if now - self._last_order.get(iid, -(10**18)) < cfg.cooldown_s * 1e9:
            return
        lead_bps = (fast - slow) / slow * 1e4
        if abs(lead_bps) < cfg.threshold_bps:
            return
        side = Side.BUY if lead_bps > 0 else Side.SELL
        inst = self.ctx.instrument(iid)
        lot = self.lot_size(inst, tick.price, cfg.lot_notional)
        pos_lots = self.ctx.position_qty(iid) // lot
        if side.sign * pos_lots + cfg.order_lots > cfg.max_position_lots:
            self.decide(
                iid, f"momentum {lead_bps:+.1f} bps but at position limit ({pos_lots} lots)"
            )
            return
        self._last_order[iid] = now
        self.decide(iid, f"momentum {lead_bps:+.1f} bps: {side.name} {cfg.order_lots} lots")
        self.submit_market(iid, side, cfg.order_lots * lot)
