"""The paper venue's fill model as configuration: latency, fees, queue and crossing rules.

A backtest is only as honest as its fill model, so the model is explicit: every knob is a config
key, `describe_fill_model` names the whole model in one line for the report, and anything random
(sampled latency) draws from a `random.Random` seeded from the config, so a run replays
byte-identically.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Annotated, Literal

import msgspec

from bot4.errors import ConfigValueError

__all__ = [
    "FeeRates",
    "LatencyModel",
    "PaperVenueConfig",
    "describe_fill_model",
    "fee_table",
    "fixed_latency_ns",
    "latency_model",
    "latency_sampler",
]

_PPM_RANGE = msgspec.Meta(gt=-1_000_000, lt=1_000_000)  # a fee beyond 100 % is a typo
_NS_PER_US = 1_000
# The fields each latency kind reads; the others must stay at their default (0).
_LATENCY_FIELDS: dict[str, tuple[str, ...]] = {
    "fixed": ("us",),
    "uniform": ("min_us", "max_us"),
    "lognormal": ("median_us", "sigma"),
}


class LatencyModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How long each request (submit, cancel, replace) takes to reach the paper venue."""

    # "fixed": every request takes `us`; "uniform": drawn evenly from min_us..max_us (ns
    # resolution); "lognormal": median_us * e**(sigma * N(0,1)), the long right tail of real
    # network delays. Draws come from the venue's random.Random(seed).
    kind: Literal["fixed", "uniform", "lognormal"] = "fixed"
    us: Annotated[int, msgspec.Meta(ge=0)] = 0  # kind "fixed": the delay, Clock microseconds
    min_us: Annotated[int, msgspec.Meta(ge=0)] = 0  # kind "uniform": the shortest delay
    max_us: Annotated[int, msgspec.Meta(ge=0)] = 0  # kind "uniform": the longest delay
    median_us: Annotated[int, msgspec.Meta(ge=0)] = 0  # kind "lognormal": the median delay
    sigma: Annotated[float, msgspec.Meta(ge=0)] = 0.0  # kind "lognormal": std dev of ln(delay)

    def __post_init__(self) -> None:
        # Checked here too (not only by the Meta limits) because the limits run on decode only,
        # and a venue built in code must not sample a negative delay either.
        for name in ("us", "min_us", "max_us", "median_us", "sigma"):
            value = getattr(self, name)
            if not value >= 0:  # also catches NaN
                raise ConfigValueError(f"{name} must be >= 0, got {value}")
            if value and name not in _LATENCY_FIELDS[self.kind]:
                raise ConfigValueError(f"{name} is not read by kind {self.kind!r}; remove it")
        if self.kind == "uniform" and self.min_us > self.max_us:
            raise ConfigValueError(f"min_us must be <= max_us, got {self.min_us} > {self.max_us}")
        if self.kind == "lognormal" and (self.median_us <= 0 or not math.isfinite(self.sigma)):
            raise ConfigValueError(
                f"median_us must be > 0 and sigma finite, got {self.median_us}, {self.sigma}"
            )


class FeeRates(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One exchange's fees, overriding the paper venue's default pair."""

    # Parts per million of notional (1000 = 0.1 %; negative = a rebate); unset: maker_fee_ppm.
    maker_ppm: Annotated[int, _PPM_RANGE] | None = None
    # Parts per million of notional; unset: the default taker_fee_ppm.
    taker_ppm: Annotated[int, _PPM_RANGE] | None = None


class PaperVenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the paper venue behaves (the `[paper]` table of the config): its fill model."""

    name: str = "paper"  # the venue's name in events and logs
    # Request -> effect delay in Clock microseconds; 0 = inside the call. `latency` replaces it.
    latency_us: int = 0
    # Fixed or sampled latency, e.g. {kind = "uniform", min_us = 200, max_us = 800}; when set,
    # leave latency_us at 0.
    latency: LatencyModel | None = None
    seed: int = 0  # seeds the venue's random.Random (sampled latency): same seed, same run
    maker_fee_ppm: int = 1_000  # maker fee, parts per million of notional (1000 = 0.1 %)
    taker_fee_ppm: int = 1_000  # taker fee, parts per million of notional
    # Per-exchange fees, keyed by the instrument's exchange (the part of its id before ":",
    # case ignored), e.g. fees.BINANCE = {maker_ppm = 200, taker_ppm = 400}.
    fees: dict[str, FeeRates] = msgspec.field(default_factory=dict)
    # Queue ahead of a resting order: "book" = the quantity the book shows at its price when it
    # arrives (only trades at that price shrink it); "none" = first in line, so any trade at
    # its price fills it.
    queue: Literal["book", "none"] = "book"
    queue_scan_depth: int = 50  # levels searched for the queue ahead of a new resting order
    # Also fill resting orders when the book crosses their price (not only on trades): the
    # levels ahead of us are gone and someone quotes through us.
    fill_on_book_cross: bool = True

    def __post_init__(self) -> None:
        if self.latency is not None and self.latency_us:
            raise ConfigValueError(
                f"latency_us must be 0 when the latency table is set, got {self.latency_us}"
            )
        seen: dict[str, str] = {}
        for key in self.fees:
            if key.upper() in seen:
                raise ConfigValueError(
                    f"fees names one exchange twice ({seen[key.upper()]!r} and {key!r})"
                )
            seen[key.upper()] = key


def latency_model(config: PaperVenueConfig) -> LatencyModel:
    """The latency in force: the `latency` table, else the fixed `latency_us`."""
    return config.latency or LatencyModel(kind="fixed", us=config.latency_us)


def latency_sampler(model: LatencyModel, rng: random.Random) -> Callable[[], int] | None:
    """A function drawing one request's delay in ns from `rng`; None when the delay is fixed
    (the venue then adds a constant and draws nothing)."""
    if model.kind == "uniform" and model.min_us != model.max_us:
        low, high = model.min_us * _NS_PER_US, model.max_us * _NS_PER_US
        randint = rng.randint
        return lambda: randint(low, high)
    if model.kind == "lognormal":
        mu, sigma = math.log(model.median_us * _NS_PER_US), model.sigma
        draw = rng.lognormvariate
        return lambda: round(draw(mu, sigma))
    return None


def fixed_latency_ns(model: LatencyModel) -> int:
    """The constant delay of a model `latency_sampler` does not sample (uniform min == max)."""
    return (model.us if model.kind == "fixed" else model.min_us) * _NS_PER_US


def fee_table(config: PaperVenueConfig) -> dict[str, tuple[int, int]]:
    """(maker ppm, taker ppm) by upper-case exchange name, overrides merged with the default."""
    return {
        key.upper(): (
            config.maker_fee_ppm if rates.maker_ppm is None else rates.maker_ppm,
            config.taker_fee_ppm if rates.taker_ppm is None else rates.taker_ppm,
        )
        for key, rates in config.fees.items()
    }


def describe_fill_model(config: PaperVenueConfig) -> str:
    """The whole fill model with its parameters, on one line (the backtest report prints it)."""
    passive = "passive on trade-through"
    if config.fill_on_book_cross:
        passive += " and book cross"
    passive += f", queue={config.queue}"
    if config.queue == "book":
        passive += f" (top {config.queue_scan_depth} levels)"
    model = latency_model(config)
    if model.kind == "fixed":
        latency = f"latency fixed {model.us}us"
    elif model.kind == "uniform":
        latency = f"latency uniform {model.min_us}..{model.max_us}us, seed {config.seed}"
    else:
        latency = (
            f"latency lognormal median {model.median_us}us sigma {model.sigma:g}, "
            f"seed {config.seed}"
        )
    fees = f"fees maker {config.maker_fee_ppm}ppm / taker {config.taker_fee_ppm}ppm"
    table = fee_table(config)
    if table:
        fees += " (" + ", ".join(
            f"{key} maker {maker}ppm / taker {taker}ppm"
            for key, (maker, taker) in sorted(table.items())
        ) + ")"  # fmt: skip
    trades_only = "trades without a book: one level at the last trade"
    return "; ".join(("walk-book taker", passive, trades_only, latency, fees))
