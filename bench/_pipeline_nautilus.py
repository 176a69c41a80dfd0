"""The peer for `bench pipeline`: NautilusTrader 1.221's strategy submit path.

Wired as nautilus_trader's own unit tests wire it (`tests/unit_tests/risk/test_engine.py`): a
MessageBus, a test cache, Portfolio, ExecutionEngine, RiskEngine (debug off, the submit throttle
raised so it never queues), a CASH account, and a registered `Strategy`. `build()` returns
`one(i)`: the strategy creates a limit order with its `order_factory` and `submit_order`s it;
it passes the RiskEngine's pre-trade checks and the ExecutionEngine to an execution client whose
`submit_order` only counts. Nautilus is in the `bench` dependency group (the risk helper's peer
environment), imported lazily so the family still runs without it.
"""

from __future__ import annotations

from collections.abc import Callable


def build() -> tuple[Callable[[int], object], Callable[[], int], str]:
    """(one(i), orders that reached the client so far, nautilus version); ImportError without it."""
    import nautilus_trader
    from nautilus_trader.common.component import LiveClock as NtLiveClock
    from nautilus_trader.common.component import MessageBus
    from nautilus_trader.config import ExecEngineConfig, RiskEngineConfig, StrategyConfig
    from nautilus_trader.execution.client import ExecutionClient
    from nautilus_trader.execution.engine import ExecutionEngine
    from nautilus_trader.model.currencies import USD
    from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
    from nautilus_trader.model.identifiers import ClientId, Venue
    from nautilus_trader.model.objects import Price, Quantity
    from nautilus_trader.portfolio.portfolio import Portfolio as NtPortfolio
    from nautilus_trader.risk.engine import RiskEngine as NtRiskEngine
    from nautilus_trader.test_kit.providers import TestInstrumentProvider
    from nautilus_trader.test_kit.stubs.component import TestComponentStubs
    from nautilus_trader.test_kit.stubs.events import TestEventStubs
    from nautilus_trader.test_kit.stubs.identifiers import TestIdStubs
    from nautilus_trader.trading.strategy import Strategy

    class NoOpExecutionClient(ExecutionClient):  # type: ignore[misc]
        submitted = 0

        def _start(self) -> None:
            self._set_connected()

        def _stop(self) -> None:
            self._set_connected(False)

        def submit_order(self, command: object) -> None:
            NoOpExecutionClient.submitted += 1

    clock = NtLiveClock()
    trader_id = TestIdStubs.trader_id()
    msgbus = MessageBus(trader_id=trader_id, clock=clock)
    cache = TestComponentStubs.cache()
    portfolio = NtPortfolio(msgbus=msgbus, cache=cache, clock=clock)
    exec_engine = ExecutionEngine(
        msgbus=msgbus, cache=cache, clock=clock, config=ExecEngineConfig(debug=False)
    )
    risk_engine = NtRiskEngine(
        portfolio=portfolio,
        msgbus=msgbus,
        cache=cache,
        clock=clock,
        config=RiskEngineConfig(debug=False, max_order_submit_rate="100000000/00:00:01"),
    )
    client = NoOpExecutionClient(
        client_id=ClientId("SIM"),
        venue=Venue("SIM"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=USD,
        msgbus=msgbus,
        cache=cache,
        clock=clock,
    )
    portfolio.update_account(TestEventStubs.cash_account_state())
    exec_engine.register_client(client)
    inst = TestInstrumentProvider.default_fx_ccy("AUD/USD")
    cache.add_instrument(inst)
    exec_engine.start()
    risk_engine.start()
    strategy = Strategy(StrategyConfig(log_events=False, log_commands=False))
    strategy.register(
        trader_id=trader_id, portfolio=portfolio, msgbus=msgbus, cache=cache, clock=clock
    )
    factory, submit = strategy.order_factory, strategy.submit_order
    qty, price, iid, buy = (
        Quantity.from_int(100_000),
        Price.from_str("1.00000"),
        inst.id,
        OrderSide.BUY,
    )

    def one(i: int) -> object:
        submit(factory.limit(iid, buy, qty, price))
        return None

    def reached() -> int:
        return int(NoOpExecutionClient.submitted)

    return one, reached, str(nautilus_trader.__version__)
