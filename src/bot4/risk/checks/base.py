"""What every check sees: the engine, and the order being checked with what checks derived.

A check is a function `check(e, o) -> Decision | None`: None lets the order go on to the next
check, anything else is the verdict. Checks are written once, for any order; `RiskEngine`
compiles them, in `CHECKS` order, into its reference and its fast path (`bot4.risk._compile`),
so a check must keep to the few rules that compiler relies on:

- per-order values are read and written as `o.<field>` (fields of `Candidate`); in the fast
  path they become locals, so a check's own local names must not be field names (an alias
  such as `s = o.s` is fine);
- a guard `if <cond>: return None` at the top level of the function means "the rest does not
  apply to this order"; any other `return` returns a verdict;
- it reads the engine through `e` only, is flat (no loops, `try` or `with`), and the module
  names it uses mean the same in every checks module (the fast path has one namespace).

A new check: write the function in the module of its group, give it a `DenyReason`, and put
it in `CHECKS` at its place (cheap first). Both paths then run it; nothing else to copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from bot4.model import OrderRequest, OrderType, Side, TimeInForce
from bot4.risk._decision import Decision, DenyReason

if TYPE_CHECKING:
    from bot4.risk._slot import Slot
    from bot4.risk.engine import RiskEngine

__all__ = [
    "BUY",
    "FOK",
    "HALTED",
    "IOC",
    "LIMIT",
    "MARKET",
    "NS_PER_MS",
    "POST_ONLY",
    "STOP",
    "Candidate",
    "Check",
    "R",
]

BUY = Side.BUY
MARKET = OrderType.MARKET
LIMIT = OrderType.LIMIT
STOP = OrderType.STOP_LIMIT
POST_ONLY = TimeInForce.POST_ONLY
IOC = TimeInForce.IOC
FOK = TimeInForce.FOK
NS_PER_MS = 1_000_000
HALTED = 2  # the engine's state code for TradingState.HALTED (ACTIVE is 0, REDUCING 1)
R = DenyReason


class Candidate:
    """One order under check: the request, its kind, and the values the checks derive.

    The kind fields are set once by `classify`; `now`, `px`, `n`, `ne` by `price_it`;
    `key` by `identical_order`. The compiled paths keep these fields in locals; the object
    exists for calling the check functions themselves (the tests do).
    """

    __slots__ = (
        "after",
        "buy",
        "cid",
        "exiting",
        "key",
        "limit",
        "market",
        "n",
        "ne",
        "now",
        "own_id",
        "pos",
        "price",
        "px",
        "qty",
        "reducing",
        "replace",
        "req",
        "ro",
        "s",
        "same",
        "stop",
    )

    req: OrderRequest
    replace: bool  # a replace probe: spend rate capacity only, record nothing
    own_id: bool  # the probe keeps the amended order's id: the id-reuse check does not apply
    s: Slot  # the instrument's slot
    cid: str  # client order id
    qty: int  # size units
    price: int | None  # the limit price; None for a market order
    market: bool  # order type MARKET ...
    stop: bool  # ... STOP_LIMIT ...
    limit: bool  # ... LIMIT
    buy: bool
    pos: int  # the instrument's signed position, size units
    same: int  # open quantity on the order's side, size units
    after: int  # |position| once this order and its side's open orders fill (signed: + grows)
    reducing: bool  # shrinks the position, counting the open orders on its side
    ro: bool  # reduce_only
    exiting: bool  # reduce-only and reducing: an exit, never blocked by a risk limit
    now: int  # monotonic ns of the check
    px: int  # the price the order is valued at (the reference for a market order)
    n: int  # notional, instrument price*size units
    ne: int  # notional, exposure units
    key: tuple[object, ...]  # the identical-order key

    def __init__(self, req: OrderRequest, replace: bool, own_id: bool) -> None:
        self.req = req
        self.replace = replace
        self.own_id = own_id


Check: TypeAlias = Callable[["RiskEngine", Candidate], Decision | None]
