"""The pre-trade risk engine: every order passes sixteen checks, cheap first, in microseconds.

    ACTIVE    every check below applies
    REDUCING  (operator) only orders that shrink a position pass
    HALTED    (kill switch) only cancels and exits pass

`check(request)` is synchronous, reads time only from the injected Clock, and returns
`ACCEPTED` or `Denied(reason, detail)`. Each check is one function in `bot4.risk.checks`,
listed once in `CHECKS`; the engine runs them in that order (the first failure wins):

     1 trading state                          9 notional: exchange min/max, max order
     2 instrument known/tradable, order valid,    notional
       reduce-only honoured                  10 loss / drawdown breached
     3 client order id reused                11 self-trade: crosses our resting order
     4 exchange lot + max order qty          12 max position incl. same-side open orders
     5 exchange tick (price filter)          13 gross / net exposure
     6 open orders: instrument, algo, total  14 correlation-adjusted exposure
     7 reference price known and fresh       15 throttle: token buckets (GCRA), instrument
     8 price collar ∩ exchange percent price    and global
       ∩ exchange min/max price              16 identical order within the window

The engine runs them as two flat functions compiled from them once, at construction
(`_compile.py`): `check`, specialised for the common order (LIMIT, not reduce-only, state
ACTIVE), hands every other order to the reference, which runs every check on any order (and
on replace probes). Both decide as the check functions called in order do (tested side by
side).

An *exit* — `reduce_only=True` and it shrinks the position, counting the open orders on its
side — is never blocked by a risk limit: it passes states, limits, collar and throttle, and is
denied only when malformed (validity, exchange tick/lot) or a duplicate.

State. The engine keeps its own incremental view, fed by hooks, instead of reading a portfolio
protocol per order: an accepted order counts as open from the moment `check` accepts it (no
window in which a burst could bypass the open-order and position limits); the OMS calls
`on_fill`, `on_order_closed` (cancelled, rejected, expired, or never sent) and
`on_order_opened` (orders that did not pass `check`: restored or reconciled), `on_price` for
the reference/mark price, `on_equity` for loss/drawdown. The parts: `Ledger` (open orders,
positions, exposure headroom), `LossGuard` (equity), `CorrelatedExposure` (numpy; created only
once `max_correlated_exposure` is configured), `KillSwitch`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot4.clock import Clock
from bot4.errors import ConfigError, RiskError
from bot4.model import (
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderRequest,
    Side,
    TimeInForce,
)
from bot4.risk._compile import Reference, build_paths
from bot4.risk._decision import ACCEPTED, Decision, Denied, DenyReason
from bot4.risk._equity import LossGuard
from bot4.risk._ledger import Ledger, open_order
from bot4.risk._slot import INF, Slot, bucket, compile_limits, scaled_limit
from bot4.risk.checks.base import LIMIT, STOP
from bot4.risk.config import RiskConfig, TradingState, validate_config
from bot4.risk.kill_switch import KillSwitch

if TYPE_CHECKING:
    from bot4.risk._correlated import CorrelatedExposure
    from bot4.risk.correlation import RollingCorrelation

__all__ = ["RiskEngine"]

log = logging.getLogger(__name__)

_NS_PER_MS = 1_000_000
_ACTIVE, _REDUCING, _HALTED = 0, 1, 2
_STATE_CODE = {TradingState.ACTIVE: _ACTIVE, TradingState.REDUCING: _REDUCING}
_R = DenyReason


class RiskEngine:
    """Pre-trade checks over a fixed instrument set (see the module docstring)."""

    check: Callable[[OrderRequest], Decision]
    """Run every check on `req`; on ACCEPTED the order counts as open at once (the compiled
    fast path, set per engine)."""
    _reference: Reference  # every check on any order (compiled; what `check` hands off to)

    def __init__(
        self,
        instruments: Mapping[InstrumentId, Instrument],
        config: RiskConfig,
        clock: Clock,
        kill_switch: KillSwitch | None = None,
    ) -> None:
        problems = validate_config(config, set(instruments))
        if problems:
            raise ConfigError("risk config: " + "; ".join(problems))
        self._clock = clock
        self._now = clock.monotonic_ns  # bound once: one call on the order path
        self.config = config
        exp_dec = max(
            [config.account_precision]
            + [i.price_precision + i.size_precision for i in instruments.values()]
        )
        self._slots: dict[str, Slot] = {
            iid: Slot(inst, n, exp_dec) for n, (iid, inst) in enumerate(instruments.items())
        }
        self.ledger = Ledger(self._slots, clock, exp_dec)
        self.kill_switch = kill_switch or KillSwitch(
            clock, config.kill_switch, positions=self.positions
        )
        self.loss = LossGuard(clock, self.kill_switch)
        self.correlated: CorrelatedExposure | None = None  # until the limit is configured
        self._operator_state = _STATE_CODE[config.trading_state]
        self._state = self._operator_state
        self._g_tat = self._gc_tat = 0  # global buckets' arrival times (kept across reloads)
        self._apply(config)
        self.kill_switch.add_halt_hook(self._on_halt)
        self.check, self._reference = build_paths(self)

    # -- configuration -----------------------------------------------------------------------
    def _apply(self, config: RiskConfig) -> None:
        compile_limits(self._slots, config)
        e = self.ledger.exposure_decimals
        self._max_open_total = INF if config.max_open_orders is None else config.max_open_orders
        self.ledger.set_limits(
            scaled_limit(config.max_gross_exposure, e), scaled_limit(config.max_net_exposure, e)
        )
        mce = config.max_correlated_exposure
        if mce is not None and self.correlated is None:
            from bot4.risk._correlated import CorrelatedExposure  # numpy: only when configured

            self.correlated = CorrelatedExposure(
                list(self._slots.values()),
                config.correlation_window,
                config.correlation_min_samples,
            )
            self.ledger.correlated = self.correlated
        elif self.correlated is not None and (
            config.correlation_window != self.config.correlation_window
            or config.correlation_min_samples != self.config.correlation_min_samples
        ):
            self.correlated.resize_window(config.correlation_window, config.correlation_min_samples)
        if self.correlated is not None:
            self.correlated.set_limit(None if mce is None else float(mce))
        p = config.account_precision
        self.loss.max_loss = (
            None if config.max_daily_loss is None else int(config.max_daily_loss.scaleb(p))
        )
        self.loss.max_dd_bps = config.max_drawdown_bps
        self.ledger.dup_window = config.duplicate_window_ms * _NS_PER_MS
        self.ledger.closed_ttl = round(config.closed_id_memory_s * 1e9)
        self.ledger.closed_max = config.closed_id_memory_max
        self._stp = config.self_trade_prevention
        # global buckets (GCRA, see Slot.bucket); a reload keeps their arrival times
        self._g_int, self._g_tol = bucket(config.orders_per_s, config.order_burst)
        self._gc_int, self._gc_tol = bucket(config.cancels_per_s, config.cancel_burst)
        self.config = config

    def reload(self, config: RiskConfig) -> list[str]:
        """Swap in new limits at run time; returns the problems (then the old limits stay)."""
        problems = validate_config(config, set(self._slots))
        if problems:
            log.error("risk reload refused, old limits kept: %s", "; ".join(problems))
            return problems
        self._apply(config)
        self._operator_state = _STATE_CODE[config.trading_state]
        if self._state != _HALTED:
            self._state = self._operator_state
        self.kill_switch.config = config.kill_switch
        log.info("risk limits reloaded")
        return []

    @property
    def trading_state(self) -> TradingState:
        return (TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED)[self._state]

    def set_trading_state(self, state: TradingState) -> None:
        """Operator: ACTIVE or REDUCING (HALTED only through the kill switch: RiskError)."""
        if state is TradingState.HALTED:
            raise RiskError("HALTED is entered by tripping the kill switch")
        self._operator_state = _STATE_CODE[state]
        if self._state != _HALTED:
            self._state = self._operator_state

    def _on_halt(self, halted: bool) -> None:
        self._state = _HALTED if halted else self._operator_state

    # -- the checks --------------------------------------------------------------------------
    def check_replace(self, client_order_id: ClientOrderId, req: OrderRequest) -> Decision:
        """May open order `client_order_id` be replaced (amended) with `req`'s terms (`req.qty`
        = the new remaining quantity)? Every check runs on `req` with the order's current terms
        taken out, so it is judged as replacing them (its own resting price does not count as
        a self-trade, its own quantity not twice). Nothing is recorded — no id, no
        identical-order key, no open order: the OMS moves the engine to the new terms when the
        venue confirms (`on_order_closed` + `on_order_opened`). An accepted replace spends
        order-rate capacity like a new order (venues count an amendment as one).
        `req.client_order_id` may be the order's own id; an id that is not open is checked as
        a new order (nothing to take out)."""
        o = self.ledger.open.pop(client_order_id, None)
        if o is not None:
            self.ledger.withdraw(o)
        try:
            own_id = o is not None and req.client_order_id == client_order_id
            return self._reference(req, True, own_id)
        finally:
            if o is not None:
                self.ledger.deposit(client_order_id, o)

    def check_cancel(self, client_order_id: ClientOrderId, instrument_id: InstrumentId) -> Decision:
        """A cancel: throttled (cancel buckets) only while ACTIVE; never blocked otherwise."""
        if self._state != _ACTIVE:
            return ACCEPTED
        now = self._clock.monotonic_ns()
        s = self._slots.get(instrument_id)
        if s is not None and s.c_tat - now > s.c_tol:
            return Denied(_R.THROTTLED, f"cancel rate limit on {instrument_id}")
        if self._gc_tat - now > self._gc_tol:
            return Denied(_R.THROTTLED, "global cancel rate limit")
        self._gc_tat = max(self._gc_tat, now) + self._gc_int
        if s is not None:
            s.c_tat = max(s.c_tat, now) + s.c_int
        return ACCEPTED

    # -- hooks the OMS calls (off the order path) --------------------------------------------
    def on_order_opened(self, req: OrderRequest) -> None:
        """Count an open order that did not pass `check` (restored from the journal, or found
        at the venue by reconciliation). Unknown instruments are ignored (logged)."""
        s = self._slots.get(req.instrument_id)
        cid = req.client_order_id
        if s is None or cid in self.ledger.open:
            log.warning("risk: on_order_opened ignored for %s", cid)
            return
        px = req.price if req.price is not None else s.ref
        ot, tif = req.order_type, req.time_in_force
        rest = ot is LIMIT and tif is not TimeInForce.IOC and tif is not TimeInForce.FOK
        buy = req.side is Side.BUY
        open_order(self.ledger, cid, s, buy, req.qty, px, req.qty * px * s.mult, ot is STOP, rest)

    def on_order_closed(self, client_order_id: ClientOrderId) -> None:
        """The order is done (cancelled, rejected, expired, filled, or never sent)."""
        self.ledger.on_order_closed(client_order_id)

    def on_fill(self, client_order_id: ClientOrderId, qty: int, price: int) -> None:
        """A fill of one of our orders: moves the position; a full fill closes the order."""
        self.ledger.on_fill(client_order_id, qty, price)

    def set_position(self, instrument_id: InstrumentId, qty: int, price: int) -> None:
        """Set a position outright (restore, reconciliation); `price` values the change."""
        s = self._slots[instrument_id]
        self.ledger.move_position(s, qty - s.pos, price)

    def on_price(self, instrument_id: InstrumentId, price: int, ts_ns: int | None = None) -> None:
        """A reference price (mid or last trade) at `ts_ns` on the engine's monotonic clock
        (None = now); it also marks the position for the exposure checks."""
        self.ledger.on_price(instrument_id, price, ts_ns)

    def on_equity(self, equity: int) -> None:
        """Account equity in account units: daily loss and drawdown; a breach trips the stop."""
        self.loss.on_equity(equity)

    def update_correlation(self) -> None:
        """Sample the reference prices into the correlation window (from a timer, off the order
        path); nothing to do unless the correlated limit is configured."""
        if self.correlated is not None:
            self.correlated.update()

    # -- views -------------------------------------------------------------------------------
    @property
    def correlation(self) -> RollingCorrelation | None:
        """The rolling correlation matrix (None until the correlated limit is configured)."""
        return None if self.correlated is None else self.correlated.matrix

    def correlated_exposure(self) -> float:
        """sqrt(wᵀCw) now, account currency (0.0 while the correlated limit is off)."""
        return 0.0 if self.correlated is None else self.correlated.exposure()

    def positions(self) -> dict[InstrumentId, int]:
        """Signed positions (size units) the engine counts; what flatten mode closes."""
        return self.ledger.positions()

    def open_orders(self) -> int:
        return len(self.ledger.open)

    def exposure(self) -> tuple[int, int]:
        """(gross, net) position exposure in 10**-exposure_decimals account units."""
        return self.ledger.gross, self.ledger.net

    @property
    def exposure_decimals(self) -> int:
        return self.ledger.exposure_decimals
