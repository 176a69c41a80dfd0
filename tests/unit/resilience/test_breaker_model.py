"""Stateful property test: CircuitBreaker against a naive reference model.

The model keeps every recorded outcome with its time and recomputes the window from scratch
on each question, so it shares no code (and no cleverness: no ring, no lock-free counts)
with the breaker. Hypothesis drives both with calls, held permits, time and operator actions
and compares states and every counter after each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot4.clock import TestClock
from bot4.errors import CircuitOpenError, HalfOpenExhaustedError
from bot4.resilience import CircuitBreaker, CircuitConfig, CircuitPermit, CircuitState

S = CircuitState
NS = 1_000_000_000


class BoomError(Exception):
    pass


class IgnoredError(Exception):
    pass


@dataclass
class MPermit:
    gen: int
    state: CircuitState
    t0: int
    reported: bool = False


@dataclass
class Model:
    cfg: CircuitConfig
    state: CircuitState = S.CLOSED
    gen: int = 0
    entries: list[tuple[int, bool, bool]] = field(default_factory=list)  # (t, failed, slow)
    consec: int = 0
    inflight: int = 0
    ho_ok: int = 0
    since: int = 0
    open_until: int = 0
    calls: int = 0
    failures: int = 0
    slows: int = 0
    rejections: int = 0
    ignored: int = 0
    stale: int = 0

    @property
    def width(self) -> int:
        return self.cfg.bucket_ns

    def window(self, now: int) -> list[tuple[int, bool, bool]]:
        cur = now // self.width
        return [e for e in self.entries if e[0] // self.width > cur - self.cfg.buckets]

    def to(self, state: CircuitState, now: int) -> None:
        if state is self.state:
            return
        self.state = state
        self.gen += 1
        self.since = now
        self.entries = []
        self.consec = self.inflight = self.ho_ok = 0
        if state is S.OPEN:
            self.open_until = now + round(self.cfg.open_s * NS)

    def admit(self, now: int) -> MPermit | str:
        """A permit, or "open" / "exhausted"."""
        cfg = self.cfg
        if self.state in (S.CLOSED, S.METRICS_ONLY, S.DISABLED):
            return MPermit(self.gen, self.state, now)
        if self.state is S.FORCED_OPEN:
            self.rejections += 1
            return "open"
        if self.state is S.OPEN:
            if now < self.open_until:
                self.rejections += 1
                return "open"
            self.to(S.HALF_OPEN, now)
        wait = cfg.max_wait_half_open_s
        if wait is not None and now - self.since >= round(wait * NS):
            self.to(S.OPEN, now)
            self.rejections += 1
            return "open"
        if self.inflight < cfg.half_open_max_concurrent:
            self.inflight += 1
            return MPermit(self.gen, S.HALF_OPEN, now)
        self.rejections += 1
        return "exhausted"

    def report(self, p: MPermit, outcome: str, now: int) -> None:
        if p.state is S.DISABLED or p.reported:
            return
        if p.state is not S.CLOSED or self.cfg.slow_call_s is not None:
            p.reported = True  # fresh permits report once; the shared CLOSED one every time
        failed = outcome == "fail"
        ignored = outcome == "ignored"
        slow_s = self.cfg.slow_call_s
        slow = slow_s is not None and now - p.t0 >= round(slow_s * NS)
        if p.gen != self.gen:
            self.stale += 1
            if ignored:
                self.ignored += 1
            else:
                self.calls += 1
                self.failures += failed
                self.slows += slow
            return
        if self.state is S.HALF_OPEN:
            self.inflight -= 1
            if ignored:
                self.ignored += 1
                return
            self.calls += 1
            self.failures += failed
            self.slows += slow
            if failed or slow:
                self.to(S.OPEN, now)
            else:
                self.ho_ok += 1
                if self.ho_ok >= self.cfg.half_open_successes:
                    self.to(S.CLOSED, now)
            return
        if ignored:
            self.ignored += 1
            return
        self.calls += 1
        self.failures += failed
        self.slows += slow
        self.entries.append((now, failed, slow))
        self.consec = self.consec + 1 if failed else 0
        if self.state is S.CLOSED and (failed or slow) and self.should_trip(now):
            self.to(S.OPEN, now)

    def should_trip(self, now: int) -> bool:
        cfg = self.cfg
        win = self.window(now)
        calls = len(win)
        fails = sum(e[1] for e in win)
        slows = sum(e[2] for e in win)
        if cfg.consecutive_failures is not None and self.consec >= cfg.consecutive_failures:
            return True
        if cfg.max_failures_in_window is not None and fails >= cfg.max_failures_in_window:
            return True
        if calls < cfg.min_calls:
            return False
        if Fraction(fails, calls) >= Fraction(repr(cfg.failure_rate)):
            return True
        return cfg.slow_call_s is not None and Fraction(slows, calls) >= Fraction(
            repr(cfg.slow_call_rate)
        )


configs = st.builds(
    CircuitConfig,
    window_s=st.just(4.0),
    buckets=st.just(4),
    min_calls=st.integers(1, 5),
    failure_rate=st.sampled_from([0.25, 0.5, 1.0]),
    slow_call_s=st.sampled_from([None, 1.0]),
    slow_call_rate=st.sampled_from([0.5, 1.0]),
    consecutive_failures=st.sampled_from([None, 2, 3]),
    max_failures_in_window=st.sampled_from([None, 3]),
    open_s=st.sampled_from([1.0, 2.0]),
    half_open_max_concurrent=st.integers(1, 2),
    half_open_successes=st.integers(1, 2),
    max_wait_half_open_s=st.sampled_from([None, 3.0]),
)
OUTCOMES = st.sampled_from(["ok", "fail", "ignored", "slow_ok", "slow_fail", "bad_result"])


class BreakerMachine(RuleBasedStateMachine):
    clock: TestClock
    breaker: CircuitBreaker
    model: Model

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[CircuitPermit, MPermit]] = []

    @initialize(cfg=configs)
    def setup(self, cfg: CircuitConfig) -> None:
        self.clock = TestClock(start_ns=123)
        self.breaker = CircuitBreaker(
            "m",
            cfg,
            clock=self.clock,
            ignore_exceptions=(IgnoredError,),
            record_result=lambda r: r == "bad",
        )
        self.model = Model(cfg, since=123)

    @rule(ms=st.integers(0, 2500))
    def advance(self, ms: int) -> None:
        self.clock.advance_ns(ms * 1_000_000)

    @rule(outcome=OUTCOMES)
    def call(self, outcome: str) -> None:
        clock, model = self.clock, self.model
        t0 = clock.monotonic_ns()

        def fn() -> str:
            if outcome.startswith("slow"):
                clock.advance(1.5)
            if outcome.endswith("fail"):
                raise BoomError
            if outcome == "ignored":
                raise IgnoredError
            return "bad" if outcome == "bad_result" else "ok"

        expected = model.admit(t0)
        try:
            result: Any = self.breaker.call(fn)
        except HalfOpenExhaustedError:
            assert expected == "exhausted"
            return
        except CircuitOpenError:
            assert expected == "open"
            return
        except (BoomError, IgnoredError):
            result = None
        assert isinstance(expected, MPermit)
        kind = {"slow_ok": "ok", "slow_fail": "fail", "bad_result": "fail"}.get(outcome, outcome)
        model.report(expected, kind, clock.monotonic_ns())
        assert result in (None, "ok", "bad")

    @precondition(lambda self: len(self.held) < 4)
    @rule()
    def hold(self) -> None:
        expected = self.model.admit(self.clock.monotonic_ns())
        try:
            permit = self.breaker.acquire()
        except HalfOpenExhaustedError:
            assert expected == "exhausted"
            return
        except CircuitOpenError:
            assert expected == "open"
            return
        assert isinstance(expected, MPermit)
        assert permit.state is expected.state and permit.generation == expected.gen
        self.held.append((permit, expected))

    @precondition(lambda self: bool(self.held))
    @rule(data=st.data(), outcome=st.sampled_from(["ok", "fail", "ignored"]))
    def release(self, data: st.DataObject, outcome: str) -> None:
        i = data.draw(st.integers(0, len(self.held) - 1))
        permit, expected = self.held.pop(i)
        exc = {"ok": None, "fail": BoomError(), "ignored": IgnoredError()}[outcome]
        permit.report(exc)
        self.model.report(expected, outcome, self.clock.monotonic_ns())

    @rule(action=st.sampled_from(["force_open", "disable", "metrics_only", "reset"]))
    def operator(self, action: str) -> None:
        getattr(self.breaker, action)()
        now = self.clock.monotonic_ns()
        target = {
            "force_open": S.FORCED_OPEN,
            "disable": S.DISABLED,
            "metrics_only": S.METRICS_ONLY,
            "reset": S.CLOSED,
        }[action]
        if action == "reset":
            self.model.entries = []
            self.model.consec = 0
        self.model.to(target, now)

    @invariant()
    def agrees(self) -> None:
        if not hasattr(self, "model"):
            return
        m, model = self.breaker.metrics(), self.model
        now = self.clock.monotonic_ns()
        win = model.window(now)
        assert m.state is model.state
        assert m.generation == model.gen
        assert (m.calls, m.failures, m.slow_calls) == (model.calls, model.failures, model.slows)
        assert m.successes == model.calls - model.failures
        assert (m.rejections, m.ignored, m.stale) == (model.rejections, model.ignored, model.stale)
        assert m.window_calls == len(win)
        assert m.window_failures == sum(e[1] for e in win)
        assert m.window_slow_calls == sum(e[2] for e in win)
        assert m.half_open_in_flight == model.inflight
        assert m.consecutive_failures == model.consec


BreakerMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBreakerAgainstModel = BreakerMachine.TestCase
