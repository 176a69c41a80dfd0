"""RollingCorrelation against numpy.corrcoef, and the engine's O(1) correlated-exposure check."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.support.risk import IID, IID2, REF, D, engine, req

from bot4.model import Side, TimeInForce
from bot4.risk import ACCEPTED, Denied, DenyReason, RiskConfig, RollingCorrelation


def test_incremental_update_matches_corrcoef_over_the_window() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, 8))
    x[:, 1] += 0.8 * x[:, 0]
    x[:, 2] -= 0.5 * x[:, 0]
    c = RollingCorrelation(8, 100, 2)
    for i, r in enumerate(x):
        m = c.update(r)
        if i >= 1 and i % 37 == 0:
            lo = max(0, i - 99)
            np.testing.assert_allclose(m, np.corrcoef(x[lo : i + 1].T), atol=1e-9)
    np.testing.assert_allclose(c.samples(), x[-100:])
    np.testing.assert_allclose(c.recompute(), np.corrcoef(x[-100:].T), atol=1e-12)


def test_partial_window_samples_and_warmup_is_all_ones() -> None:
    c = RollingCorrelation(3, 10, 4)
    for r in ([1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.5, 0.2, 0.0]):
        c.update(np.array(r))
    assert c.samples().shape == (3, 3)
    assert (c.matrix == 1.0).all()  # before min_samples: fully correlated (fail closed)
    c.update(np.array([0.1, 0.3, 0.0]))
    m = c.matrix
    # a flat series correlates 0 with the others and 1 with itself
    assert m[2, 2] == 1.0 and m[0, 2] == 0.0 and m[2, 1] == 0.0
    np.testing.assert_allclose(m[:2, :2], np.corrcoef(c.samples()[:, :2].T))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="window"):
        RollingCorrelation(2, 1)
    c = RollingCorrelation(2, 5)
    with pytest.raises(ValueError, match="expected 2"):
        c.update(np.zeros(3))


def _feed(eng, clock, a: list[float], b: list[float]) -> None:  # type: ignore[no-untyped-def]
    for pa, pb in zip(a, b, strict=True):
        eng.on_price(IID, round(pa))
        eng.on_price(IID2, round(pb))
        eng.update_correlation()
        clock.advance_ns(1000)


def test_correlated_exposure_check_matches_full_quadratic_form() -> None:
    cfg = RiskConfig(
        max_correlated_exposure=D("15000"),
        correlation_window=20,
        correlation_min_samples=5,
        duplicate_window_ms=0,
    )
    eng, clock = engine(cfg)
    rng = np.random.default_rng(3)
    steps = rng.normal(0, 0.002, size=30)
    a = REF * np.exp(np.cumsum(steps))
    b = REF * np.exp(np.cumsum(steps + rng.normal(0, 0.0005, size=30)))  # highly correlated
    _feed(eng, clock, list(a), list(b))
    eng.on_price(IID, REF)
    eng.on_price(IID2, REF)
    eng.update_correlation()
    rho = eng.correlation.matrix[0, 1]
    assert rho > 0.9
    # long 0.2 of the first instrument (10,000 USDT); the second is highly correlated, so
    # buying 0.1 of it (5,000) gives sqrt(1e8 + 2.5e7 + 2*rho*5e7) ~ 14,900 (< 15,000)
    eng.set_position(IID, 200, REF)
    w = np.array([10_000.0, 0.0])
    assert eng.correlated_exposure() == pytest.approx(10_000.0)
    ioc = TimeInForce.IOC
    d = np.array([0.0, 5_000.0])
    full = math.sqrt((w + d) @ eng.correlation.matrix @ (w + d))
    decision = eng.check(req(qty=100, iid=IID2, tif=ioc))
    assert (decision is ACCEPTED) == (full <= 15_000)
    # a hedge (selling the correlated one) lowers the quadratic form: always allowed
    assert eng.check(req(Side.SELL, 400, iid=IID2, tif=ioc)) is ACCEPTED
    # a bigger buy is denied
    denied = eng.check(req(qty=300, iid=IID2, tif=ioc, price=REF - 10))
    assert isinstance(denied, Denied) and denied.reason is DenyReason.MAX_CORRELATED_EXPOSURE


def test_correlated_limit_edge_with_identity_like_matrix() -> None:
    cfg = RiskConfig(
        max_correlated_exposure=D("5000"),
        correlation_window=4,
        correlation_min_samples=2,
        duplicate_window_ms=0,
    )
    eng, _clock = engine(cfg)
    # before warm-up the matrix is all ones: w = (4,000, 0); buying 1,000 more of the other
    # instrument is exactly 5,000, one lot more is over
    eng.set_position(IID, 80, REF)
    assert eng.check(req(qty=20, iid=IID2, tif=TimeInForce.IOC)) is ACCEPTED
    d = eng.check(req(qty=5, iid=IID2, tif=TimeInForce.IOC, price=REF - 10))
    assert isinstance(d, Denied) and d.reason is DenyReason.MAX_CORRELATED_EXPOSURE


def test_fills_keep_cw_and_q_equal_to_a_recompute() -> None:
    cfg = RiskConfig(
        max_correlated_exposure=D("1000000"),
        correlation_window=10,
        correlation_min_samples=3,
        duplicate_window_ms=0,
    )
    eng, clock = engine(cfg)
    assert eng.correlated is not None
    _feed(eng, clock, [REF, REF * 1.01, REF * 0.99, REF * 1.02], [REF, REF * 0.98, REF, REF])
    assert eng.check(req(qty=100, cid="a", tif=TimeInForce.IOC)) is ACCEPTED
    assert eng.check(req(Side.SELL, 200, iid=IID2, cid="b", tif=TimeInForce.IOC)) is ACCEPTED
    eng.on_fill("a", 60, REF)  # type: ignore[arg-type]
    eng.on_fill("a", 40, REF)  # type: ignore[arg-type]
    eng.on_fill("b", 200, REF)  # type: ignore[arg-type]
    w = np.array([0.1 * REF / 100, -0.2 * REF / 100])
    q = w @ eng.correlation.matrix @ w
    assert eng.correlated.q == pytest.approx(q)
    np.testing.assert_allclose(eng.correlated.cw2, 2 * (eng.correlation.matrix @ w))
    eng.correlated.recompute_every = 1
    eng.on_price(IID, REF)
    eng.on_price(IID2, REF)
    eng.update_correlation()  # also the exact recompute path
    assert eng.correlated_exposure() == pytest.approx(math.sqrt(w @ eng.correlation.matrix @ w))


def test_correlation_state_exists_only_once_the_limit_is_configured() -> None:
    eng, _ = engine(
        RiskConfig(duplicate_window_ms=0, correlation_window=4, correlation_min_samples=2)
    )
    assert eng.correlation is None and eng.correlated_exposure() == 0.0
    eng.update_correlation()  # nothing to do
    eng.set_position(IID, 200, REF)
    assert eng.check(req(qty=100, tif=TimeInForce.IOC)) is ACCEPTED
    # turned on by a reload: weights start from the positions at their marks (fail closed:
    # the matrix is all ones until min_samples)
    limit = RiskConfig(
        duplicate_window_ms=0,
        correlation_window=4,
        correlation_min_samples=2,
        max_correlated_exposure=D("10001"),
    )
    assert eng.reload(limit) == []
    assert eng.correlation is not None and eng.correlation.window == 4
    assert eng.correlated_exposure() == pytest.approx(10_000.0)
    d = eng.check(req(qty=5, iid=IID2, tif=TimeInForce.IOC))
    assert isinstance(d, Denied) and d.reason is DenyReason.MAX_CORRELATED_EXPOSURE
    # turned off again: the check passes, the state keeps following the positions
    off = RiskConfig(duplicate_window_ms=0, correlation_window=4, correlation_min_samples=2)
    assert eng.reload(off) == []
    assert eng.check(req(qty=5, iid=IID2, tif=TimeInForce.IOC)) is ACCEPTED
    eng.on_fill(eng.ledger.open.__iter__().__next__(), 100, REF)  # type: ignore[arg-type]
    assert eng.correlated_exposure() > 10_000.0


def test_a_position_set_to_what_it_is_leaves_the_weights_alone() -> None:
    cfg = RiskConfig(max_correlated_exposure=D("1000000"), correlation_min_samples=2)
    eng, _ = engine(cfg)
    eng.set_position(IID, 200, REF)
    q = eng.correlated.q  # type: ignore[union-attr]
    eng.set_position(IID, 200, REF)  # no change: d = 0
    assert eng.correlated.q == q  # type: ignore[union-attr]
