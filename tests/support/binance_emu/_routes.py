"""The REST endpoints: parameters checked as Binance checks them, answers as it writes them."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.support.binance_emu import _gate, _wire
from tests.support.binance_emu._errors import Reject
from tests.support.binance_emu._market import (
    ZERO,
    SymbolSpec,
    check_precision,
    decimal_param,
    exchange_info,
)
from tests.support.binance_emu._orders import EmuOrder, new_client_id

if TYPE_CHECKING:
    from tests.support.binance_emu._server import BinanceEmulator

ORDER_PATHS = frozenset({"/api/v3/order", "/api/v3/order/cancelReplace"})
_WEIGHTS = {
    ("GET", "/api/v3/ping"): 1,
    ("GET", "/api/v3/time"): 1,
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("POST", "/api/v3/order"): 1,
    ("DELETE", "/api/v3/order"): 1,
    ("GET", "/api/v3/order"): 4,
    ("DELETE", "/api/v3/openOrders"): 1,
    ("POST", "/api/v3/order/cancelReplace"): 1,
    ("GET", "/api/v3/account"): 20,
    ("POST", "/api/v3/userDataStream"): 2,
    ("PUT", "/api/v3/userDataStream"): 2,
    ("DELETE", "/api/v3/userDataStream"): 2,
}
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_SIDES = ("BUY", "SELL")
_TYPES = ("LIMIT", "LIMIT_MAKER", "MARKET")
_OTHER_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
_TIFS = ("GTC", "IOC", "FOK")
_RESP_TYPES = ("ACK", "RESULT", "FULL")


def weight(method: str, path: str, params: dict[str, str]) -> int:
    """Request weight as Binance's spot docs give it."""
    if path == "/api/v3/openOrders" and method == "GET":
        return 6 if params.get("symbol") else 80
    if path == "/api/v3/myTrades":
        return 5 if params.get("orderId") else 20
    return _WEIGHTS.get((method, path), 1)


def _missing(name: str) -> Reject:
    return Reject(
        400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def _not_required(name: str) -> Reject:
    return Reject(400, -1106, f"Parameter '{name}' sent when not required.")


def _int(params: dict[str, str], name: str) -> int | None:
    text = params.get(name)
    if not text:
        return None
    if not text.isdigit():
        raise Reject(
            400,
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.",
        )
    return int(text)


def add_routes(app: web.Application, emu: BinanceEmulator) -> None:
    """Register every endpoint on `app`, bound to `emu`."""
    engine = emu.engine

    def signed(request: web.Request) -> dict[str, str]:
        _gate.check_key(request.headers.get("X-MBX-APIKEY"), emu.api_key)
        params: dict[str, str] = request[_gate.PARAMS]
        _gate.check_signed(
            request.rel_url.raw_query_string,
            request[_gate.RAW_BODY],
            params,
            emu.secret,
            emu.server_time_ms(),
        )
        return params

    def order_params(
        params: dict[str, str], *, prefix: str = ""
    ) -> tuple[SymbolSpec, dict[str, Any]]:
        spec = engine.spec(params.get("symbol"))
        side, typ = params.get("side", ""), params.get("type", "")
        if not side:
            raise _missing("side")
        if side not in _SIDES:
            raise Reject(400, -1117, "Invalid side.")
        if not typ:
            raise _missing("type")
        if typ in _OTHER_TYPES:
            raise Reject(400, -1014, "Unsupported order combination.")
        if typ not in _TYPES:
            raise Reject(400, -1116, "Invalid orderType.")
        tif = params.get("timeInForce", "")
        if typ == "LIMIT" and not tif:
            raise _missing("timeInForce")
        if typ != "LIMIT" and tif:
            raise _not_required("timeInForce")
        if tif and tif not in _TIFS:
            raise Reject(400, -1115, "Invalid timeInForce.")
        price = decimal_param(params, "price", required=typ != "MARKET")
        if typ == "MARKET" and price is not None:
            raise _not_required("price")
        qty = decimal_param(params, "quantity", required=False)
        quote_qty = decimal_param(params, "quoteOrderQty", required=False)
        if typ != "MARKET" and qty is None:
            raise _missing("quantity")
        if typ != "MARKET" and quote_qty is not None:
            raise _not_required("quoteOrderQty")
        if typ == "MARKET" and qty is None and quote_qty is None:
            raise Reject(
                400,
                -1102,
                "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
            )
        if qty is not None and quote_qty is not None:
            raise _not_required("quoteOrderQty")
        if spec.entry.get("status", "TRADING") != "TRADING":
            raise Reject(400, -2010, "Market is closed.")
        cid = params.get("newClientOrderId") or new_client_id()
        if not _CLIENT_ID.match(cid):
            raise Reject(400, -1100, "Illegal characters found in parameter 'newClientOrderId'.")
        resp_type = params.get("newOrderRespType") or (
            "FULL" if typ in ("LIMIT", "MARKET") else "ACK"
        )
        if resp_type not in _RESP_TYPES:
            raise Reject(400, -1100, "Illegal characters found in parameter 'newOrderRespType'.")
        if price is not None:
            check_precision("price", price, spec.price_dp)
            spec.check_price(price)
        if qty is not None:
            check_precision("quantity", qty, spec.qty_dp)
            spec.check_qty(qty, market=typ == "MARKET")
        if quote_qty is not None:
            check_precision("quoteOrderQty", quote_qty, spec.price_dp)
        ref = price
        if ref is None:
            book = engine.asks[spec.symbol] if side == "BUY" else engine.bids[spec.symbol]
            ref = (min(book) if side == "BUY" else max(book)) if book else None
        if ref is not None and qty is not None:
            spec.check_notional(ref * qty, market=typ == "MARKET")
        elif quote_qty is not None:
            spec.check_notional(quote_qty, market=True)
        return spec, {
            "side": side,
            "type": typ,
            "tif": tif or "GTC",
            "price": price or ZERO,
            "qty": qty or ZERO,
            "quote_qty": quote_qty or ZERO,
            "client_order_id": cid,
            "resp_type": resp_type,
        }

    def find_open(spec: SymbolSpec, order_id: int | None, cid: str | None) -> EmuOrder:
        o = engine.find(spec.symbol, order_id, cid)
        if o is None or not o.is_open:
            raise Reject(400, -2011, "Unknown order sent.")
        return o

    def ids(params: dict[str, str], id_name: str, cid_name: str) -> tuple[int | None, str | None]:
        order_id, cid = _int(params, id_name), params.get(cid_name) or None
        if order_id is None and cid is None:
            raise Reject(
                400,
                -1102,
                f"Param '{cid_name}' or '{id_name}' must be sent, but both were empty/null!",
            )
        return order_id, cid

    def cancel(spec: SymbolSpec, o: EmuOrder, cancel_id: str | None) -> dict[str, Any]:
        cancel_id = cancel_id or new_client_id()
        engine.cancel(spec, o, cancel_id)
        return _wire.order_canceled(spec, o, cancel_id, emu.server_time_ms())

    def place(spec: SymbolSpec, p: dict[str, Any]) -> dict[str, Any]:
        emu.limits.count_order(time.monotonic())
        o = engine.place(spec, p)
        return _wire.order_placed(spec, o, p["resp_type"])

    async def ping(request: web.Request) -> web.Response:
        return web.json_response({})

    async def server_time(request: web.Request) -> web.Response:
        return web.json_response({"serverTime": emu.server_time_ms()})

    async def info(request: web.Request) -> web.Response:
        params: dict[str, str] = request[_gate.PARAMS]
        specs = emu.specs
        wanted = (
            [params["symbol"]]
            if params.get("symbol")
            else json.loads(params.get("symbols") or "null")
        )
        if wanted:
            if any(s not in specs for s in wanted):
                raise Reject(400, -1121, "Invalid symbol.")
            specs = {s: specs[s] for s in wanted}
        limits = [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": emu.limits.weight_1m,
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "SECOND",
                "intervalNum": 10,
                "limit": emu.limits.orders_10s,
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "DAY",
                "intervalNum": 1,
                "limit": emu.limits.orders_1d,
            },
        ]
        return web.json_response(exchange_info(specs, emu.server_time_ms(), limits))

    async def new_order(request: web.Request) -> web.Response:
        spec, p = order_params(signed(request))
        return web.json_response(place(spec, p))

    async def cancel_order(request: web.Request) -> web.Response:
        params = signed(request)
        spec = engine.spec(params.get("symbol"))
        o = find_open(spec, *ids(params, "orderId", "origClientOrderId"))
        return web.json_response(cancel(spec, o, params.get("newClientOrderId")))

    async def query_order(request: web.Request) -> web.Response:
        params = signed(request)
        spec = engine.spec(params.get("symbol"))
        o = engine.find(spec.symbol, *ids(params, "orderId", "origClientOrderId"))
        if o is None:
            raise Reject(400, -2013, "Order does not exist.")
        return web.json_response(_wire.order_status(spec, o))

    async def open_orders(request: web.Request) -> web.Response:
        params = signed(request)
        symbol = engine.spec(params["symbol"]).symbol if params.get("symbol") else None
        out = [_wire.order_status(engine.specs[o.symbol], o) for o in engine.open_orders(symbol)]
        return web.json_response(out)

    async def cancel_all(request: web.Request) -> web.Response:
        params = signed(request)
        spec = engine.spec(params.get("symbol"))
        orders = engine.open_orders(spec.symbol)
        if not orders:
            raise Reject(400, -2011, "Unknown order sent.")
        return web.json_response([cancel(spec, o, None) for o in orders])

    async def cancel_replace(request: web.Request) -> web.Response:
        params = signed(request)
        mode = params.get("cancelReplaceMode", "")
        if mode not in ("STOP_ON_FAILURE", "ALLOW_FAILURE"):
            raise _missing("cancelReplaceMode")
        spec, p = order_params(params)
        order_id, cid = ids(params, "cancelOrderId", "cancelOrigClientOrderId")
        out: dict[str, Any] = {"cancelResult": "SUCCESS", "newOrderResult": "NOT_ATTEMPTED"}
        try:
            out["cancelResponse"] = cancel(
                spec, find_open(spec, order_id, cid), params.get("cancelNewClientOrderId")
            )
        except Reject as r:
            out["cancelResult"], out["cancelResponse"] = "FAILURE", {"code": r.code, "msg": r.msg}
            out["newOrderResponse"] = None
            if mode == "STOP_ON_FAILURE":
                raise Reject(400, -2022, "Order cancel-replace failed.", data=out) from None
        try:
            out["newOrderResponse"] = place(spec, p)
            out["newOrderResult"] = "SUCCESS"
        except Reject as r:
            if r.status == 429:
                raise
            out["newOrderResult"], out["newOrderResponse"] = (
                "FAILURE",
                {"code": r.code, "msg": r.msg},
            )
        if out["cancelResult"] == "SUCCESS" and out["newOrderResult"] == "SUCCESS":
            return web.json_response(out)
        if out["cancelResult"] == "FAILURE" and out["newOrderResult"] == "FAILURE":
            raise Reject(400, -2022, "Order cancel-replace failed.", data=out)
        raise Reject(400, -2021, "Order cancel-replace partially failed.", data=out)

    async def account(request: web.Request) -> web.Response:
        params = signed(request)
        omit = params.get("omitZeroBalances") == "true"
        rates = {
            "maker": f"{engine.maker_commission:.8f}",
            "taker": f"{engine.taker_commission:.8f}",
            "buyer": "0.00000000",
            "seller": "0.00000000",
        }
        return web.json_response(
            {
                "makerCommission": int(engine.maker_commission * 10_000),
                "takerCommission": int(engine.taker_commission * 10_000),
                "buyerCommission": 0,
                "sellerCommission": 0,
                "commissionRates": rates,
                "canTrade": True,
                "canWithdraw": True,
                "canDeposit": True,
                "brokered": False,
                "requireSelfTradePrevention": False,
                "preventSor": False,
                "updateTime": engine.update_ms,
                "accountType": "SPOT",
                "balances": [
                    {"asset": a, "free": f"{b.free:.8f}", "locked": f"{b.locked:.8f}"}
                    for a, b in sorted(engine.balances.items())
                    if not omit or b.free or b.locked
                ],
                "permissions": ["SPOT"],
                "uid": 1,
            }
        )

    async def my_trades(request: web.Request) -> web.Response:
        params = signed(request)
        spec = engine.spec(params.get("symbol"))
        order_id, from_id = _int(params, "orderId"), _int(params, "fromId")
        start, end = _int(params, "startTime"), _int(params, "endTime")
        limit = min(_int(params, "limit") or 500, 1000)
        out = [
            _wire.my_trade(spec, f)
            for f in engine.trades
            if f.symbol == spec.symbol
            and (order_id is None or f.order_id == order_id)
            and (from_id is None or f.trade_id >= from_id)
            and (start is None or f.time_ms >= start)
            and (end is None or f.time_ms <= end)
        ]
        return web.json_response(out[:limit] if from_id is not None else out[-limit:])

    async def user_stream(request: web.Request) -> web.Response:
        _gate.check_key(request.headers.get("X-MBX-APIKEY"), emu.api_key)
        if request.method == "POST":
            return web.json_response({"listenKey": emu.stream.key(create=True)})
        key = request[_gate.PARAMS].get("listenKey")
        if not key:
            raise _missing("listenKey")
        done = emu.stream.keep_alive(key) if request.method == "PUT" else emu.stream.close_key(key)
        if not done:
            raise Reject(400, -1125, "This listenKey does not exist.")
        return web.json_response({})

    r = app.router
    r.add_get("/api/v3/ping", ping)
    r.add_get("/api/v3/time", server_time)
    r.add_get("/api/v3/exchangeInfo", info)
    r.add_post("/api/v3/order", new_order)
    r.add_delete("/api/v3/order", cancel_order)
    r.add_get("/api/v3/order", query_order)
    r.add_get("/api/v3/openOrders", open_orders)
    r.add_delete("/api/v3/openOrders", cancel_all)
    r.add_post("/api/v3/order/cancelReplace", cancel_replace)
    r.add_get("/api/v3/account", account)
    r.add_get("/api/v3/myTrades", my_trades)
    for method in ("POST", "PUT", "DELETE"):
        r.add_route(method, "/api/v3/userDataStream", user_stream)
