"""ExecutionConfig: paper by default, a live venue only with the second confirmation."""

from __future__ import annotations

import msgspec
import pytest

from bot4.clock import TestClock
from bot4.venues import (
    ExecutionConfig,
    ExecutionVenue,
    PaperVenue,
    Venue,
    confirmation_problem,
)


def test_the_default_is_paper_and_needs_no_confirmation() -> None:
    cfg = ExecutionConfig()
    assert cfg.venue == "paper" and not cfg.real_account and cfg.describe() == "paper"
    assert confirmation_problem(cfg) is None
    assert (cfg.api_key_env, cfg.api_secret_env) == ("BOT4_API_KEY", "BOT4_API_SECRET")


@pytest.mark.parametrize("venue", ["binance", "ccxt"])
def test_a_live_venue_without_the_confirmation_is_refused_in_one_line(venue: str) -> None:
    problem = confirmation_problem(ExecutionConfig(venue=venue, exchange="kraken"))  # type: ignore[arg-type]
    assert problem is not None and "\n" not in problem
    assert f"execution venue {venue!r}" in problem and "--confirm-live" in problem


def test_the_confirmation_lets_a_live_venue_through() -> None:
    cfg = ExecutionConfig(venue="binance", confirm_live=True)
    assert confirmation_problem(cfg) is None
    assert cfg.real_account and cfg.describe() == "binance (REAL ACCOUNT)"
    testnet = msgspec.structs.replace(cfg, testnet=True)
    assert not testnet.real_account and testnet.describe() == "binance (testnet)"


def test_ccxt_needs_its_exchange() -> None:
    cfg = ExecutionConfig(venue="ccxt", confirm_live=True)
    assert confirmation_problem(cfg) == (
        'execution venue "ccxt" needs execution.exchange (a ccxt exchange id)'
    )
    ok = msgspec.structs.replace(cfg, exchange="kraken")
    assert confirmation_problem(ok) is None and ok.describe() == "ccxt:kraken (REAL ACCOUNT)"


def test_the_venue_name_given_apart_overrides_the_configs() -> None:
    assert confirmation_problem(ExecutionConfig(), "other") is not None
    assert confirmation_problem(ExecutionConfig(venue="binance"), "paper") is None


def test_unknown_keys_and_venues_are_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"venue": "ftx"}, ExecutionConfig)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"api_key": "abc"}, ExecutionConfig)


def test_the_paper_venue_is_an_execution_venue_without_breakers() -> None:
    venue = PaperVenue(TestClock())
    assert isinstance(venue, ExecutionVenue) and isinstance(venue, Venue)
    assert dict(venue.breakers) == {}, "no external dependency"
