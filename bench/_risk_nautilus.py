"""The peer for `bench risk`: NautilusTrader's RiskEngine, wired as its own unit tests wire it.

Setup follows nautilus_trader `tests/unit_tests/risk/test_engine.py` (TestRiskEngineWithCashAccount):
TestClock, MessageBus, a test cache, Portfolio, ExecutionEngine, RiskEngine, and the test kit's
MockExecutionClient (a no-op client that records calls) with a CASH account. What is timed is
`RiskEngine.execute(SubmitOrder)`: its pre-trade checks *plus* routing the accepted command
through the ExecutionEngine to the no-op client (nautilus has no check-only entry point). The
orders are limit orders on 50 Binance spot CurrencyPairs near the reference price.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any


def build(
    n_instruments: int, n_orders: int, seed: int, bypass: bool = False
) -> Callable[[int], Any]:
    """Return `submit(i)`: executes the i-th prepared SubmitOrder (call with i in range)."""
    import random

    from nautilus_trader.common.component import MessageBus, TestClock
    from nautilus_trader.config import ExecEngineConfig, RiskEngineConfig
    from nautilus_trader.core.uuid import UUID4
    from nautilus_trader.execution.engine import ExecutionEngine
    from nautilus_trader.execution.messages import SubmitOrder
    from nautilus_trader.model.currencies import USDT
    from nautilus_trader.model.enums import AccountType, OrderSide
    from nautilus_trader.model.events import AccountState
    from nautilus_trader.model.identifiers import AccountId, ClientId, InstrumentId, Symbol, Venue
    from nautilus_trader.model.instruments import CurrencyPair
    from nautilus_trader.model.objects import AccountBalance, Currency, Money, Price, Quantity
    from nautilus_trader.portfolio.portfolio import Portfolio
    from nautilus_trader.risk.engine import RiskEngine
    from nautilus_trader.test_kit.mocks.exec_clients import MockExecutionClient
    from nautilus_trader.test_kit.stubs.component import TestComponentStubs
    from nautilus_trader.test_kit.stubs.identifiers import TestIdStubs
    from nautilus_trader.trading.strategy import Strategy

    rng = random.Random(seed)
    clock = TestClock()
    trader_id = TestIdStubs.trader_id()
    venue = Venue("BINANCE")
    msgbus = MessageBus(trader_id=trader_id, clock=clock)
    cache = TestComponentStubs.cache()
    portfolio = Portfolio(msgbus=msgbus, cache=cache, clock=clock)
    exec_engine = ExecutionEngine(
        msgbus=msgbus, cache=cache, clock=clock, config=ExecEngineConfig(debug=False)
    )
    risk_engine = RiskEngine(
        portfolio=portfolio,
        msgbus=msgbus,
        cache=cache,
        clock=clock,
        config=RiskEngineConfig(
            bypass=bypass,
            max_order_submit_rate="1000000/00:00:01",
            debug=False,
        ),
    )
    client = MockExecutionClient(
        client_id=ClientId(venue.value),
        venue=venue,
        account_type=AccountType.CASH,
        base_currency=None,
        msgbus=msgbus,
        cache=cache,
        clock=clock,
    )
    account_id = AccountId("BINANCE-001")
    portfolio.update_account(
        AccountState(
            account_id=account_id,
            account_type=AccountType.CASH,
            base_currency=None,
            reported=True,
            balances=[AccountBalance(Money(10**12, USDT), Money(0, USDT), Money(10**12, USDT))],
            margins=[],
            info={},
            event_id=UUID4(),
            ts_event=0,
            ts_init=0,
        )
    )
    exec_engine.register_client(client)
    exec_engine.start()
    risk_engine.start()

    instruments = []
    for k in range(n_instruments):
        base = f"C{k:02d}"
        inst = CurrencyPair(
            instrument_id=InstrumentId(Symbol(f"{base}USDT"), venue),
            raw_symbol=Symbol(f"{base}USDT"),
            base_currency=Currency(base, 8, 0, base, USDT.currency_type),
            quote_currency=USDT,
            price_precision=2,
            size_precision=5,
            price_increment=Price.from_str("0.01"),
            size_increment=Quantity.from_str("0.00001"),
            lot_size=None,
            max_quantity=Quantity.from_str("9000"),
            min_quantity=Quantity.from_str("0.00001"),
            max_notional=None,
            min_notional=Money(5, USDT),
            max_price=Price.from_str("1000000"),
            min_price=Price.from_str("0.01"),
            margin_init=Decimal(0),
            margin_maint=Decimal(0),
            maker_fee=Decimal("0.001"),
            taker_fee=Decimal("0.001"),
            ts_event=0,
            ts_init=0,
        )
        cache.add_instrument(inst)
        instruments.append(inst)

    strategy = Strategy()
    strategy.register(
        trader_id=trader_id, portfolio=portfolio, msgbus=msgbus, cache=cache, clock=clock
    )
    commands = []
    for _ in range(n_orders):
        inst = instruments[rng.randrange(n_instruments)]
        side = OrderSide.BUY if rng.random() < 0.5 else OrderSide.SELL
        px = 1000.0 * (1 + rng.uniform(-0.002, 0.002))
        order = strategy.order_factory.limit(
            inst.id,
            side,
            Quantity.from_str(f"{rng.randint(1, 50) / 1000:.5f}"),
            Price.from_str(f"{px:.2f}"),
        )
        commands.append(
            SubmitOrder(
                trader_id=trader_id,
                strategy_id=strategy.id,
                position_id=None,
                order=order,
                command_id=UUID4(),
                ts_init=0,
            )
        )
    execute = risk_engine.execute

    def submit(i: int) -> Any:
        return execute(commands[i])

    submit.client = client  # type: ignore[attr-defined]
    submit.commands = commands  # type: ignore[attr-defined]
    return submit
