"""A Secret never shows its value when formatted, logged or pickled."""

from __future__ import annotations

import logging
import pickle

import pytest

from bot4.venues.binance import Secret


def test_secret_is_hidden_everywhere_it_can_be_formatted(caplog: pytest.LogCaptureFixture) -> None:
    s = Secret("hunter2-key")
    assert repr(s) == str(s) == f"{s}" == f"{s:>20}" == "Secret('***')"
    assert "hunter2" not in repr([s, {"k": s}])
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("key %s %r", s, s)
    assert "hunter2" not in caplog.text
    assert s.reveal() == "hunter2-key"


def test_secret_equality_hash_and_no_pickle() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b") and Secret("a") != "a"
    assert hash(Secret("a")) == hash(Secret("a"))
    with pytest.raises(TypeError):
        pickle.dumps(Secret("a"))
