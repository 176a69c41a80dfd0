"""What the OMS needs of the risk engine: a verdict per order and hooks to keep it in step."""

from __future__ import annotations

from typing import Protocol

from bot4.model import ClientOrderId, InstrumentId, OrderRequest

__all__ = ["RiskGate"]


class RiskGate(Protocol):
    """What the OMS needs of the risk engine (`bot4.risk.RiskEngine` implements it).

    `check` returns a verdict that is falsy when denied (`Denied`, with `reason` and `detail`)
    and truthy when accepted; an accepted order counts as open in the engine at once. The hooks
    keep the engine's own incremental view in step with the OMS.
    """

    def check(self, req: OrderRequest) -> object: ...

    def check_cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> object:
        """Truthy when the cancel may go out (only a cancel throttle can say no)."""
        ...

    def check_replace(self, client_order_id: ClientOrderId, req: OrderRequest) -> object:
        """Truthy when open order `client_order_id` may take `req`'s terms; records nothing."""
        ...

    def on_order_opened(self, req: OrderRequest) -> None:
        """An order open without passing `check` (rebuilt from the journal)."""
        ...

    def on_order_closed(self, client_order_id: ClientOrderId) -> None: ...

    def on_fill(self, client_order_id: ClientOrderId, qty: int, price: int) -> None: ...

    def set_position(self, instrument_id: InstrumentId, qty: int, price: int) -> None:
        """Set a position outright (a late fill on a closed order, a rebuild)."""
        ...

    def on_price(self, instrument_id: InstrumentId, price: int, ts_ns: int | None = None) -> None:
        """A reference/mark price for the collar and the exposure checks."""
        ...

    def on_equity(self, equity: int) -> None:
        """Account equity (account units): daily loss and drawdown; a breach trips the stop."""
        ...
