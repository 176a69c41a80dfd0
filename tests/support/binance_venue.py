"""A BinanceVenue wired to the real OMS and the Binance emulator, for the venue's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot4.clock import LiveClock, TestClock
from bot4.model import OrderEvent
from bot4.oms import InMemoryJournal, Order, OrderManager, Portfolio
from bot4.resilience import CircuitBreaker, CircuitConfig
from bot4.risk import RiskEngine
from bot4.venues.binance import BinanceConfig, BinanceVenue, Secret
from tests.support.binance_emu import BinanceEmulator
from tests.support.oms import IID, INSTRUMENTS, make_book, risk_config
from tests.support.waiting import until

KEY, SECRET = "rig-api-key-0123456789", "rig-secret-abcdefghijklmnopqrstuvwxyz"


class VenueRig:
    """Emulator + BinanceVenue (live clock: the emulator checks timestamps against wall time)
    + OrderManager, RiskEngine and an in-memory journal (test clock, reference at 100.00)."""

    def __init__(self, emu: BinanceEmulator, venue: BinanceVenue, breaker: CircuitBreaker) -> None:
        self.emu = emu
        self.venue = venue
        self.breaker = breaker
        self.clock = TestClock()
        self.instruments = {IID: INSTRUMENTS[IID]}
        self.journal = InMemoryJournal()
        self.risk = RiskEngine(self.instruments, risk_config(), self.clock)
        self.portfolio = Portfolio(self.instruments, clock=self.clock, starting_equity=10**14)
        self.oms = OrderManager(
            clock=self.clock,
            risk=self.risk,
            venue=venue,
            journal=self.journal,
            portfolio=self.portfolio,
        )
        mid = make_book(INSTRUMENTS[IID]).mid()
        assert mid is not None
        self.oms.on_mark(IID, mid)
        self.seen: list[OrderEvent] = []
        self.oms.subscribe(self._on_event)

    def _on_event(self, order: Order, event: OrderEvent) -> None:
        self.seen.append(event)

    def status(self, coid: str) -> str:
        from bot4.model import ClientOrderId

        return self.oms.orders[ClientOrderId(coid)].status.name

    async def wait_status(self, coid: str, *statuses: str, timeout_s: float = 10.0) -> None:
        await until(lambda: self.status(coid) in statuses, f"{coid} in {statuses}", timeout_s)


@asynccontextmanager
async def venue_rig(
    *, user_stream: bool = True, emu_kw: dict[str, Any] | None = None, **config: Any
) -> AsyncIterator[VenueRig]:
    """The emulator on loopback (book 99.90 / 100.10 on BTCUSDT) and a started venue."""
    async with BinanceEmulator(
        api_key=KEY, secret=SECRET, instruments=["BTCUSDT"], **(emu_kw or {})
    ) as emu:
        emu.set_book("BTCUSDT", bids=[("99.90", "10")], asks=[("100.10", "10")])
        fields: dict[str, Any] = {
            "base_url": emu.base_url,
            "ws_url": emu.ws_url,
            "unknown_poll_s": 0.05,
            "reconnect_initial_s": 0.05,
            "reconnect_max_s": 0.2,
        }
        fields.update(config)
        breaker = CircuitBreaker("binance-rest", CircuitConfig(consecutive_failures=5, open_s=5.0))
        venue = BinanceVenue(
            BinanceConfig(**fields),
            api_key=Secret(KEY),
            api_secret=Secret(SECRET),
            breaker=breaker,
            clock=LiveClock(),
            instruments={IID: INSTRUMENTS[IID]},
        )
        rig = VenueRig(emu, venue, breaker)
        await venue.start(user_stream=user_stream)
        if user_stream:
            await until(lambda: venue.stream.connected.is_set(), "the user stream", 10)
            await until(lambda: venue.stats.catch_ups >= 1, "the first catch-up", 10)
        try:
            yield rig
        finally:
            await venue.close()


def agree(rig: VenueRig) -> None:
    """The journal, the OMS and the emulator agree: one emulator order per OMS order (by
    client id, replacements included), the same fills (trade ids, qty, price), and every order
    open in the OMS is open on the emulator and the other way round."""
    from bot4.model import OrderFilled
    from bot4.venues.binance._account import our_client_order_id

    inst = INSTRUMENTS[IID]
    journaled = sorted(
        (r.fill_id, str(r.client_order_id), r.last_qty, r.last_price)
        for r in rig.journal.records()
        if isinstance(r, OrderFilled)
    )
    emu_coid = {o.order_id: our_client_order_id(o.client_order_id) for o in rig.emu.orders.values()}
    on_emu = sorted(
        (str(f.trade_id), emu_coid[f.order_id], inst.qty(str(f.qty)), inst.price(str(f.price)))
        for f in rig.emu.trades
    )
    assert journaled == on_emu
    emu_ids = [o.client_order_id for o in rig.emu.orders.values()]
    assert len(emu_ids) == len(set(emu_ids)), f"an order was sent twice: {emu_ids}"
    placed = {our_client_order_id(c) for c in emu_ids}
    sent = {str(c) for c, o in rig.oms.orders.items() if o.status.name not in ("DENIED",)}
    rejected = {str(c) for c, o in rig.oms.orders.items() if o.status.name == "REJECTED"}
    assert placed == sent - rejected
    open_emu = {our_client_order_id(o.client_order_id) for o in rig.emu.open_orders()}
    assert open_emu == {str(o.client_order_id) for o in rig.oms.open_orders()}
