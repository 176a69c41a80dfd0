"""The wording of each notice and the config's defaults and masking."""

from __future__ import annotations

import msgspec
import pytest

from bot4.model import (
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    OrderFilled,
    Side,
    bundled_instruments,
)
from bot4.notify import ALL_EVENTS, NotificationsConfig, Priority
from bot4.notify._notice import combine, fill_notice, pnl_notice, webhook_body

BTC = InstrumentId("BINANCE:BTCUSDT")


def _fill(**kw: object) -> OrderFilled:
    base: dict[str, object] = {
        "client_order_id": ClientOrderId("mm-1"), "instrument_id": BTC, "venue_order_id": "V",
        "fill_id": "T", "side": Side.SELL, "last_qty": 1_000, "last_price": 6_500_010,
        "fee": -65, "liquidity": LiquiditySide.MAKER, "ts_event": 1,
    }  # fmt: skip
    base.update(kw)
    return OrderFilled(**base)  # type: ignore[arg-type]


def test_a_fill_reads_in_the_instruments_units() -> None:
    inst = bundled_instruments()[BTC]
    n = fill_notice(_fill(), inst, 7)
    pp, sp = inst.price_precision, inst.size_precision
    price = f"{6_500_010 // 10**pp}.{6_500_010 % 10**pp:0{pp}d}"
    assert n.text.startswith("FILL SELL ") and f"@ {price} (maker, fee -" in n.text
    assert n.text.endswith("order mm-1") and n.priority is Priority.LOW and n.ts_ns == 7
    assert str(1_000 // 10**sp) in n.text
    raw = fill_notice(_fill(liquidity=LiquiditySide.TAKER), None, 7)
    assert raw.text == "FILL SELL 1000 BINANCE:BTCUSDT @ 6500010 (taker, fee -65) order mm-1"


def test_combine_counts_a_burst_and_the_webhook_body_lists_each() -> None:
    a = pnl_notice("DAILY PnL 2024-01-01 UTC", ("1", "2", "3"), 5)
    assert combine([a]) == a.text
    assert combine([a, a]).startswith("2 PnL reports:\n- DAILY PnL")
    f = fill_notice(_fill(), None, 1)
    assert combine([a, f]).startswith("2 notifications:\n")
    body = webhook_body([a, f])
    assert [n["kind"] for n in body["notices"]] == ["daily_pnl", "fill"]
    assert body["notices"][0]["priority"] == "LOW" and body["source"] == "bot4"


def test_config_defaults_masking_and_validation() -> None:
    cfg = NotificationsConfig()
    assert not cfg.enabled and tuple(cfg.events) == ALL_EVENTS
    assert cfg.telegram_base_url == "https://api.telegram.org"
    hooked = NotificationsConfig(webhook_url="https://u:pw@hooks.example/T0/B1/xyz")
    assert hooked.enabled and "xyz" not in repr(hooked) and "pw" not in repr(hooked)
    assert "https://hooks.example/***" in repr(hooked)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"webhook_url": "ftp://x"}, NotificationsConfig)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"events": ["fills"]}, NotificationsConfig)


def test_show_config_keeps_only_a_webhooks_origin() -> None:
    from bot4.config._redact import redact

    shown = redact({"notifications": {"webhook_url": "https://u:pw@hooks.example/T0/xyz"}})
    assert shown == {"notifications": {"webhook_url": "https://hooks.example/***"}}
    assert redact({"webhook_url": "not a url"}) == {"webhook_url": "***"}
