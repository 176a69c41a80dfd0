"""`OrderTracker`: Binance's order updates -> Bot4 `VenueEvent`s, each emitted exactly once.

The same fact reaches the venue by up to three roads: the REST answer to the request, the
user-data stream, and the queries after a reconnect or an UNKNOWN outcome. The tracker keeps
what it has told the OMS per order (accepted, fill ids, terminal) and turns every road into the
events still missing, in an order the OMS accepts: an order is accepted before its first fill,
cancel or expiry, and a terminal event comes once (later fills still pass: a fill can race a
cancel).

Replace is Binance's cancelReplace: the working order is cancelled and a new one placed for the
rest of the quantity under a new venue id `<coid>.r<n>` (Binance client ids are unique among
open orders; a new id keeps every query unambiguous). The cancel of the old id that belongs to a
replace is not an OrderCanceled; the new order's NEW (or the REST success) is the OrderReplaced.

Pure: no I/O and no clock (times come from Binance's messages).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

from bot4.errors import PrecisionError, VenueError
from bot4.model import (
    ClientOrderId,
    Instrument,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderSubmitted,
    Side,
    VenueEvent,
    to_fixed,
)
from bot4.venues.binance._wire import ExecutionReport, RestOrder, Trade

__all__ = ["OrderTracker", "Tracked"]

log = logging.getLogger(__name__)

_NS_PER_MS = 1_000_000
MAX_CLIENT_ORDER_ID = 36  # Binance: ^[.A-Z:/a-z0-9_-]{1,36}$
_TERMINAL = frozenset({"FILLED", "CANCELED", "EXPIRED", "REJECTED", "EXPIRED_IN_MATCH"})


@dataclass(slots=True)
class Tracked:
    """What the OMS has been told about one order, and how Binance knows it."""

    coid: ClientOrderId  # our id (the OMS's)
    order: OrderSubmitted  # as the OMS sent it (type, time in force: a replace reuses them)
    instrument: Instrument
    side: Side
    qty: int  # current total quantity, fills included (size units)
    price: int | None  # current limit price
    venue_coid: str  # the id the working order has on Binance (coid, then coid.r1, ...)
    venue_order_id: str = ""  # Binance's orderId of the working order ("" until known)
    accepted: bool = False  # OrderAccepted emitted
    terminal: bool = False  # Canceled / Expired / Rejected emitted (or filled in full)
    filled: int = 0  # sum of emitted fills
    fill_ids: set[str] = field(default_factory=set)  # trade ids emitted
    replaces: int = 0  # cancelReplaces sent (the suffix of the next venue id)
    # While a cancelReplace is out: (new venue id, new total qty, new price).
    replacing: tuple[str, int, int | None] | None = None
    retired: set[str] = field(default_factory=set)  # old venue ids whose cancel was a replace


class OrderTracker:
    """Every order the venue sent, by our id and by its venue ids; see the module docstring."""

    def __init__(self, max_terminal: int = 10_000) -> None:
        self.orders: dict[ClientOrderId, Tracked] = {}
        self._by_venue_coid: dict[str, Tracked] = {}
        self._by_order_id: dict[int, Tracked] = {}
        self._terminal: deque[ClientOrderId] = deque()
        self._max_terminal = max_terminal
        self.fees_unconverted = 0  # fills whose commission asset was neither base nor quote

    # -- bookkeeping --------------------------------------------------------------------------

    def add(self, order: OrderSubmitted, instrument: Instrument) -> Tracked:
        if len(order.client_order_id) > MAX_CLIENT_ORDER_ID:
            raise VenueError(f"client order id longer than {MAX_CLIENT_ORDER_ID} characters")
        t = Tracked(
            coid=order.client_order_id,
            order=order,
            instrument=instrument,
            side=order.side,
            qty=order.qty,
            price=order.price,
            venue_coid=order.client_order_id,
        )
        self.orders[t.coid] = t
        self._by_venue_coid[t.venue_coid] = t
        return t

    def find(self, venue_coid: str) -> Tracked | None:
        return self._by_venue_coid.get(venue_coid)

    def find_order_id(self, order_id: int) -> Tracked | None:
        return self._by_order_id.get(order_id)

    def open(self) -> list[Tracked]:
        return [t for t in self.orders.values() if not t.terminal]

    def _set_order_id(self, t: Tracked, order_id: int) -> None:
        if order_id:
            t.venue_order_id = str(order_id)
            self._by_order_id[order_id] = t

    def _end(self, t: Tracked) -> None:
        t.terminal = True
        self._terminal.append(t.coid)
        while len(self._terminal) > self._max_terminal:
            old = self.orders.pop(self._terminal.popleft(), None)
            if old is not None:
                for vid in (old.venue_coid, *old.retired):
                    self._by_venue_coid.pop(vid, None)
                if old.venue_order_id:
                    self._by_order_id.pop(int(old.venue_order_id), None)

    # -- events -------------------------------------------------------------------------------

    def accepted(self, t: Tracked, order_id: int, ts_ms: int) -> list[VenueEvent]:
        """OrderAccepted once (also the prefix of any later event of an unaccepted order)."""
        self._set_order_id(t, order_id)
        if t.accepted or t.terminal:
            return []
        t.accepted = True
        return [
            OrderAccepted(
                client_order_id=t.coid,
                venue_order_id=t.venue_order_id,
                ts_event=ts_ms * _NS_PER_MS,
            )
        ]

    def fill(
        self,
        t: Tracked,
        *,
        order_id: int,
        trade_id: int,
        qty: str,
        price: str,
        commission: str,
        commission_asset: str | None,
        maker: bool,
        ts_ms: int,
    ) -> list[VenueEvent]:
        """OrderFilled for trade `trade_id` unless already emitted (after an OrderAccepted)."""
        fill_id = str(trade_id)
        if trade_id < 0 or fill_id in t.fill_ids:
            return []
        events = self.accepted(t, order_id, ts_ms)
        inst = t.instrument
        last_qty = inst.qty(qty)
        last_price = inst.price(price)
        t.fill_ids.add(fill_id)
        t.filled += last_qty
        events.append(
            OrderFilled(
                client_order_id=t.coid,
                instrument_id=inst.id,
                venue_order_id=str(order_id) if order_id else t.venue_order_id,
                fill_id=fill_id,
                side=t.side,
                last_qty=last_qty,
                last_price=last_price,
                fee=self._fee(inst, commission, commission_asset, last_price),
                liquidity=LiquiditySide.MAKER if maker else LiquiditySide.TAKER,
                ts_event=ts_ms * _NS_PER_MS,
            )
        )
        if t.filled >= t.qty and not t.terminal:
            self._end(t)  # FILLED is terminal; the OMS sees it from the quantities
        return events

    def _fee(self, inst: Instrument, commission: str, asset: str | None, last_price: int) -> int:
        """The commission in notional units (quote, price units * size units)."""
        if asset is None or not commission.strip("0."):
            return 0
        try:
            if asset == inst.quote:
                return to_fixed(commission, inst.notional_scale())
            if asset == inst.base:
                return to_fixed(commission, inst.size_precision) * last_price
        except PrecisionError:
            log.warning(
                "%s: commission %s %s does not fit its precision", inst.id, commission, asset
            )
        self.fees_unconverted += 1  # BNB (or an odd precision): not in quote; counted, not guessed
        return 0

    def ended(self, t: Tracked, status: str, reason: str, ts_ms: int) -> list[VenueEvent]:
        """The terminal event for a Binance status (CANCELED, EXPIRED, REJECTED, ...), once."""
        if t.terminal:
            return []
        ts = ts_ms * _NS_PER_MS
        if status == "REJECTED":
            self._end(t)
            return [OrderRejected(client_order_id=t.coid, reason=reason or "REJECTED", ts_event=ts)]
        events: list[VenueEvent] = self.accepted(t, 0, ts_ms)
        if status == "CANCELED":
            events.append(OrderCanceled(client_order_id=t.coid, ts_event=ts))
        elif status in ("EXPIRED", "EXPIRED_IN_MATCH"):
            events.append(OrderExpired(client_order_id=t.coid, ts_event=ts))
        else:
            return events  # FILLED: its fills say it
        self._end(t)
        return events

    def rejected(self, t: Tracked, reason: str, ts_ns: int) -> list[VenueEvent]:
        """The venue refused the order outright (REST error), once."""
        if t.terminal or t.accepted:
            return []
        self._end(t)
        return [OrderRejected(client_order_id=t.coid, reason=reason, ts_event=ts_ns)]

    # -- replace ------------------------------------------------------------------------------

    def begin_replace(self, t: Tracked, qty: int, price: int | None) -> str:
        """Note a cancelReplace about to go out; returns the new order's venue id."""
        t.replaces += 1
        new_id = f"{t.coid}.r{t.replaces}"
        if len(new_id) > MAX_CLIENT_ORDER_ID:
            raise VenueError(f"{t.coid}: the replacement id would pass 36 characters")
        t.replacing = (new_id, qty, price)
        self._by_venue_coid[new_id] = t
        t.retired.add(t.venue_coid)
        return new_id

    def replaced(self, t: Tracked, order_id: int, ts_ms: int) -> list[VenueEvent]:
        """The new order is on the book: OrderReplaced once."""
        if t.replacing is None:
            return []
        new_id, qty, price = t.replacing
        t.replacing = None
        t.venue_coid = new_id
        t.retired.discard(new_id)
        t.qty, t.price = qty, price
        self._set_order_id(t, order_id)
        return [
            OrderReplaced(client_order_id=t.coid, qty=qty, price=price, ts_event=ts_ms * _NS_PER_MS)
        ]

    def replace_failed(self, t: Tracked) -> None:
        """The cancelReplace did nothing: the old order still works under its old id."""
        if t.replacing is not None:
            self._by_venue_coid.pop(t.replacing[0], None)
            t.retired.discard(t.venue_coid)
            t.replacing = None

    # -- roads in ------------------------------------------------------------------------------

    def on_execution_report(self, er: ExecutionReport) -> list[VenueEvent]:
        x = er.execution_type
        orig = er.orig_client_order_id
        vid = orig if x == "CANCELED" and orig else er.client_order_id
        t = self._by_venue_coid.get(vid)
        if t is None:
            return []  # not ours (another client on the account) or long forgotten
        if x == "NEW":
            if t.replacing is not None and vid == t.replacing[0]:
                return self.replaced(t, er.order_id, er.transact_ms)
            if vid != t.venue_coid:
                return []
            return self.accepted(t, er.order_id, er.transact_ms)
        if x == "TRADE":
            return self.fill(
                t,
                order_id=er.order_id,
                trade_id=er.trade_id,
                qty=er.last_qty,
                price=er.last_price,
                commission=er.commission,
                commission_asset=er.commission_asset,
                maker=er.maker,
                ts_ms=er.transact_ms,
            )
        if vid in t.retired or vid != t.venue_coid:
            return []  # the cancel half of a replace, or an old id's late news
        if x == "REJECTED":
            return self.ended(t, "REJECTED", er.reject_reason, er.transact_ms)
        if x in ("CANCELED", "EXPIRED", "TRADE_PREVENTION"):
            status = "CANCELED" if x == "CANCELED" else "EXPIRED"
            return self.ended(t, status, "", er.transact_ms)
        return []

    def on_rest_order(self, t: Tracked, order: RestOrder, trades: list[Trade]) -> list[VenueEvent]:
        """An order's state from REST (new-order answer, query, cancel answer) plus its trades:
        the events the OMS has not had yet."""
        ts = order.ts_ms
        if order.status == "REJECTED":
            return self.ended(t, "REJECTED", "REJECTED", ts)
        events = self.accepted(t, order.order_id, ts)
        for f in order.fills:
            events += self.fill(
                t,
                order_id=order.order_id,
                trade_id=f.trade_id,
                qty=f.qty,
                price=f.price,
                commission=f.commission,
                commission_asset=f.commission_asset,
                maker=False,  # a FULL answer's fills are the new order taking liquidity
                ts_ms=ts,
            )
        for tr in trades:
            if tr.order_id == order.order_id:
                events += self.fill(
                    t,
                    order_id=tr.order_id,
                    trade_id=tr.id,
                    qty=tr.qty,
                    price=tr.price,
                    commission=tr.commission,
                    commission_asset=tr.commission_asset,
                    maker=tr.is_maker,
                    ts_ms=tr.time,
                )
        if order.status in _TERMINAL:
            events += self.ended(t, order.status, "", ts)
        return events
