"""`BinanceVenue`: the `Venue` protocol on Binance spot, with what reconciliation queries.

`submit`, `cancel` and `replace` check what they can at once (a known instrument, a supported
order type; a VenueError then makes the OMS reject or refuse) and queue the request on the
running event loop; every answer comes back as VenueEvents through the handler. The requests of
one order run one after the other (a cancel waits for its order's placement to be known).

Placement outcomes:
- an answer: accepted (with the fills of a FULL answer), or rejected (a 4XX: OrderRejected);
- the breaker or a ban refused it before sending: OrderRejected (it never left);
- a timeout, a transport error or a 5XX: UNKNOWN. The order is queried by its client id until
  Binance knows it; it is never sent again. Only when the query still finds nothing after the
  request's own timestamp + recvWindow has passed (Binance refuses a request it reads later than
  that, so it can no longer appear) is it rejected as NOT_PLACED.
Fills, cancels and expiries come from the user-data stream; after every (re)connect each order
still open is queried (with its trades) so what happened while away is emitted once
(`OrderTracker` drops what was already said).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

import msgspec

from bot4.clock import Clock
from bot4.errors import Bot4Error, CircuitOpenError, VenueApiError, VenueError
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderCancelRejected,
    OrderReplaceRejected,
    OrderSubmitted,
    VenueEvent,
    instruments_from_binance,
)
from bot4.resilience import CircuitBreaker
from bot4.venues._protocol import VenueEventHandler
from bot4.venues.binance._account import balance_of
from bot4.venues.binance._config import BinanceConfig
from bot4.venues.binance._queries import BinanceQueries
from bot4.venues.binance._rest import unknown_outcome
from bot4.venues.binance._secret import Secret
from bot4.venues.binance._tracker import Tracked
from bot4.venues.binance._user_stream import UserDataStream
from bot4.venues.binance._wire import (
    AccountInfo,
    ExecutionReport,
    ListenKeyExpired,
    OutboundAccountPosition,
    RestOrder,
    Trade,
    decode_stream,
    order_params,
)

__all__ = ["BinanceVenue", "VenueStats"]

log = logging.getLogger(__name__)

_ORDER_UNKNOWN = -2013  # "Order does not exist."
_REPLACE_CANCEL_ONLY = -2021  # cancelReplace: the cancel worked, the new order failed
_order_decoder = msgspec.json.Decoder(RestOrder)
_orders_decoder = msgspec.json.Decoder(list[RestOrder])
_trades_decoder = msgspec.json.Decoder(list[Trade])
_account_decoder = msgspec.json.Decoder(AccountInfo)


class _Replace(msgspec.Struct):
    new_order_response: RestOrder = msgspec.field(name="newOrderResponse")


_replace_decoder = msgspec.json.Decoder(_Replace)


class VenueStats(msgspec.Struct, kw_only=True):
    """Counters of the venue (for /metrics and `status --why`)."""

    unknown_orders: int = 0  # placements whose outcome had to be queried
    not_placed: int = 0  # UNKNOWN placements Binance never had
    catch_ups: int = 0  # reconnect catch-ups completed
    bad_frames: int = 0  # user-stream frames that could not be read
    handler_errors: int = 0  # events the OMS's handler raised on


class BinanceVenue(BinanceQueries):
    """See the module docstring. `await start()` before the first order, `await close()`."""

    name = "binance"

    def __init__(
        self,
        config: BinanceConfig,
        *,
        api_key: Secret,
        api_secret: Secret,
        breaker: CircuitBreaker,
        clock: Clock,
        instruments: Mapping[InstrumentId, Instrument] | None = None,
    ) -> None:
        super().__init__(
            config,
            api_key=api_key,
            api_secret=api_secret,
            breaker=breaker,
            clock=clock,
            instruments=instruments,
        )
        self.stats = VenueStats()
        self.stream = UserDataStream(self.rest, self._on_frame, self._catch_up)
        self._handler: VenueEventHandler | None = None
        self._chains: dict[ClientOrderId, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"BinanceVenue({self.config.base_url!r})"

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, *, user_stream: bool = True) -> None:
        """Session, server time, instruments (exchangeInfo, unless given), balances, stream."""
        await self.rest.start()
        if not self.instruments:
            raw = await self.rest.request_raw("GET", "/api/v3/exchangeInfo", weight=20)
            load = instruments_from_binance(raw)
            self.instruments = {i.id: i for i in load.instruments}
            self._by_symbol = {i.symbol: i for i in load.instruments}
        await self.balances(refresh=True)
        if user_stream:
            self.stream.start()

    async def close(self) -> None:
        """Stop the stream and every queued request (idempotent)."""
        await self.stream.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.rest.close()

    async def idle(self, timeout_s: float) -> bool:
        """Wait until no request is queued (False if `timeout_s` passed first)."""
        try:
            async with asyncio.timeout(timeout_s):
                while self._tasks:
                    await asyncio.gather(*list(self._tasks), return_exceptions=True)
        except TimeoutError:
            return False
        return True

    # -- Venue protocol -------------------------------------------------------------------------

    def set_event_handler(self, handler: VenueEventHandler) -> None:
        self._handler = handler

    def submit(self, order: OrderSubmitted) -> None:
        inst = self._instrument(order.instrument_id)
        params = order_params(order, inst, order.client_order_id)
        t = self.tracker.add(order, inst)
        self._spawn(t.coid, self._place(t, params))

    def cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> None:
        t = self._tracked(client_order_id)
        self._spawn(client_order_id, self._cancel(t))

    def replace(
        self,
        client_order_id: ClientOrderId,
        instrument_id: InstrumentId,
        qty: int,
        price: int | None,
    ) -> None:
        t = self._tracked(client_order_id)
        self._spawn(client_order_id, self._replace(t, qty, price))

    # -- the request tasks ----------------------------------------------------------------------

    async def _place(self, t: Tracked, params: list[tuple[str, str]]) -> None:
        sent_ms = self.rest.now_ms()
        try:
            raw = await self.rest.request_raw(
                "POST", "/api/v3/order", params, signed=True, weight=1, orders=1
            )
        except CircuitOpenError as exc:
            self._emit(self.tracker.rejected(t, f"CIRCUIT_OPEN: {exc}", self._clock.time_ns()))
        except Exception as exc:
            if not unknown_outcome(exc):
                if not isinstance(exc, VenueApiError):
                    raise
                self._emit(self.tracker.rejected(t, f"{exc.code}: {exc.venue_message}", self._ns()))
                return
            self.stats.unknown_orders += 1
            log.warning("%s: placement UNKNOWN (%s); querying it", t.coid, exc)
            await self._resolve_unknown(t, sent_ms)
        else:
            try:
                answer = _order_decoder.decode(raw)
            except msgspec.MsgspecError as exc:  # placed or not, the answer cannot say
                log.warning("%s: unreadable answer (%s); querying it", t.coid, exc)
                self.stats.unknown_orders += 1
                await self._resolve_unknown(t, sent_ms)
                return
            self._emit(self.tracker.on_rest_order(t, answer, []))

    async def _resolve_unknown(self, t: Tracked, sent_ms: int) -> None:
        """Query until Binance knows the order, or provably never will (see the docstring)."""
        deadline = sent_ms + self.config.recv_window_ms + 1000
        while not t.terminal:
            past = self.rest.now_ms() > deadline
            try:
                order = await self._query(t.instrument, t.venue_coid)
            except (Bot4Error, TimeoutError) as exc:
                log.warning("%s: still UNKNOWN (%s)", t.coid, exc)
            else:
                if order is not None:
                    await self._sync(t, order)
                    return
                if past:
                    self.stats.not_placed += 1
                    self._emit(
                        self.tracker.rejected(t, "NOT_PLACED: unknown to Binance", self._ns())
                    )
                    return
            await asyncio.sleep(self.config.unknown_poll_s)

    async def _cancel(self, t: Tracked) -> None:
        if t.terminal:
            return
        params = [("symbol", t.instrument.symbol), ("origClientOrderId", t.venue_coid)]
        try:
            raw = await self.rest.request_raw("DELETE", "/api/v3/order", params, signed=True)
        except (Bot4Error, TimeoutError) as exc:
            await self._after_failed_cancel(t, exc)
        else:
            await self._sync(t, _order_decoder.decode(raw))

    async def _after_failed_cancel(self, t: Tracked, exc: BaseException) -> None:
        """A cancel that failed or may have: the order's state decides what the OMS hears."""
        try:
            order = await self._query(t.instrument, t.venue_coid)
        except (Bot4Error, TimeoutError):
            order = None
        if order is not None:
            await self._sync(t, order)
        if not t.terminal:
            reason = (
                f"{exc.code}: {exc.venue_message}" if isinstance(exc, VenueApiError) else str(exc)
            )
            self._emit(
                [OrderCancelRejected(client_order_id=t.coid, reason=reason, ts_event=self._ns())]
            )

    async def _replace(self, t: Tracked, qty: int, price: int | None) -> None:
        if t.terminal or qty <= t.filled:
            reason = "order not open" if t.terminal else "qty not above the filled qty"
            self._emit(
                [OrderReplaceRejected(client_order_id=t.coid, reason=reason, ts_event=self._ns())]
            )
            return
        old_id = t.venue_coid
        new_order = msgspec.structs.replace(t.order, price=price)
        new_id = self.tracker.begin_replace(t, qty, price)
        params = order_params(new_order, t.instrument, new_id, qty=qty - t.filled)
        params[3:3] = [
            ("cancelReplaceMode", "STOP_ON_FAILURE"),
            ("cancelOrigClientOrderId", old_id),
        ]
        try:
            raw = await self.rest.request_raw(
                "POST", "/api/v3/order/cancelReplace", params, signed=True, weight=1, orders=1
            )
        except CircuitOpenError as exc:
            self._replace_failed(t, f"CIRCUIT_OPEN: {exc}", canceled=False)
        except Exception as exc:
            if not unknown_outcome(exc):
                if not isinstance(exc, VenueApiError):
                    raise
                reason = f"{exc.code}: {exc.venue_message}"
                self._replace_failed(t, reason, canceled=exc.code == _REPLACE_CANCEL_ONLY)
                return
            await self._resolve_replace(t, old_id, new_id)
        else:
            new = _replace_decoder.decode(raw).new_order_response
            self._emit(self.tracker.replaced(t, new.order_id, new.ts_ms))
            self._emit(self.tracker.on_rest_order(t, new, []))

    def _replace_failed(self, t: Tracked, reason: str, *, canceled: bool) -> None:
        self.tracker.replace_failed(t)
        if canceled:  # the old order is gone and no new one stands: the order ended
            self._emit(self.tracker.ended(t, "CANCELED", "", self.rest.now_ms()))
        else:
            self._emit(
                [OrderReplaceRejected(client_order_id=t.coid, reason=reason, ts_event=self._ns())]
            )

    async def _resolve_replace(self, t: Tracked, old_id: str, new_id: str) -> None:
        """A cancelReplace with no answer: the new order, else the old one, says what happened."""
        self.stats.unknown_orders += 1
        while True:
            try:
                new = await self._query(t.instrument, new_id)
                old = None if new is not None else await self._query(t.instrument, old_id)
                break
            except (Bot4Error, TimeoutError) as exc:
                log.warning("%s: replace still UNKNOWN (%s)", t.coid, exc)
                await asyncio.sleep(self.config.unknown_poll_s)
        if new is not None:
            self._emit(self.tracker.replaced(t, new.order_id, new.ts_ms))
            await self._sync(t, new)
            return
        canceled = old is not None and old.status in ("CANCELED", "EXPIRED")
        self._replace_failed(t, "replace not applied", canceled=canceled)

    async def _sync(self, t: Tracked, order: RestOrder) -> None:
        """Emit what `order` (from REST) shows that the OMS has not heard, its trades included."""
        trades: list[Trade] = []
        if t.instrument.qty(order.executed_qty) > t.filled:
            trades = await self._trades(t.instrument, order_id=order.order_id)
        self._emit(self.tracker.on_rest_order(t, order, trades))

    async def _catch_up(self) -> None:
        """After every (re)connect: each open order (not mid-replace) queried, balances too."""
        try:
            for t in self.tracker.open():
                if t.replacing is None and t.accepted:
                    order = await self._query(t.instrument, t.venue_coid)
                    if order is not None and not t.terminal and t.replacing is None:
                        await self._sync(t, order)
            await self.balances(refresh=True)
        except (Bot4Error, TimeoutError) as exc:
            log.warning("binance catch-up incomplete: %s", exc)
            return
        self.stats.catch_ups += 1

    def _on_frame(self, frame: bytes | str) -> bool:
        """One user-stream frame; False when the listenKey expired."""
        try:
            event = decode_stream(frame)
        except VenueError as exc:
            self.stats.bad_frames += 1
            log.warning("binance user stream: %s", exc)
            return True
        if type(event) is ExecutionReport:
            self._emit(self.tracker.on_execution_report(event))
        elif type(event) is OutboundAccountPosition:
            for b in event.balances:
                self._balances[b.asset] = balance_of(b)
        elif type(event) is ListenKeyExpired:
            return False
        return True

    # -- plumbing -------------------------------------------------------------------------------

    def _emit(self, events: list[VenueEvent]) -> None:
        handler = self._handler
        for event in events:
            if handler is None:
                log.error("binance venue has no event handler; dropped %s", type(event).__name__)
                continue
            try:
                handler(event)
            except Exception:
                self.stats.handler_errors += 1
                log.exception("the event handler raised on %s", type(event).__name__)

    def _spawn(self, coid: ClientOrderId, coro: Coroutine[Any, Any, None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            raise VenueError("the Binance venue needs a running event loop") from None
        before = self._chains.get(coid)

        async def run() -> None:
            if before is not None and not before.done():
                await asyncio.wait([before])
            try:
                await coro
            except Exception:
                log.exception("binance request for %s failed", coid)

        task = loop.create_task(run())
        self._chains[coid] = task
        self._tasks.add(task)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            if self._chains.get(coid) is task:
                del self._chains[coid]

        task.add_done_callback(done)

    def _ns(self) -> int:
        return self._clock.time_ns()
