"""The emulated account and matching engine: balances, orders, the L2 book, fills and events.

A marketable order fills at once by walking the book the test set (its liquidity is consumed);
what rests fills when `trade()` prints at or through its price, or when a book update crosses it
(at the order's own price: it is the maker then). Every change emits the user-data events Binance
sends: `executionReport` per order change, then one `outboundAccountPosition`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tests.support.binance_emu._errors import Reject
from tests.support.binance_emu._events import Event, account_position, execution_report
from tests.support.binance_emu._market import ZERO, SymbolSpec
from tests.support.binance_emu._orders import Balance, EmuOrder, Fill


class Engine:
    """Balances, books and orders of the one emulated account."""

    def __init__(
        self,
        specs: dict[str, SymbolSpec],
        balances: dict[str, Decimal],
        *,
        maker_commission: Decimal,
        taker_commission: Decimal,
        now_ms: Callable[[], int],
        emit: Callable[[Event], None],
    ) -> None:
        self.specs = specs
        self.balances: dict[str, Balance] = {a: Balance(free=v) for a, v in balances.items()}
        self.maker_commission = maker_commission
        self.taker_commission = taker_commission
        self.now_ms = now_ms
        self.emit = emit
        self.orders: dict[int, EmuOrder] = {}  # every order ever accepted, by orderId
        self.trades: list[Fill] = []
        self.bids: dict[str, dict[Decimal, Decimal]] = {s: {} for s in specs}
        self.asks: dict[str, dict[Decimal, Decimal]] = {s: {} for s in specs}
        self._next_order_id = 1
        self._next_trade_id = 1
        self.update_ms = 0

    # ---- lookups

    def spec(self, symbol: str | None) -> SymbolSpec:
        if not symbol:
            raise Reject(
                400,
                -1102,
                "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
            )
        spec = self.specs.get(symbol)
        if spec is None:
            raise Reject(400, -1121, "Invalid symbol.")
        return spec

    def balance(self, asset: str) -> Balance:
        return self.balances.setdefault(asset, Balance())

    def open_orders(self, symbol: str | None = None) -> list[EmuOrder]:
        return [
            o for o in self.orders.values() if o.is_open and (symbol is None or o.symbol == symbol)
        ]

    def find(self, symbol: str, order_id: int | None, client_id: str | None) -> EmuOrder | None:
        """By orderId (checked against client_id when both are given), else the latest by cid."""
        if order_id is not None:
            o = self.orders.get(order_id)
            if o is None or o.symbol != symbol or (client_id and o.client_order_id != client_id):
                return None
            return o
        for o in reversed(self.orders.values()):
            if o.symbol == symbol and o.client_order_id == client_id:
                return o
        return None

    def check(self) -> None:
        """Assert the books balance: what each open order holds is what its asset has locked,
        nothing is negative, and every order's totals are the sum of its fills."""
        held: dict[str, Decimal] = {}
        for o in self.orders.values():
            spec = self.specs[o.symbol]
            assert o.executed_qty == sum((f.qty for f in o.fills), ZERO), o
            assert o.cum_quote == sum((f.quote_qty for f in o.fills), ZERO), o
            assert ZERO <= o.executed_qty <= o.orig_qty, o
            assert o.is_open or not o.locked, o
            asset = spec.quote if o.side == "BUY" else spec.base
            held[asset] = held.get(asset, ZERO) + o.locked
        for asset, b in self.balances.items():
            assert b.free >= 0 and b.locked >= 0, (asset, b)
            assert b.locked == held.get(asset, ZERO), (asset, b, held.get(asset))

    # ---- placing

    def place(self, spec: SymbolSpec, p: dict[str, Any]) -> EmuOrder:
        """Accept (and match) a validated order; Reject when Binance would refuse it."""
        cid = p["client_order_id"]
        if any(o.client_order_id == cid for o in self.open_orders()):
            raise Reject(400, -2010, "Duplicate order sent.")
        side, typ, price, qty = p["side"], p["type"], p["price"], p["qty"]
        book = self.asks[spec.symbol] if side == "BUY" else self.bids[spec.symbol]
        crosses = self._levels(book, side, price if typ != "MARKET" else None)
        if typ == "LIMIT_MAKER" and crosses:
            raise Reject(400, -2010, "Order would immediately match and take.")
        if typ == "MARKET":
            self._check_market_funds(spec, side, qty, p["quote_qty"], crosses)
        else:
            held = price * qty if side == "BUY" else qty
            asset = spec.quote if side == "BUY" else spec.base
            if self.balance(asset).free < held:
                raise Reject(400, -2010, "Account has insufficient balance for requested action.")
        if p["quote_qty"]:
            qty = self._plan_quote(spec, side, p["quote_qty"], book, crosses)
        now = self.now_ms()
        o = EmuOrder(
            order_id=self._next_order_id,
            client_order_id=cid,
            symbol=spec.symbol,
            side=side,
            type=typ,
            time_in_force=p["tif"],
            price=price if typ != "MARKET" else ZERO,
            orig_qty=qty,  # by quoteOrderQty: what the walk below will fill
            quote_order_qty=p["quote_qty"],
            time_ms=now,
            update_ms=now,
        )
        if typ != "MARKET" and p["tif"] == "GTC":
            o.working_ms = now  # goes on the book (after taking what it crosses)
        self._next_order_id += 1
        self.orders[o.order_id] = o
        if typ != "MARKET":
            o.locked = price * qty if side == "BUY" else qty
            b = self.balance(spec.quote if side == "BUY" else spec.base)
            b.free -= o.locked
            b.locked += o.locked
        self._report(spec, o, "NEW")
        self._take(spec, o, book)
        self._account(spec)
        return o

    def _check_market_funds(
        self, spec: SymbolSpec, side: str, qty: Decimal, quote_qty: Decimal, levels: list[Decimal]
    ) -> None:
        if not levels:
            return  # nothing to fill: the order expires at once, no funds needed
        if side == "SELL":
            need, asset = (qty, spec.base)
            if quote_qty:
                need = ZERO  # checked as it fills (base needed is unknown before the walk)
        else:
            asset = spec.quote
            need = quote_qty or self._walk_cost(spec, qty)
        if self.balance(asset).free < need:
            raise Reject(400, -2010, "Account has insufficient balance for requested action.")

    def _walk_cost(self, spec: SymbolSpec, qty: Decimal) -> Decimal:
        book = self.asks[spec.symbol]
        cost, left = ZERO, qty
        for px in sorted(book):
            take = min(left, book[px])
            cost, left = cost + take * px, left - take
            if not left:
                break
        return cost

    def _plan_quote(
        self,
        spec: SymbolSpec,
        side: str,
        quote_qty: Decimal,
        book: dict[Decimal, Decimal],
        levels: list[Decimal],
    ) -> Decimal:
        """The quantity a MARKET order for `quote_qty` fills: whole lot steps, within funds."""
        step = Decimal(spec.filters.get("LOT_SIZE", {}).get("stepSize", "0"))
        spend, total = quote_qty, ZERO
        base_free = self.balance(spec.base).free
        for px in levels:
            qty = spend / px
            if step:
                qty = (qty / step).to_integral_value(ROUND_DOWN) * step
            qty = min(qty, book[px])
            if side == "SELL":
                qty = min(qty, base_free - total)
            if qty <= 0:
                break
            total, spend = total + qty, spend - qty * px
        return total

    @staticmethod
    def _levels(book: dict[Decimal, Decimal], side: str, limit: Decimal | None) -> list[Decimal]:
        """Prices of the opposite book this order can take, best first."""
        if side == "BUY":
            return [px for px in sorted(book) if limit is None or px <= limit]
        return [px for px in sorted(book, reverse=True) if limit is None or px >= limit]

    def _take(self, spec: SymbolSpec, o: EmuOrder, book: dict[Decimal, Decimal]) -> None:
        """Fill a new order against the book as taker; expire or rest what is left."""
        levels = self._levels(book, o.side, o.price if o.type != "MARKET" else None)
        if o.time_in_force == "FOK" and sum(book[px] for px in levels) < o.remaining:
            self._close(spec, o, "EXPIRED")
            return
        for px in levels:
            qty = min(o.remaining, book[px])
            book[px] -= qty
            if not book[px]:
                del book[px]
            self._fill(spec, o, px, qty, maker=False)
            if not o.is_open:
                return
        if o.working_ms < 0:  # MARKET, IOC, FOK: what did not fill at once expires
            self._close(spec, o, "EXPIRED")

    # ---- resting orders meet the market

    def trade(self, symbol: str, price: Decimal, qty: Decimal) -> None:
        """A market trade of `qty` at `price`: fills resting orders at or through it, best first."""
        spec = self.spec(symbol)
        for side in ("BUY", "SELL"):
            left = qty
            for o in self._resting(symbol, side):
                if left <= 0 or (o.price < price if side == "BUY" else o.price > price):
                    break
                take = min(left, o.remaining)
                left -= take
                self._fill(spec, o, o.price, take, maker=True)
        self._account(spec)

    def set_book(
        self, symbol: str, bids: dict[Decimal, Decimal], asks: dict[Decimal, Decimal]
    ) -> None:
        spec = self.spec(symbol)
        self.bids[symbol], self.asks[symbol] = dict(bids), dict(asks)
        self._cross(spec)

    def apply_book(
        self, symbol: str, bids: dict[Decimal, Decimal], asks: dict[Decimal, Decimal]
    ) -> None:
        spec = self.spec(symbol)
        for book, levels in ((self.bids[symbol], bids), (self.asks[symbol], asks)):
            for px, q in levels.items():
                if q:
                    book[px] = q
                else:
                    book.pop(px, None)
        self._cross(spec)

    def _resting(self, symbol: str, side: str) -> list[EmuOrder]:
        """Resting orders of one side in price-time priority."""
        orders = [o for o in self.open_orders(symbol) if o.side == side and o.working_ms >= 0]
        sign = -1 if side == "BUY" else 1
        return sorted(orders, key=lambda o: (sign * o.price, o.order_id))

    def _cross(self, spec: SymbolSpec) -> None:
        """Resting orders the book now crosses fill at their own price against that liquidity."""
        changed = False
        for side, book in (("BUY", self.asks[spec.symbol]), ("SELL", self.bids[spec.symbol])):
            for o in self._resting(spec.symbol, side):
                for px in self._levels(book, side, o.price):
                    qty = min(o.remaining, book[px])
                    book[px] -= qty
                    if not book[px]:
                        del book[px]
                    self._fill(spec, o, o.price, qty, maker=True)
                    changed = True
                    if not o.is_open:
                        break
        if changed:
            self._account(spec)

    # ---- state changes

    def _fill(
        self, spec: SymbolSpec, o: EmuOrder, px: Decimal, qty: Decimal, *, maker: bool
    ) -> None:
        rate = self.maker_commission if maker else self.taker_commission
        quote = px * qty
        base_b, quote_b = self.balance(spec.base), self.balance(spec.quote)
        if o.side == "BUY":
            commission, asset = qty * rate, spec.base
            if o.type == "MARKET":
                quote_b.free -= quote
            else:
                held = o.price * qty
                quote_b.locked -= held
                o.locked -= held
                quote_b.free += held - quote
            base_b.free += qty - commission
        else:
            commission, asset = quote * rate, spec.quote
            if o.type == "MARKET":
                base_b.free -= qty
            else:
                base_b.locked -= qty
                o.locked -= qty
            quote_b.free += quote - commission
        o.executed_qty += qty
        o.cum_quote += quote
        now = self.now_ms()
        o.update_ms = now
        o.status = "FILLED" if o.executed_qty >= o.orig_qty else "PARTIALLY_FILLED"
        f = Fill(
            trade_id=self._next_trade_id,
            order_id=o.order_id,
            symbol=spec.symbol,
            side=o.side,
            price=px,
            qty=qty,
            quote_qty=quote,
            commission=commission,
            commission_asset=asset,
            time_ms=now,
            is_maker=maker,
        )
        self._next_trade_id += 1
        o.fills.append(f)
        self.trades.append(f)
        if o.status == "FILLED":
            self._release(spec, o)
        self._report(spec, o, "TRADE", f)

    def _release(self, spec: SymbolSpec, o: EmuOrder) -> None:
        """Give back what a closed order still holds."""
        if o.locked:
            b = self.balance(spec.quote if o.side == "BUY" else spec.base)
            b.locked -= o.locked
            b.free += o.locked
            o.locked = ZERO

    def _close(self, spec: SymbolSpec, o: EmuOrder, status: str) -> None:
        o.status = status
        o.update_ms = self.now_ms()
        self._release(spec, o)
        self._report(spec, o, "CANCELED" if status == "CANCELED" else "EXPIRED")

    def cancel(self, spec: SymbolSpec, o: EmuOrder, cancel_client_id: str) -> None:
        """Cancel an open order (the caller has checked it is open)."""
        o.status = "CANCELED"
        o.update_ms = self.now_ms()
        self._release(spec, o)
        self._report(spec, o, "CANCELED", cancel_id=cancel_client_id)
        self._account(spec)

    # ---- events

    def _report(
        self,
        spec: SymbolSpec,
        o: EmuOrder,
        exec_type: str,
        f: Fill | None = None,
        cancel_id: str = "",
    ) -> None:
        now = self.now_ms()
        self.update_ms = now
        self.emit(execution_report(spec, o, exec_type, now, f, cancel_id))

    def _account(self, spec: SymbolSpec) -> None:
        for a in (spec.base, spec.quote):
            self.balance(a)
        now = self.now_ms()
        self.emit(
            account_position(self.balances, (spec.base, spec.quote), now, self.update_ms or now)
        )
