"""The adapter-overhead measurement runs the real code path (one ack and one fill per order)."""

from __future__ import annotations

from tests.support.binance_overhead import adapter_overhead_ns


def test_overhead_samples_one_per_order() -> None:
    samples = adapter_overhead_ns(200)
    assert len(samples) == 200 and all(s > 0 for s in samples)
