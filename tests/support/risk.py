"""A small, exactly-known instrument and a rig around RiskEngine for the risk tests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from bot4.clock import TestClock
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentFilters,
    InstrumentId,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
)
from bot4.model._filters import (
    LotSize,
    MaxNumAlgoOrders,
    MaxNumOrders,
    MaxPosition,
    Notional,
    PercentPriceBySide,
    PriceFilter,
)
from bot4.risk import ACCEPTED, Decision, InstrumentLimits, RiskConfig, RiskEngine
from bot4.risk.checks import CHECKS
from bot4.risk.checks.base import Candidate

IID = InstrumentId("TEST:BTCUSDT")
IID2 = InstrumentId("TEST:ETHUSDT")
REF = 5_000_000  # 50_000.00 (price precision 2)
D = Decimal

# pp=2 (price units of 0.01), sp=3 (size units of 0.001): notional units are 1e-5 USDT.
FILTERS = InstrumentFilters(
    price=PriceFilter(min_price=100, max_price=10_000_000, tick=10),
    percent_price_by_side=PercentPriceBySide(
        bid_multiplier_up=110_000_000,  # 1.1
        bid_multiplier_down=90_000_000,  # 0.9
        ask_multiplier_up=110_000_000,
        ask_multiplier_down=90_000_000,
        avg_price_mins=5,
    ),
    lot_size=LotSize(min_qty=5, max_qty=100_000, step=5),
    market_lot_size=LotSize(min_qty=5, max_qty=50_000, step=5),
    notional=Notional(
        min_notional=1_000_000,  # 10 USDT
        apply_min_to_market=True,
        max_notional=100_000_000_000,  # 1,000,000 USDT
        apply_max_to_market=False,
        avg_price_mins=5,
    ),
    max_num_orders=MaxNumOrders(max_num_orders=200),
    max_num_algo_orders=MaxNumAlgoOrders(max_num_algo_orders=5),
    max_position=MaxPosition(max_position=10_000_000),
)


def make_instrument(iid: InstrumentId = IID, **kw: Any) -> Instrument:
    exchange, symbol = iid.split(":")
    fields: dict[str, Any] = {
        "id": iid,
        "exchange": exchange,
        "symbol": symbol,
        "base": symbol[:-4],
        "quote": "USDT",
        "price_precision": 2,
        "size_precision": 3,
        "tick": 10,
        "lot": 5,
        "filters": FILTERS,
    }
    fields.update(kw)
    return Instrument(**fields)


def instruments(*extra: Instrument) -> dict[InstrumentId, Instrument]:
    out = {IID: make_instrument(IID), IID2: make_instrument(IID2)}
    out.update({i.id: i for i in extra})
    return out


_ids = itertools.count()


def req(
    side: Side = Side.BUY,
    qty: int = 100,
    price: int | None = REF,
    *,
    iid: InstrumentId = IID,
    order_type: OrderType | None = None,
    tif: TimeInForce = TimeInForce.GTC,
    reduce_only: bool = False,
    cid: str | None = None,
    trigger_price: int | None = None,
) -> OrderRequest:
    if order_type is None:
        order_type = OrderType.MARKET if price is None else OrderType.LIMIT
    return OrderRequest(
        client_order_id=ClientOrderId(cid or f"o{next(_ids)}"),
        instrument_id=iid,
        side=side,
        order_type=order_type,
        qty=qty,
        price=price,
        time_in_force=tif,
        reduce_only=reduce_only,
        ts_init=0,
        trigger_price=trigger_price,
    )


def engine(
    config: RiskConfig | None = None,
    *,
    limits: InstrumentLimits | None = None,
    insts: dict[InstrumentId, Instrument] | None = None,
    clock: TestClock | None = None,
    price: bool = True,
    **global_kw: Any,
) -> tuple[RiskEngine, TestClock]:
    clock = clock or TestClock()
    if config is None:
        config = RiskConfig(
            defaults=limits or InstrumentLimits(), duplicate_window_ms=0, **global_kw
        )
    eng = RiskEngine(insts or instruments(), config, clock)
    if price:
        for iid in eng._slots:
            eng.on_price(InstrumentId(iid), REF)
    return eng, clock


def run_checks(
    e: RiskEngine, req: OrderRequest, replace: bool = False, own_id: bool = False
) -> Decision:
    """The checks themselves, called in order until one returns a verdict: what both compiled
    paths must decide (`RiskEngine.check`, `RiskEngine._reference`)."""
    o = Candidate(req, replace, own_id)
    for check in CHECKS:
        verdict = check(e, o)
        if verdict is not None:
            return verdict
    return ACCEPTED
