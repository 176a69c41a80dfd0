"""The emulator's HTTP and WebSocket face (aiohttp on 127.0.0.1, a free port), and its faults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot4.marketdata import OrderBook
from bot4.model import Instrument, from_fixed
from tests.support.binance_emu import _gate, _routes
from tests.support.binance_emu._engine import Engine
from tests.support.binance_emu._errors import Reject
from tests.support.binance_emu._events import Event
from tests.support.binance_emu._market import symbol_specs
from tests.support.binance_emu._orders import Balance, EmuOrder, Fill
from tests.support.binance_emu._stream import UserStream

Levels = Iterable[tuple[str | Decimal, str | Decimal]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Default bodies of injected faults (Binance's own words for these statuses).
_FAULT_MSG = {
    429: (-1003, "Too much request weight used; injected by the emulator."),
    418: (-1003, "Way too much request weight used; IP banned (injected by the emulator)."),
}
_5XX = (-1000, "Unknown error, please check your request or try again later.")


@dataclass(slots=True)
class Fault:
    """One injected failure, consumed by the first request it matches."""

    path: str  # "/api/v3/order"
    status: int  # HTTP status answered
    method: str | None  # only requests with this method (None: any)
    retry_after: float | None  # Retry-After header (s); on 418 also the ban's length
    code: int | None  # Binance error code in the body (None: the usual one for the status)
    after_effect: bool  # the request takes effect first, then the client gets the error
    stall_s: float = 0.0  # with status 200: the normal answer, this much later


@dataclass(slots=True)
class EmuRequest:
    """One request the emulator answered (for assertions)."""

    method: str
    path: str
    params: dict[str, str]
    status: int = 0
    code: int | None = None  # Binance error code of the answer, None on success
    fault: bool = False  # answered by an injected fault


class BinanceEmulator:
    """A Binance spot exchange on loopback for tests: REST, user-data stream, state, faults.

    Prices and quantities given to the test API (`set_book`, `apply_book`, `trade`, `balances`)
    are decimal strings (or Decimals), as Binance writes them.
    """

    def __init__(
        self,
        *,
        api_key: str = "emu-api-key",
        secret: str = "emu-secret",
        instruments: Iterable[str | Instrument | dict[str, Any]] | None = None,
        balances: dict[str, str] | None = None,
        maker_commission: str = "0.001",
        taker_commission: str = "0.001",
        weight_limit: int = 6000,
        orders_10s_limit: int = 100,
        orders_1d_limit: int = 200_000,
        ban_s: float = 60.0,
        escalate_to_ban: bool = True,
        listen_key_ttl_s: float = 3600.0,
    ) -> None:
        self.api_key = api_key
        self.secret = secret
        self.specs = symbol_specs(instruments)
        self.stream = UserStream(listen_key_ttl_s, self.server_time_ms)
        start = {"USDT": "1000000"} if balances is None else balances
        self.engine = Engine(
            self.specs,
            {a: Decimal(v) for a, v in start.items()},
            maker_commission=Decimal(maker_commission),
            taker_commission=Decimal(taker_commission),
            now_ms=self.server_time_ms,
            emit=lambda event: self.stream.publish(event),
        )
        self.limits = _gate.Limits(
            weight_1m=weight_limit,
            orders_10s=orders_10s_limit,
            orders_1d=orders_1d_limit,
            ban_s=ban_s,
            escalate=escalate_to_ban,
        )
        self.clock_skew_ms = 0  # server time = this machine's time + clock_skew_ms
        self.requests: list[EmuRequest] = []  # every REST request answered, in order
        self.faults: list[Fault] = []  # pending injected faults
        self._closing = asyncio.Event()  # set by close(): stalled answers go at once
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        _routes.add_routes(app, self)
        app.router.add_get("/ws/{listen_key}", self.stream.handler)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._closing.set()
        await self.stream.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BinanceEmulator:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def server_time_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_skew_ms

    # ---- state the test reads

    @property
    def orders(self) -> dict[int, EmuOrder]:
        """Every order the exchange accepted, by orderId (open or not)."""
        return self.engine.orders

    @property
    def trades(self) -> list[Fill]:
        return self.engine.trades

    @property
    def balances(self) -> dict[str, Balance]:
        return self.engine.balances

    def open_orders(self, symbol: str | None = None) -> list[EmuOrder]:
        return self.engine.open_orders(symbol)

    def check(self) -> None:
        """Assert the account is consistent (locked funds match open orders, fills add up)."""
        self.engine.check()

    @property
    def events(self) -> list[Event]:
        """Every user-data event emitted, in order (whether a socket was open or not)."""
        return self.stream.events

    @property
    def stream_count(self) -> int:
        """User-data WebSocket connections open now."""
        return self.stream.count

    # ---- the market

    def set_book(self, symbol: str, bids: Levels, asks: Levels) -> None:
        """Replace the symbol's book; resting orders it crosses fill (as makers, at their price)."""
        self.engine.set_book(symbol, _levels(bids), _levels(asks))

    def apply_book(self, symbol: str, bids: Levels = (), asks: Levels = ()) -> None:
        """Update levels (quantity "0" removes one); resting orders now crossed fill."""
        self.engine.apply_book(symbol, _levels(bids), _levels(asks))

    def set_book_from(self, book: OrderBook, depth: int | None = None) -> None:
        """Copy a Bot4 OrderBook (fixed point at its instrument's precisions) into the symbol's
        book: the emulator follows a replayed or recorded market."""
        inst = book.instrument

        def dec(levels: list[tuple[int, int]]) -> Levels:
            return [
                (from_fixed(p, inst.price_precision), from_fixed(q, inst.size_precision))
                for p, q in levels
            ]

        self.set_book(inst.symbol, dec(book.bids(depth)), dec(book.asks(depth)))

    def trade(self, symbol: str, price: str | Decimal, qty: str | Decimal) -> None:
        """A market trade: resting orders at or through `price` fill, up to `qty` per side."""
        self.engine.trade(symbol, Decimal(price), Decimal(qty))

    # ---- faults

    def fail_next(
        self,
        path: str,
        status: int,
        *,
        retry_after: float | None = None,
        code: int | None = None,
        after_effect: bool = False,
        method: str | None = None,
    ) -> None:
        """Answer the next request to `path` (and `method`) with `status`, once.

        `after_effect=True`: the request is carried out first (an order is placed, events are
        sent), then the error is answered (a 5XX whose outcome the client cannot know). A 429
        starts the back-off window (a request inside it is banned, 418); a 418 with
        `retry_after` bans every request for that long.
        """
        self.faults.append(Fault(path, status, method, retry_after, code, after_effect))

    def stall_next(self, path: str, seconds: float, *, method: str | None = None) -> None:
        """Carry out the next request to `path`, then hold its answer `seconds` (a timeout)."""
        self.faults.append(Fault(path, 200, method, None, None, True, seconds))

    def drop_user_stream(self) -> None:
        """Close every user-data WebSocket abruptly (TCP abort, no close frame)."""
        self.stream.drop()

    def duplicate_next_event(self) -> None:
        """Send the next user-data event twice."""
        self.stream.duplicate_next()

    def reorder_next_events(self, n: int) -> None:
        """Hold the next `n` user-data events, then send them in reverse order."""
        self.stream.reorder_next(n)

    def expire_listen_key(self) -> None:
        """The listenKey expires now: `listenKeyExpired` is sent and its sockets close."""
        self.stream.expire()

    def reset_limits(self) -> None:
        """Forget used weight, order counts, back-off and bans."""
        self.limits.reset()

    # ---- every REST request: weight, bans, faults, headers

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/ws/"):
            return await handler(request)
        body = await request.text()
        params = dict(parse_qsl(body, keep_blank_values=True))
        params.update(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
        request[_gate.PARAMS] = params
        request[_gate.RAW_BODY] = body
        rec = EmuRequest(request.method, request.path, params)
        self.requests.append(rec)
        now = time.monotonic()
        fault: Fault | None = None
        try:
            self.limits.admit(now, _routes.weight(request.method, request.path, params))
            fault = self._take_fault(request)
            if fault is not None and not fault.after_effect:
                raise self._fault_reject(fault, now)
            resp = await self._handle(request, handler)
            if fault is not None and fault.stall_s:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), fault.stall_s)
            elif fault is not None:  # after the effect
                resp = self._answer(self._fault_reject(fault, now))
        except Reject as r:
            resp = self._answer(r)
        rec.status = resp.status
        rec.fault = fault is not None
        if resp.status >= 400 and isinstance(resp, web.Response) and resp.text:
            with contextlib.suppress(ValueError, TypeError):
                rec.code = json.loads(resp.text).get("code")
        resp.headers["X-MBX-USED-WEIGHT-1M"] = str(self.limits.used_weight(now))
        if request.path in _routes.ORDER_PATHS and request.method == "POST":
            n10, n1d = self.limits.order_counts(now)
            resp.headers["X-MBX-ORDER-COUNT-10S"] = str(n10)
            resp.headers["X-MBX-ORDER-COUNT-1D"] = str(n1d)
        return resp

    async def _handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except Reject as r:
            return self._answer(r)
        except web.HTTPException as e:  # no such route or method: aiohttp's own answer
            return web.Response(status=e.status, text=e.text)

    def _take_fault(self, request: web.Request) -> Fault | None:
        for i, f in enumerate(self.faults):
            if f.path == request.path and f.method in (None, request.method):
                return self.faults.pop(i)
        return None

    def _fault_reject(self, f: Fault, now: float) -> Reject:
        code, msg = _FAULT_MSG.get(f.status, _5XX)
        code = f.code if f.code is not None else code
        if f.status == 429:
            return self.limits.too_many(now, f.retry_after or 1, code, msg)
        if f.status == 418 and f.retry_after:
            r = self.limits.ban(now, f.retry_after)
            r.code = code
            return r
        headers = {"Retry-After": str(int(f.retry_after))} if f.retry_after else {}
        return Reject(f.status, code, msg, headers)

    @staticmethod
    def _answer(r: Reject) -> web.Response:
        body: dict[str, Any] = {"code": r.code, "msg": r.msg}
        if r.data is not None:
            body["data"] = r.data
        return web.json_response(body, status=r.status, headers=r.headers)


def _levels(levels: Levels) -> dict[Decimal, Decimal]:
    return {Decimal(p): Decimal(q) for p, q in levels}
