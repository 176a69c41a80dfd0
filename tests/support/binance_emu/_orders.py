"""What the emulated exchange holds: balances, orders (statuses as Binance names them), fills."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from decimal import Decimal

from tests.support.binance_emu._market import ZERO

_ALNUM = string.ascii_letters + string.digits
OPEN = ("NEW", "PARTIALLY_FILLED")


def new_client_id() -> str:
    """A client order id like the ones Binance makes up (22 alphanumerics)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(22))


@dataclass(slots=True)
class Balance:
    free: Decimal = ZERO  # spendable
    locked: Decimal = ZERO  # held by open orders


@dataclass(slots=True)
class Fill:
    """One trade of one of our orders."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_maker: bool


@dataclass(slots=True)
class EmuOrder:
    """An order as the emulated exchange holds it (statuses as Binance names them)."""

    order_id: int
    client_order_id: str
    symbol: str
    side: str  # BUY / SELL
    type: str  # LIMIT / LIMIT_MAKER / MARKET
    time_in_force: str  # GTC / IOC / FOK (GTC for LIMIT_MAKER and MARKET, as Binance reports)
    price: Decimal  # 0 for MARKET
    orig_qty: Decimal  # 0 for a MARKET order sized by quoteOrderQty until it fills
    quote_order_qty: Decimal  # MARKET by quote amount, else 0
    time_ms: int  # creation (transactTime of the placement)
    status: str = "NEW"  # NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_ms: int = 0
    working_ms: int = -1  # when it went on the book (-1: never)
    locked: Decimal = ZERO  # what it still holds of the locked asset (quote on BUY, base on SELL)
    fills: list[Fill] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN
