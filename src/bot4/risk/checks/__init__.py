# bot4.risk.checks: every pre-trade check, once; depends on bot4.model and bot4.risk's
# _decision, _slot and _ledger (never on numpy: the correlated check reads floats the engine's
# CorrelatedExposure keeps).
#   base      Candidate (the order under check and what the checks derived), the Check type
#   order     the instrument, trading state, validity, reduce-only, client id, lot, tick
#   limits    open orders, reference price, price bands, notional, loss, self-trade, position
#   exposure  gross, net and correlated exposure (new risk only)
#   flow      throttle, identical order; on accept: spend the rate, record the order
"""The pre-trade checks in the order they run (cheap first).

`CHECKS` is the one list: calling each in turn on a `Candidate` until one returns a verdict
decides any order; `bot4.risk._compile` builds the engine's two paths (the fast one and the
reference) from these same functions, and the tests hold both to that loop.
"""

from __future__ import annotations

from bot4.risk.checks.base import Check
from bot4.risk.checks.exposure import correlated_exposure, gross_exposure, net_exposure
from bot4.risk.checks.flow import identical_order, record, spend_rate, throttle
from bot4.risk.checks.limits import (
    loss_breach,
    max_position,
    notional,
    open_orders,
    price_band,
    price_it,
    reference_price,
    self_trade,
)
from bot4.risk.checks.order import (
    classify,
    client_order_id,
    instrument_known,
    lot_size,
    order_valid,
    price_filter,
    reduce_only,
    tradable,
    trading_state,
)

__all__ = [
    "CHECKS",
    "Check",
    "classify",
    "client_order_id",
    "correlated_exposure",
    "gross_exposure",
    "identical_order",
    "instrument_known",
    "loss_breach",
    "lot_size",
    "max_position",
    "net_exposure",
    "notional",
    "open_orders",
    "order_valid",
    "price_band",
    "price_filter",
    "price_it",
    "record",
    "reduce_only",
    "reference_price",
    "self_trade",
    "spend_rate",
    "throttle",
    "tradable",
    "trading_state",
]

# The first verdict wins. The numbers are the check numbers of `bot4.risk.engine`'s docstring.
CHECKS: tuple[Check, ...] = (
    instrument_known,  # 2 (first: everything after reads the instrument's slot)
    classify,  # (kind, side, reducing)
    trading_state,  # 1
    tradable,  # 2
    order_valid,  # 2
    reduce_only,  # 2
    client_order_id,  # 3
    lot_size,  # 4
    price_filter,  # 5
    price_it,  # (time, value)
    open_orders,  # 6
    reference_price,  # 7
    price_band,  # 8
    notional,  # 9
    loss_breach,  # 10
    self_trade,  # 11
    max_position,  # 12
    gross_exposure,  # 13
    net_exposure,  # 13
    correlated_exposure,  # 14
    throttle,  # 15
    identical_order,  # 16
    spend_rate,  # (accepted from here on)
    record,
)
