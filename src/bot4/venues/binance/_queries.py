"""`BinanceQueries`: what reconciliation reads from Binance, and the state the venue keeps.

The base of `BinanceVenue`: the REST client, the order tracker, instruments and balances, and
the read-only queries (open orders, one order, balances, recent fills). Nothing here sends an
order or emits an event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from bot4.clock import Clock
from bot4.errors import VenueApiError, VenueError
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderFilled,
    OrderSubmitted,
    OrderType,
    Side,
    TimeInForce,
)
from bot4.resilience import CircuitBreaker
from bot4.venues.binance._account import (
    Balance,
    VenueOrder,
    balance_of,
    our_client_order_id,
    venue_order,
)
from bot4.venues.binance._config import BinanceConfig
from bot4.venues.binance._rest import BinanceRest
from bot4.venues.binance._secret import Secret
from bot4.venues.binance._tracker import OrderTracker, Tracked
from bot4.venues.binance._wire import AccountInfo, RestOrder, Trade

__all__ = ["BinanceQueries"]

_ORDER_UNKNOWN = -2013  # "Order does not exist."
_order_decoder = msgspec.json.Decoder(RestOrder)
_orders_decoder = msgspec.json.Decoder(list[RestOrder])
_trades_decoder = msgspec.json.Decoder(list[Trade])
_account_decoder = msgspec.json.Decoder(AccountInfo)


class BinanceQueries:
    """REST client, tracker, instruments and balances, and the reconciliation queries."""

    def __init__(
        self,
        config: BinanceConfig,
        *,
        api_key: Secret,
        api_secret: Secret,
        breaker: CircuitBreaker,
        clock: Clock,
        instruments: Mapping[InstrumentId, Instrument] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self.rest = BinanceRest(
            config, api_key=api_key, api_secret=api_secret, breaker=breaker, clock=clock
        )
        self.tracker = OrderTracker()
        self.instruments: dict[InstrumentId, Instrument] = dict(instruments or {})
        self._by_symbol = {i.symbol: i for i in self.instruments.values()}
        self._balances: dict[str, Balance] = {}

    # -- queries for reconciliation -------------------------------------------------------------

    async def open_orders(self) -> list[VenueOrder]:
        """Every open order of the account (all symbols, weight 80)."""
        raw = await self.rest.request_raw("GET", "/api/v3/openOrders", signed=True, weight=80)
        return [
            venue_order(o, self._by_symbol[o.symbol])
            for o in _orders_decoder.decode(raw)
            if o.symbol in self._by_symbol
        ]

    async def query_order(
        self, client_order_id: ClientOrderId, instrument_id: InstrumentId | None = None
    ) -> VenueOrder | None:
        """The order as Binance has it now, None when Binance does not know it."""
        t = self.tracker.orders.get(client_order_id)
        inst = t.instrument if t is not None else self._instrument(instrument_id)
        order = await self._query(inst, t.venue_coid if t is not None else client_order_id)
        return None if order is None else venue_order(order, inst)

    async def balances(self, *, refresh: bool = False) -> dict[str, Balance]:
        """Balances by asset: as the stream last reported them, or fresh from the account."""
        if refresh:
            raw = await self.rest.request_raw("GET", "/api/v3/account", signed=True, weight=20)
            self._balances = {b.asset: balance_of(b) for b in _account_decoder.decode(raw).balances}
        return dict(self._balances)

    async def recent_fills(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> list[OrderFilled]:
        """Our fills since `since_ns` on these instruments (default: those of tracked orders),
        as OrderFilled with our client order ids; fills of orders unknown here are looked up."""
        if instrument_ids is None:
            instrument_ids = {t.instrument.id for t in self.tracker.orders.values()}
        fills: list[OrderFilled] = []
        tracker = OrderTracker()  # a scratch tracker: building events must not mark them said
        for iid in sorted(instrument_ids):
            inst = self._instrument(iid)
            for tr in await self._trades(inst, start_ms=since_ns // 1_000_000):
                t = self.tracker.find_order_id(tr.order_id)
                if t is None:
                    order = await self._query_by_id(inst, tr.order_id)
                    if order is None:
                        continue
                    coid = our_client_order_id(order.client_order_id)
                else:
                    coid = t.coid
                scratch = tracker.orders.get(coid) or tracker.add(
                    _placeholder(coid, inst, tr.is_buyer), inst
                )
                fills += [
                    e
                    for e in tracker.fill(
                        scratch,
                        order_id=tr.order_id,
                        trade_id=tr.id,
                        qty=tr.qty,
                        price=tr.price,
                        commission=tr.commission,
                        commission_asset=tr.commission_asset,
                        maker=tr.is_maker,
                        ts_ms=tr.time,
                    )
                    if isinstance(e, OrderFilled)
                ]
        return fills

    # -- reading Binance ------------------------------------------------------------------------

    async def _query(self, inst: Instrument, venue_coid: str) -> RestOrder | None:
        params = [("symbol", inst.symbol), ("origClientOrderId", venue_coid)]
        return await self._get_order(params)

    async def _query_by_id(self, inst: Instrument, order_id: int) -> RestOrder | None:
        return await self._get_order([("symbol", inst.symbol), ("orderId", str(order_id))])

    async def _get_order(self, params: list[tuple[str, str]]) -> RestOrder | None:
        try:
            raw = await self.rest.request_raw("GET", "/api/v3/order", params, signed=True, weight=4)
        except VenueApiError as exc:
            if exc.code == _ORDER_UNKNOWN:
                return None
            raise
        return _order_decoder.decode(raw)

    async def _trades(
        self, inst: Instrument, *, start_ms: int | None = None, order_id: int | None = None
    ) -> list[Trade]:
        params = [("symbol", inst.symbol)]
        if order_id is not None:
            params.append(("orderId", str(order_id)))
        if start_ms is not None:
            params.append(("startTime", str(start_ms)))
        params.append(("limit", str(self.config.recent_trades_limit)))
        raw = await self.rest.request_raw("GET", "/api/v3/myTrades", params, signed=True, weight=20)
        return _trades_decoder.decode(raw)

    def _instrument(self, instrument_id: InstrumentId | None) -> Instrument:
        inst = self.instruments.get(instrument_id) if instrument_id is not None else None
        if inst is None:
            raise VenueError(f"instrument {instrument_id} is not on this Binance venue")
        return inst

    def _tracked(self, client_order_id: ClientOrderId) -> Tracked:
        t = self.tracker.orders.get(client_order_id)
        if t is None:
            raise VenueError(f"order {client_order_id} was not sent through this venue")
        return t


def _placeholder(coid: ClientOrderId, inst: Instrument, is_buyer: bool) -> OrderSubmitted:
    """A stand-in order for building fill events of an order known only from its trades."""
    return OrderSubmitted(
        client_order_id=coid,
        instrument_id=inst.id,
        side=Side.BUY if is_buyer else Side.SELL,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        qty=10**30,  # never "filled in full": every trade passes
        price=None,
        ts_event=0,
    )
