"""The paper venue's request latency: fixed or sampled, seeded, and never reordering an order."""

from __future__ import annotations

from tests.support.venues import VenueRig

from bot4.clock import TestClock
from bot4.model import (
    ClientOrderId,
    OrderAccepted,
    OrderCanceled,
    OrderReplaced,
    Side,
    VenueEvent,
)
from bot4.venues import LatencyModel, PaperVenue, PaperVenueConfig

UNIFORM = LatencyModel(kind="uniform", min_us=0, max_us=1_000)


def _run(rig: VenueRig, orders: int, step_ns: int = 1_000) -> list[tuple[int, VenueEvent]]:
    """Submit and at once cancel `orders` resting orders, then release requests as time moves:
    (monotonic ns when delivered, event) for everything the venue sent."""
    for _ in range(orders):
        coid = rig.submit(Side.BUY, 100, 9_000)
        rig.venue.cancel(coid, rig.iid)
    timeline: list[tuple[int, VenueEvent]] = []
    while rig.venue.next_due_ns() is not None:
        rig.clock.advance_ns(step_ns)
        rig.venue.process_due()
        timeline += [(rig.clock.monotonic_ns(), e) for e in rig.events]
        rig.events.clear()
    return timeline


def test_a_later_request_with_a_shorter_draw_still_waits_for_its_order() -> None:
    rig = VenueRig(PaperVenueConfig(latency=UNIFORM))
    timeline = _run(rig, 200)
    acked: dict[ClientOrderId, int] = {}
    queued_behind = 0
    for at, event in timeline:
        if isinstance(event, OrderAccepted):
            acked[event.client_order_id] = at
        else:
            # Every cancel found its order (none overtook the submit and was rejected)...
            assert isinstance(event, OrderCanceled), event
            assert event.client_order_id in acked
            # ...and about half drew a shorter delay than their submit and waited for it.
            queued_behind += at == acked[event.client_order_id]
    assert len(acked) == 200
    assert 60 < queued_behind < 140
    assert rig.venue.resting() == 0
    assert rig.venue._last_due == {}  # nothing kept once an order's requests have all run


def test_the_same_seed_replays_the_same_timeline_and_another_seed_does_not() -> None:
    def timeline(seed: int) -> list[tuple[int, VenueEvent]]:
        return _run(VenueRig(PaperVenueConfig(latency=UNIFORM, seed=seed)), 50)

    assert timeline(11) == timeline(11)
    assert [t for t, _ in timeline(11)] != [t for t, _ in timeline(12)]


def test_lognormal_latency_delays_requests_around_its_median() -> None:
    model = LatencyModel(kind="lognormal", median_us=200, sigma=0.3)
    rig = VenueRig(PaperVenueConfig(latency=model))
    delays = sorted(at for at, e in _run(rig, 100, step_ns=10_000) if isinstance(e, OrderAccepted))
    assert 150_000 < delays[50] < 260_000  # 10 us steps around a 200 us median
    assert delays[0] < delays[-1]


def test_a_fixed_latency_table_is_latency_us_and_delays_replace_too() -> None:
    for config in (
        PaperVenueConfig(latency_us=250),
        PaperVenueConfig(latency=LatencyModel(us=250)),
        PaperVenueConfig(latency=LatencyModel(kind="uniform", min_us=250, max_us=250)),
    ):
        rig = VenueRig(config)
        coid = rig.submit(Side.BUY, 100, 9_000)
        rig.venue.replace(coid, rig.iid, 200, 9_001)
        assert rig.events == []
        assert rig.venue.next_due_ns() == 250_000
        rig.clock.advance_ns(249_999)
        assert rig.venue.process_due() == 0
        rig.clock.advance_ns(1)
        assert rig.venue.process_due() == 2
        assert [type(e) for e in rig.events] == [OrderAccepted, OrderReplaced]


def test_zero_latency_answers_inside_the_call() -> None:
    rig = VenueRig(PaperVenueConfig(latency=LatencyModel(us=0)))
    rig.submit(Side.BUY, 100, 9_000)
    assert [type(e) for e in rig.events] == [OrderAccepted]
    assert rig.venue.next_due_ns() is None


def test_the_venue_names_its_fill_model() -> None:
    venue = PaperVenue(TestClock())  # the default config
    assert venue.fill_model_name().startswith("walk-book taker; passive on trade-through")
    sampled = PaperVenue(TestClock(), PaperVenueConfig(latency=UNIFORM, seed=3))
    assert "latency uniform 0..1000us, seed 3" in sampled.fill_model_name()
