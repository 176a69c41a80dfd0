"""The paper venue's matching: orders against the live book, resting orders against the market.

`Matcher` holds the working orders and decides every ack, fill and expiry; `PaperVenue` adds
the request latency on top (see the rules in `bot4.venues.paper`). Kept apart so each reads on
its own: this is what happens to an order once it has arrived.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot4.clock import Clock
from bot4.errors import VenueError
from bot4.model import (
    BookDeltas,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
    OrderType,
    Side,
    TimeInForce,
    TradeTick,
    VenueEvent,
)
from bot4.venues._book import BookView, LastTradeBook, levels_within, marketable, queue_at
from bot4.venues._fill_model import PaperVenueConfig, fee_table
from bot4.venues._protocol import VenueEventHandler

__all__ = ["Matcher", "Resting"]

_PPM = 1_000_000

# Enum members hoisted to module constants: `Side.BUY` is an attribute lookup on the
# Enum class (~0.2 us each, measured); these are plain global loads on the hot path.
_BUY = Side.BUY
_SELL = Side.SELL
_STOP_LIMIT = OrderType.STOP_LIMIT
_MARKET = OrderType.MARKET
_GTC = TimeInForce.GTC
_IOC = TimeInForce.IOC
_FOK = TimeInForce.FOK
_POST_ONLY = TimeInForce.POST_ONLY
_MAKER = LiquiditySide.MAKER
_TAKER = LiquiditySide.TAKER


class Resting:
    """One order working at the paper venue."""

    __slots__ = (
        "client_order_id",
        "fees",
        "filled",
        "price",
        "qty",
        "queue_ahead",
        "side",
        "trigger_price",
        "venue_order_id",
    )

    def __init__(self, order: OrderSubmitted, venue_order_id: str, fees: tuple[int, int]) -> None:
        self.client_order_id = order.client_order_id
        self.venue_order_id = venue_order_id
        self.side = order.side
        # Limit price; 0 for a MARKET order, which never rests (its walk has no limit).
        self.price: int = order.price if order.price is not None else 0
        self.qty = order.qty  # total quantity; remaining = qty - filled
        self.filled = 0
        # Quantity ahead of us at our price (the queue position approximation).
        self.queue_ahead = 0
        # The stop trigger while untriggered; None once it acts as a LIMIT.
        self.trigger_price = order.trigger_price if order.order_type is _STOP_LIMIT else None
        # (maker, taker) fee in ppm for its instrument's exchange, looked up once on arrival.
        self.fees = fees


class Matcher:
    """Matches arrived requests against live books and resting orders against market data."""

    def __init__(
        self,
        clock: Clock,
        config: PaperVenueConfig,
        books: Mapping[InstrumentId, BookView] | None = None,
    ) -> None:
        self._clock = clock
        self.config = config
        self.name = config.name
        self._books: dict[InstrumentId, BookView] = dict(books or {})
        # Instruments with trades and no book: their `LastTradeBook`s (also in _books).
        self._trade_books: dict[InstrumentId, LastTradeBook] = {}
        self._handler: VenueEventHandler | None = None
        # Working orders per instrument, by client order id, in arrival order.
        self._resting: dict[InstrumentId, dict[ClientOrderId, Resting]] = {}
        self._ids = 0
        # (maker, taker) ppm: the default pair, the per-exchange table, and per instrument
        # the pair in force, set with its book (so an order looks it up once, by id).
        self._default_fees = (config.maker_fee_ppm, config.taker_fee_ppm)
        self._fee_table = fee_table(config)
        self._fees: dict[InstrumentId, tuple[int, int]] = {}
        for iid in self._books:
            self.fees_for(iid)
        self._queue_from_book = config.queue == "book"
        self._scan_depth = config.queue_scan_depth
        self._on_cross = config.fill_on_book_cross

    # -- wiring ---------------------------------------------------------------------------

    def set_event_handler(self, handler: VenueEventHandler) -> None:
        self._handler = handler

    def add_book(self, instrument_id: InstrumentId, book: BookView) -> None:
        self._books[instrument_id] = book
        self._trade_books.pop(instrument_id, None)
        self.fees_for(instrument_id)

    def resting(self, instrument_id: InstrumentId | None = None) -> int:
        """How many orders are working here (of one instrument)."""
        if instrument_id is not None:
            return len(self._resting.get(instrument_id, ()))
        return sum(len(v) for v in self._resting.values())

    def fees_for(self, instrument_id: InstrumentId) -> tuple[int, int]:
        """(maker, taker) fee in ppm for an instrument: its exchange's override, else default."""
        fees = self._fees.get(instrument_id)
        if fees is None:
            exchange = instrument_id.partition(":")[0].upper()
            fees = self._fees[instrument_id] = self._fee_table.get(exchange, self._default_fees)
        return fees

    # -- market data ----------------------------------------------------------------------

    def on_market_event(self, event: object) -> None:
        """Route a feed handler's output: trades fill or trigger resting orders, book updates
        re-check which resting orders the book now crosses; anything else is ignored."""
        if isinstance(event, TradeTick):
            self.on_trade(event)
            iid = event.instrument_id
            last = self._trade_books.get(iid)
            if last is not None:
                last.update(event.price, event.qty)
            elif iid not in self._books:  # trades but no book: the last trade is the book
                self._books[iid] = self._trade_books[iid] = LastTradeBook(event.price, event.qty)
                self.fees_for(iid)
        elif isinstance(event, BookDeltas):
            self.on_book(event.instrument_id, event.ts_event)

    def on_trade(self, tick: TradeTick) -> None:
        """A public trade: trigger stops, and fill resting orders it traded at or through.

        With queue "none" every `queue_ahead` is 0, so a trade at our price fills us at once.
        """
        by_id = self._resting.get(tick.instrument_id)
        if not by_id:
            return
        price = tick.price
        for rest in list(by_id.values()):
            trigger = rest.trigger_price
            if trigger is not None:
                if (price >= trigger) if rest.side is _BUY else (price <= trigger):
                    rest.trigger_price = None
                    del by_id[rest.client_order_id]  # _take rests it again if it does not fill
                    self._take(tick.instrument_id, rest, _GTC, rest.price, None, tick.ts_event)
                continue
            limit = rest.price
            through = price < limit if rest.side is _BUY else price > limit
            at = price == limit and tick.aggressor is not rest.side
            if through:
                self._fill(
                    tick.instrument_id, rest, rest.qty - rest.filled, limit, True, tick.ts_event
                )
            elif at:
                left = rest.queue_ahead - tick.qty
                rest.queue_ahead = max(left, 0)
                if left < 0:
                    take = min(-left, rest.qty - rest.filled)
                    self._fill(tick.instrument_id, rest, take, limit, True, tick.ts_event)

    def on_book(self, instrument_id: InstrumentId, ts_event: int = 0) -> None:
        """The book changed: resting orders it now crosses fill at their price, as maker
        (unless `fill_on_book_cross` is off)."""
        by_id = self._resting.get(instrument_id)
        if not by_id or not self._on_cross:
            return
        book = self._books[instrument_id]
        bid, ask = book.best_bid(), book.best_ask()
        for rest in list(by_id.values()):
            limit = rest.price
            if rest.trigger_price is not None:
                continue
            if rest.side is _BUY and ask is not None and ask[0] <= limit:
                avail = sum(q for p, q in book.asks(self._scan_depth) if p <= limit)
            elif rest.side is _SELL and bid is not None and bid[0] >= limit:
                avail = sum(q for p, q in book.bids(self._scan_depth) if p >= limit)
            else:
                continue
            self._fill(
                instrument_id, rest, min(avail, rest.qty - rest.filled), limit, True, ts_event
            )

    # -- matching -------------------------------------------------------------------------

    def _emit(self, event: VenueEvent) -> None:
        handler = self._handler
        if handler is None:
            raise VenueError(f"venue {self.name}: no event handler set")
        handler(event)

    def _new(self, order: OrderSubmitted) -> None:
        now = self._clock.time_ns()
        coid = order.client_order_id
        iid = order.instrument_id
        book = self._books.get(iid)
        if book is None:
            self._emit(OrderRejected(client_order_id=coid, reason="NO_BOOK", ts_event=now))
            return
        if order.order_type is not _MARKET and order.price is None:
            self._emit(OrderRejected(client_order_id=coid, reason="NO_PRICE", ts_event=now))
            return
        if order.time_in_force is _POST_ONLY and marketable(book, order.side, order.price):
            self._emit(
                OrderRejected(client_order_id=coid, reason="POST_ONLY_WOULD_TAKE", ts_event=now)
            )
            return
        self._ids += 1
        rest = Resting(order, f"P{self._ids}", self._fees[iid])  # set with the book
        self._emit(
            OrderAccepted(client_order_id=coid, venue_order_id=rest.venue_order_id, ts_event=now)
        )
        if rest.trigger_price is not None:
            self._rest(iid, rest, book)
            return
        tif = _IOC if order.order_type is _MARKET else order.time_in_force
        self._take(iid, rest, tif, order.price, book, now)

    def _take(
        self,
        iid: InstrumentId,
        rest: Resting,
        tif: TimeInForce,
        limit: int | None,
        book: BookView | None,
        ts_event: int,
    ) -> None:
        """Take what the book offers within the limit, then rest, expire or cancel the rest."""
        if book is None:
            book = self._books[iid]
        want = rest.qty - rest.filled
        # Fast path: the touch alone fills the order (most orders; no level list is built).
        top = book.best_ask() if rest.side is _BUY else book.best_bid()
        if (
            top is not None
            and top[1] >= want
            and (limit is None or (top[0] <= limit if rest.side is _BUY else top[0] >= limit))
        ):
            self._fill(iid, rest, want, top[0], False, ts_event, track=False)
            return
        if tif is _FOK:
            avail = 0
            for _, qty in levels_within(book, rest.side, limit):
                avail += qty
                if avail >= want:
                    break
            if avail < want:
                self._emit(OrderExpired(client_order_id=rest.client_order_id, ts_event=ts_event))
                return
        for price, qty in levels_within(book, rest.side, limit):
            take = min(qty, want)
            self._fill(iid, rest, take, price, False, ts_event, track=False)
            want -= take
            if not want:
                return
        if tif is _GTC or tif is _POST_ONLY:
            self._rest(iid, rest, book)
        else:
            self._emit(OrderExpired(client_order_id=rest.client_order_id, ts_event=ts_event))

    def _rest(self, iid: InstrumentId, rest: Resting, book: BookView) -> None:
        if self._queue_from_book:
            rest.queue_ahead = queue_at(book, rest.side, rest.price, self._scan_depth)
        else:
            rest.queue_ahead = 0
        by_id = self._resting.get(iid)
        if by_id is None:
            by_id = self._resting[iid] = {}
        by_id[rest.client_order_id] = rest

    def _fill(
        self,
        iid: InstrumentId,
        rest: Resting,
        qty: int,
        price: int,
        maker: bool,
        ts_event: int,
        *,
        track: bool = True,
    ) -> None:
        if qty <= 0:
            return
        rest.filled += qty
        notional = price * qty
        ppm = rest.fees[0] if maker else rest.fees[1]
        self._emit(
            OrderFilled(
                client_order_id=rest.client_order_id,
                instrument_id=iid,
                venue_order_id=rest.venue_order_id,
                fill_id=f"{rest.venue_order_id}-{rest.filled}",
                side=rest.side,
                last_qty=qty,
                last_price=price,
                fee=-((-notional * ppm) // _PPM),
                liquidity=_MAKER if maker else _TAKER,
                ts_event=ts_event,
            )
        )
        if track and rest.filled == rest.qty:
            del self._resting[iid][rest.client_order_id]

    def _cancel(self, coid: ClientOrderId, iid: InstrumentId) -> None:
        now = self._clock.time_ns()
        if self._resting.get(iid, {}).pop(coid, None) is None:
            self._emit(
                OrderCancelRejected(client_order_id=coid, reason="UNKNOWN_ORDER", ts_event=now)
            )
            return
        self._emit(OrderCanceled(client_order_id=coid, ts_event=now))

    def _replace(self, coid: ClientOrderId, iid: InstrumentId, qty: int, price: int | None) -> None:
        now = self._clock.time_ns()
        rest = self._resting.get(iid, {}).get(coid)
        if rest is None or qty <= rest.filled or price is None:
            reason = (
                "UNKNOWN_ORDER"
                if rest is None
                else "NO_PRICE"
                if price is None
                else "QTY_NOT_ABOVE_FILLED"
            )
            self._emit(OrderReplaceRejected(client_order_id=coid, reason=reason, ts_event=now))
            return
        keeps_place = price == rest.price and qty <= rest.qty
        rest.qty = qty
        rest.price = price
        self._emit(OrderReplaced(client_order_id=coid, qty=qty, price=price, ts_event=now))
        if keeps_place or rest.trigger_price is not None:
            return
        # A new price (or more qty) loses the queue place, and may now cross the book.
        del self._resting[iid][coid]
        self._take(iid, rest, _GTC, price, None, now)
