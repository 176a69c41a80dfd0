# bot4.risk.checks: every pre-trade check, once; depends on bot4.model and bot4.risk's
# _decision, _slot and _ledger (never on numpy: the correlated check reads floats the engine's
# CorrelatedExposure keeps).
#   base      Candidate (the order under check and what the checks derived), the Check type
#   order     the instrument, trading state, validity, reduce-only, client id, lot, tick
#   limits    open orders, reference price, price bands, notional, loss, self-trade, position
#   exposure  gross, net and correlated exposure (new risk only)
#   flow      throttle, identical order; on accept: spend the rate, record the order
"""The pre-trade checks in the order they run (cheap first), and the reference that runs them.

`CHECKS` is the one list: `run` calls each in turn (any order, any state), and
`bot4.risk._compile` builds the engine's fast path from the same functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot4.model import OrderRequest
from bot4.risk._decision import ACCEPTED, Decision
from bot4.risk.checks.base import Candidate, Check
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

if TYPE_CHECKING:
    from bot4.risk.engine import RiskEngine

__all__ = ["CHECKS", "run"]

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


def run(e: RiskEngine, req: OrderRequest, replace: bool = False, own_id: bool = False) -> Decision:
    """Every check on `req`, in order; the first verdict wins, else ACCEPTED (recorded).

    `replace`: a replace probe (`RiskEngine.check_replace`): on accept only the rate capacity
    is spent; nothing is recorded. `own_id`: the probe keeps the id of the open order it
    amends, so the id-reuse check does not apply.
    """
    o = Candidate(req, replace, own_id)
    for check in CHECKS:
        verdict = check(e, o)
        if verdict is not None:
            return verdict
    return ACCEPTED
