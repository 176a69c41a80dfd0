"""The paper venue's fill model config: validation, latency draws, fees, its one-line name."""

from __future__ import annotations

import math
import random
import statistics
import tomllib

import msgspec
import pytest

from bot4.errors import ConfigValueError
from bot4.venues import FeeRates, LatencyModel, PaperVenueConfig
from bot4.venues._fill_model import (
    describe_fill_model,
    fee_table,
    fixed_latency_ns,
    latency_model,
    latency_sampler,
)


def _toml(text: str) -> PaperVenueConfig:
    return msgspec.convert(tomllib.loads(text), PaperVenueConfig)


def test_the_documented_toml_keys_decode() -> None:
    config = _toml(
        'latency = {kind = "uniform", min_us = 100, max_us = 900}\n'
        "seed = 7\n"
        'queue = "none"\n'
        "fill_on_book_cross = false\n"
        "fees.BINANCE = {maker_ppm = 200, taker_ppm = 400}\n"
        "fees.kraken = {taker_ppm = 2600}\n"
    )
    assert config.latency == LatencyModel(kind="uniform", min_us=100, max_us=900)
    assert (config.seed, config.queue, config.fill_on_book_cross) == (7, "none", False)
    assert config.fees["kraken"] == FeeRates(taker_ppm=2600)
    # The old flat keys still work, and an empty table is the old defaults.
    old = _toml("latency_us = 250\nmaker_fee_ppm = 100\ntaker_fee_ppm = 500\nqueue_scan_depth = 5")
    assert latency_model(old) == LatencyModel(kind="fixed", us=250)
    assert _toml("") == PaperVenueConfig()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('latency = {kind = "fixed", us = 1, jitter_us = 2}', "unknown field `jitter_us`"),
        ("fees.BINANCE = {maker = 1}", "unknown field `maker`"),
        ('queue = "fifo"', "Invalid enum value 'fifo'"),
        ('latency = {kind = "gaussian"}', "Invalid enum value 'gaussian'"),
        ("latency = {us = -1}", "Expected `int` >= 0"),
        ("fees.BINANCE = {taker_ppm = 1000000}", "Expected `int` <= 999999"),
    ],
)
def test_unknown_keys_and_values_out_of_range_are_refused(text: str, match: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=match):
        _toml(text)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"us": -1}, "us must be >= 0, got -1"),
        ({"kind": "lognormal", "median_us": 1, "sigma": math.nan}, "sigma must be >= 0, got nan"),
        ({"kind": "fixed", "min_us": 5}, "min_us is not read by kind 'fixed'"),
        ({"kind": "uniform", "us": 5}, "us is not read by kind 'uniform'"),
        ({"kind": "uniform", "min_us": 9, "max_us": 8}, "min_us must be <= max_us, got 9 > 8"),
        ({"kind": "lognormal", "sigma": 0.5}, "median_us must be > 0"),
        ({"kind": "lognormal", "median_us": 1, "sigma": math.inf}, "sigma finite"),
    ],
)
def test_latency_models_that_cannot_work_are_refused(fields: dict[str, object], match: str) -> None:
    with pytest.raises(msgspec.ValidationError):  # on decode (a Meta limit or __post_init__)
        msgspec.convert(fields, LatencyModel)
    with pytest.raises(ConfigValueError, match=match):
        LatencyModel(**fields)  # type: ignore[arg-type]  # and when built in code


def test_latency_us_and_the_latency_table_are_exclusive() -> None:
    with pytest.raises(ConfigValueError, match="latency_us must be 0 when the latency table"):
        PaperVenueConfig(latency_us=5, latency=LatencyModel(us=5))
    with pytest.raises(msgspec.ValidationError, match="latency_us must be 0"):
        _toml("latency_us = 5\nlatency = {us = 5}")
    assert latency_model(PaperVenueConfig(latency=LatencyModel(us=5))).us == 5


def test_an_exchange_named_twice_in_fees_is_refused() -> None:
    with pytest.raises(ConfigValueError, match="fees names one exchange twice"):
        PaperVenueConfig(fees={"BINANCE": FeeRates(), "binance": FeeRates()})


def test_fee_table_merges_each_override_with_the_default_pair() -> None:
    config = PaperVenueConfig(
        maker_fee_ppm=10,
        taker_fee_ppm=20,
        fees={"binance": FeeRates(maker_ppm=-5, taker_ppm=0), "KRAKEN": FeeRates(taker_ppm=30)},
    )
    assert fee_table(config) == {"BINANCE": (-5, 0), "KRAKEN": (10, 30)}
    assert fee_table(PaperVenueConfig()) == {}


def test_fixed_and_degenerate_latency_draws_nothing() -> None:
    rng = random.Random(1)
    state = rng.getstate()
    for model in (LatencyModel(us=250), LatencyModel(kind="uniform", min_us=300, max_us=300)):
        assert latency_sampler(model, rng) is None
    assert rng.getstate() == state
    assert fixed_latency_ns(LatencyModel(us=250)) == 250_000
    assert fixed_latency_ns(LatencyModel(kind="uniform", min_us=300, max_us=300)) == 300_000


def test_uniform_draws_stay_in_range_and_replay_with_the_seed() -> None:
    model = LatencyModel(kind="uniform", min_us=100, max_us=200)
    first = latency_sampler(model, random.Random(42))
    again = latency_sampler(model, random.Random(42))
    other = latency_sampler(model, random.Random(43))
    assert first is not None and again is not None and other is not None
    draws = [first() for _ in range(2_000)]
    assert all(100_000 <= d <= 200_000 for d in draws)
    assert min(draws) < 110_000 and max(draws) > 190_000  # the whole range, at ns resolution
    assert len(set(draws)) > 1_900
    assert draws == [again() for _ in range(2_000)]
    assert draws != [other() for _ in range(2_000)]


def test_lognormal_draws_have_the_median_and_a_right_tail() -> None:
    model = LatencyModel(kind="lognormal", median_us=300, sigma=0.5)
    draw = latency_sampler(model, random.Random(3))
    assert draw is not None
    draws = [draw() for _ in range(4_000)]
    assert all(isinstance(d, int) and d > 0 for d in draws)
    assert 280_000 < statistics.median(draws) < 320_000
    assert statistics.mean(draws) > statistics.median(draws)  # skewed right
    # ln(delay) has the configured spread.
    assert 0.45 < statistics.stdev(math.log(d) for d in draws) < 0.55


def test_the_fill_model_is_named_with_its_parameters() -> None:
    assert describe_fill_model(PaperVenueConfig()) == (
        "walk-book taker; passive on trade-through and book cross, queue=book (top 50 levels); "
        "trades without a book: one level at the last trade; "
        "latency fixed 0us; fees maker 1000ppm / taker 1000ppm"
    )
    config = PaperVenueConfig(
        latency=LatencyModel(kind="uniform", min_us=100, max_us=900),
        seed=7,
        queue="none",
        fill_on_book_cross=False,
        maker_fee_ppm=100,
        taker_fee_ppm=500,
        fees={"kraken": FeeRates(taker_ppm=2600), "BINANCE": FeeRates(maker_ppm=0)},
    )
    assert describe_fill_model(config) == (
        "walk-book taker; passive on trade-through, queue=none; "
        "trades without a book: one level at the last trade; latency uniform 100..900us, "
        "seed 7; fees maker 100ppm / taker 500ppm (BINANCE maker 0ppm / taker 500ppm, "
        "KRAKEN maker 100ppm / taker 2600ppm)"
    )
    lognormal = PaperVenueConfig(
        latency=LatencyModel(kind="lognormal", median_us=300, sigma=0.25), latency_us=0
    )
    assert "latency lognormal median 300us sigma 0.25, seed 0;" in describe_fill_model(lognormal)
    assert "latency fixed 250us;" in describe_fill_model(PaperVenueConfig(latency_us=250))
