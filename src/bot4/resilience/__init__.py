# bot4.resilience: circuit breakers; depends on bot4.clock and bot4.errors only.
#   _events   CircuitState, CircuitEventKind, CircuitEvent, isolated callback delivery
#   _config   CircuitConfig (validated on construction)
#   _window   RollingWindow: ring of time buckets, O(1) per call
#   _permit   CircuitPermit: the `with` / `async with` ticket for one call
#   _metrics  CircuitMetrics snapshot
#   _machine  BreakerMachine: the fields, admission, outcomes and transitions
#   _breaker  CircuitBreaker: the public face (call, acquire, decorator, operators, metrics)
#   _global   GlobalCircuitBreaker (derived from CircuitBreakers)
#   demo      the `bot4 run` demo (rich output; imported lazily by the CLI)
"""Circuit breakers around Bot4's external dependencies, and a global breaker over them."""

from bot4.errors import CircuitOpenError as CircuitOpenError
from bot4.errors import HalfOpenExhaustedError as HalfOpenExhaustedError
from bot4.resilience._breaker import CircuitBreaker as CircuitBreaker
from bot4.resilience._config import CircuitConfig as CircuitConfig
from bot4.resilience._events import CircuitEvent as CircuitEvent
from bot4.resilience._events import CircuitEventKind as CircuitEventKind
from bot4.resilience._events import CircuitState as CircuitState
from bot4.resilience._global import GlobalCircuitBreaker as GlobalCircuitBreaker
from bot4.resilience._metrics import CircuitMetrics as CircuitMetrics
from bot4.resilience._permit import CircuitPermit as CircuitPermit

__all__ = [
    "CircuitBreaker",
    "CircuitConfig",
    "CircuitEvent",
    "CircuitEventKind",
    "CircuitMetrics",
    "CircuitOpenError",
    "CircuitPermit",
    "CircuitState",
    "GlobalCircuitBreaker",
    "HalfOpenExhaustedError",
]
