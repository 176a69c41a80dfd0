"""Small enums shared by market data, risk, the OMS and venues."""

from __future__ import annotations

from enum import Enum

__all__ = ["AccountType", "OrderType", "Side", "TimeInForce"]


class Side(Enum):
    BUY = 1  # pays the ask; a bid in the book
    SELL = -1  # hits the bid; an ask in the book

    @property
    def sign(self) -> int:
        """+1 for BUY, -1 for SELL: position change per unit of quantity."""
        return self.value

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(Enum):
    LIMIT = "LIMIT"  # rests at its price
    MARKET = "MARKET"  # takes liquidity at any price (the collar still applies to the reference)
    STOP_LIMIT = "STOP_LIMIT"  # becomes a LIMIT when the market trades through its trigger


class TimeInForce(Enum):
    GTC = "GTC"  # good till cancelled
    IOC = "IOC"  # fill what you can now, cancel the rest
    FOK = "FOK"  # fill all now or nothing
    POST_ONLY = "POST_ONLY"  # rest only; rejected if it would take liquidity


class AccountType(Enum):
    CASH = "CASH"  # spot: a position is coins held
    MARGIN = "MARGIN"  # perpetual/futures: a position is a signed contract quantity
