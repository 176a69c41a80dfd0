"""REST response bodies as Binance writes them (field names and order from its spot API docs)."""

from __future__ import annotations

from typing import Any

from tests.support.binance_emu._market import SymbolSpec
from tests.support.binance_emu._orders import EmuOrder, Fill


def _core(spec: SymbolSpec, o: EmuOrder) -> dict[str, Any]:
    return {
        "price": spec.price_str(o.price),
        "origQty": spec.qty_str(o.orig_qty),
        "executedQty": spec.qty_str(o.executed_qty),
        "origQuoteOrderQty": spec.price_str(o.quote_order_qty),
        "cummulativeQuoteQty": spec.price_str(o.cum_quote),  # sic: Binance's spelling
        "status": o.status,
        "timeInForce": o.time_in_force,
        "type": o.type,
        "side": o.side,
    }


def order_placed(spec: SymbolSpec, o: EmuOrder, resp_type: str) -> dict[str, Any]:
    """POST /api/v3/order: ACK, RESULT or FULL."""
    out: dict[str, Any] = {
        "symbol": o.symbol,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": o.client_order_id,
        "transactTime": o.time_ms,
    }
    if resp_type == "ACK":
        return out
    out.update(_core(spec, o))
    out["workingTime"] = o.working_ms
    out["selfTradePreventionMode"] = "NONE"
    if resp_type == "FULL":
        out["fills"] = [
            {
                "price": spec.price_str(f.price),
                "qty": spec.qty_str(f.qty),
                "commission": f"{f.commission:.8f}",
                "commissionAsset": f.commission_asset,
                "tradeId": f.trade_id,
            }
            for f in o.fills
        ]
    return out


def order_status(spec: SymbolSpec, o: EmuOrder) -> dict[str, Any]:
    """GET /api/v3/order and each entry of GET /api/v3/openOrders."""
    return {
        "symbol": o.symbol,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": o.client_order_id,
        **_core(spec, o),
        "stopPrice": spec.price_str(o.price * 0),
        "icebergQty": spec.qty_str(o.orig_qty * 0),
        "time": o.time_ms,
        "updateTime": o.update_ms,
        "isWorking": o.working_ms >= 0,
        "workingTime": o.working_ms,
        "selfTradePreventionMode": "NONE",
    }


def order_canceled(spec: SymbolSpec, o: EmuOrder, cancel_id: str, now_ms: int) -> dict[str, Any]:
    """DELETE /api/v3/order (and each entry of DELETE /api/v3/openOrders)."""
    return {
        "symbol": o.symbol,
        "origClientOrderId": o.client_order_id,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": cancel_id,
        "transactTime": now_ms,
        **_core(spec, o),
        "selfTradePreventionMode": "NONE",
    }


def my_trade(spec: SymbolSpec, f: Fill) -> dict[str, Any]:
    """One entry of GET /api/v3/myTrades."""
    return {
        "symbol": f.symbol,
        "id": f.trade_id,
        "orderId": f.order_id,
        "orderListId": -1,
        "price": spec.price_str(f.price),
        "qty": spec.qty_str(f.qty),
        "quoteQty": spec.price_str(f.quote_qty),
        "commission": f"{f.commission:.8f}",
        "commissionAsset": f.commission_asset,
        "time": f.time_ms,
        "isBuyer": f.side == "BUY",
        "isMaker": f.is_maker,
        "isBestMatch": True,
    }
