"""The `bot4 run` demo: a failing dependency trips its breaker, the global breaker follows,
and half-open trials bring both back — on a `TestClock`, so it is instant and always the same.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bot4.clock import TestClock
from bot4.errors import CircuitOpenError
from bot4.resilience._breaker import CircuitBreaker
from bot4.resilience._config import CircuitConfig
from bot4.resilience._events import CircuitEvent, CircuitEventKind
from bot4.resilience._global import GlobalCircuitBreaker

__all__ = ["Exchange", "run_demo"]

_NS_PER_S = 1_000_000_000


class Exchange:
    """A stand-in exchange REST API: answers while up, raises ConnectionError while down."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.up = True  # flipped by the demo
        self.requests = 0  # requests that reached it (rejected calls never do)

    def get_balance(self) -> str:
        self.requests += 1
        if not self.up:
            raise ConnectionError(f"{self.name}: connection reset by peer")
        return "ok"


def run_demo(console: Console | None = None) -> None:
    """Print the demo to `console` (stdout by default)."""
    out = console if console is not None else Console()
    clock = TestClock()
    config = CircuitConfig(window_s=10.0, buckets=10, min_calls=5, failure_rate=0.5, open_s=5.0)
    exchanges = [Exchange(n) for n in ("binance", "coinbase", "kraken")]
    events: list[CircuitEvent] = []

    def show(event: CircuitEvent) -> None:
        events.append(event)
        if event.kind is CircuitEventKind.STATE_CHANGED:
            style = "red" if event.to_state.value.endswith("OPEN") else "green"
            out.print(
                f"  [{style}]{event.breaker}: {event.from_state.value} -> "
                f"{event.to_state.value}[/] ({event.reason})"
            )

    breakers = {
        ex.name: CircuitBreaker(ex.name, config, clock=clock, on_event=show) for ex in exchanges
    }
    glob = GlobalCircuitBreaker(list(breakers.values()), 0.5, clock=clock, on_event=show)

    def poll(ex: Exchange, times: int) -> tuple[int, int, int]:
        ok = failed = rejected = 0
        for _ in range(times):
            try:
                breakers[ex.name].call(ex.get_balance)
                ok += 1
            except ConnectionError:
                failed += 1
            except CircuitOpenError:
                rejected += 1
            clock.advance(0.1)
        return ok, failed, rejected

    def step(title: str) -> None:
        out.print(f"\n[bold]t={clock.monotonic_ns() / _NS_PER_S:5.1f}s  {title}[/]")

    out.rule("Bot4 circuit breakers (demo on a TestClock)")
    out.print(f"config: {config}")
    out.print("global breaker: OPEN while >= 50% of the exchanges' breakers are open")

    step("all three exchanges answer")
    for ex in exchanges:
        ok, failed, rejected = poll(ex, 10)
        out.print(f"  {ex.name}: {ok} ok, {failed} failed, {rejected} rejected")

    step("binance goes down")
    exchanges[0].up = False
    ok, failed, rejected = poll(exchanges[0], 20)
    out.print(
        f"  binance: {failed} failed, then {rejected} rejected at once "
        f"(requests that reached it: {exchanges[0].requests})"
    )
    out.print(f"  global: {glob.state.value} (1 of 3 open)")

    step("coinbase goes down too")
    exchanges[1].up = False
    poll(exchanges[1], 20)
    try:
        glob.acquire()  # what the order path asks before new risk
    except CircuitOpenError as exc:
        out.print(f"  [red]new orders refused by the global gate:[/] {exc}")

    exchanges[0].up = exchanges[1].up = True
    clock.advance(config.open_s)
    step(f"both recovered; {config.open_s:g}s later the next call is a half-open trial")
    for ex in exchanges[:2]:
        ok, failed, rejected = poll(ex, 3)
        out.print(f"  {ex.name}: {ok} ok, {failed} failed, {rejected} rejected")
    out.print(f"  global: {glob.state.value}")

    table = Table(title="breaker metrics")
    for col in ("breaker", "state", "calls", "failures", "rejections", "failure rate"):
        table.add_column(col)
    for b in breakers.values():
        m = b.metrics()
        table.add_row(
            m.name,
            m.state.value,
            str(m.calls),
            str(m.failures),
            str(m.rejections),
            f"{m.failure_rate:.0%}",
        )
    out.print(table)
    changes = sum(e.kind is CircuitEventKind.STATE_CHANGED for e in events)
    out.print(f"{changes} state changes, {glob.rejections} global rejection(s)")
    glob.close()
