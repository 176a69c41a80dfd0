"""`RiskEngine.check_replace`: the new terms judged as replacing the old, nothing recorded."""

from __future__ import annotations

from typing import Any

import msgspec
from tests.support.risk import IID, REF, D, engine, req

from bot4.model import ClientOrderId, Side
from bot4.risk import ACCEPTED, Denied, DenyReason, InstrumentLimits, RiskConfig, RiskEngine


def _state(eng: RiskEngine) -> dict[str, Any]:
    s = eng._slots[IID]
    return {
        "open": {k: v[1:] for k, v in eng.ledger.open.items()},
        "closed": dict(eng.ledger.closed),
        "recent": dict(eng.ledger.recent),
        "recent_q": list(eng.ledger.recent_q),
        "rooms": (eng.ledger.gross_room, eng.ledger.buy_room, eng.ledger.sell_room),
        "slot": (s.open_n, s.algo_n, s.open_buy, s.open_sell, dict(s.bids), dict(s.asks)),
        "best": (s.our_bid, s.our_ask),
    }


def _moved(r: Any, **terms: Any) -> Any:
    return msgspec.structs.replace(r, **terms)


def test_the_order_is_judged_without_its_own_current_terms() -> None:
    lim = InstrumentLimits(max_position=D("0.3"))
    eng, _ = engine(RiskConfig(defaults=lim, duplicate_window_ms=1000))
    bid = req(qty=300, price=REF - 100, cid="bid")
    assert eng.check(bid) is ACCEPTED
    # a new order of 0.3 would be 0.6 with the open bid; replacing the bid by it is 0.3
    assert not eng.check(req(qty=300, price=REF - 50))
    before = _state(eng)
    assert eng.check_replace(ClientOrderId("bid"), _moved(bid, price=REF - 50)) is ACCEPTED
    assert _state(eng) == before  # nothing recorded: the OMS moves it when the venue confirms
    d = eng.check_replace(ClientOrderId("bid"), _moved(bid, qty=305))
    assert isinstance(d, Denied) and d.reason is DenyReason.MAX_POSITION
    assert _state(eng) == before


def test_own_resting_price_is_no_self_trade_but_another_order_is() -> None:
    eng, _ = engine()
    ask = req(Side.SELL, price=REF + 100, cid="ask")
    assert eng.check(ask) is ACCEPTED
    assert eng.check(req(Side.SELL, price=REF + 300, cid="ask2")) is ACCEPTED
    # moving the ask down through its own old price is fine; through "ask2" it is not for a bid
    assert eng.check_replace(ClientOrderId("ask"), _moved(ask, price=REF + 50)) is ACCEPTED
    bid = req(price=REF - 100, cid="bid")
    assert eng.check(bid) is ACCEPTED
    d = eng.check_replace(ClientOrderId("bid"), _moved(bid, price=REF + 100))
    assert isinstance(d, Denied) and d.reason is DenyReason.SELF_TRADE
    assert eng._slots[IID].our_ask == REF + 100  # the ask taken out and put back


def test_an_accepted_replace_spends_rate_capacity_and_is_not_a_duplicate_later() -> None:
    eng, clock = engine(RiskConfig(orders_per_s=1.0, order_burst=2, duplicate_window_ms=1000))
    eng.on_price(IID, REF)
    bid = req(price=REF - 100, cid="bid")
    assert eng.check(bid) is ACCEPTED
    assert eng.check_replace(ClientOrderId("bid"), _moved(bid, price=REF - 90)) is ACCEPTED
    d = eng.check(req(price=REF - 80))  # the burst of 2 is spent
    assert isinstance(d, Denied) and d.reason is DenyReason.THROTTLED
    clock.advance(1)
    eng.on_price(IID, REF)
    # the replace's terms were not remembered as an identical order
    assert eng.check(req(price=REF - 90, cid="same-terms")) is ACCEPTED


def test_an_unknown_id_is_checked_as_a_new_order_and_halted_denies_new_risk() -> None:
    eng, _ = engine()
    r = req(cid="x")
    before = _state(eng)
    assert eng.check_replace(ClientOrderId("nope"), r) is ACCEPTED
    assert _state(eng) == before
    assert eng.check(r) is ACCEPTED
    eng.kill_switch.trip("stop")
    d = eng.check_replace(ClientOrderId("x"), _moved(r, qty=105))
    assert isinstance(d, Denied) and d.reason is DenyReason.TRADING_HALTED
    assert eng.open_orders() == 1


def test_a_second_replace_after_a_confirmed_one_keeps_its_own_id() -> None:
    # The OMS confirms a replace with on_order_closed + on_order_opened: the id then sits among
    # the closed ones too, and the next replace of the same open order must not read as reuse.
    eng, _ = engine()
    eng.on_price(IID, REF)
    bid = req(price=REF - 100, cid="bid")
    assert eng.check(bid) is ACCEPTED
    first = _moved(bid, price=REF - 90)
    assert eng.check_replace(ClientOrderId("bid"), first) is ACCEPTED
    eng.on_order_closed(ClientOrderId("bid"))
    eng.on_order_opened(first)
    assert eng.check_replace(ClientOrderId("bid"), _moved(bid, price=REF - 80)) is ACCEPTED
    # a different, closed id is still reuse
    eng.on_order_closed(ClientOrderId("bid"))
    d = eng.check_replace(ClientOrderId("other"), _moved(bid, price=REF - 70))
    assert isinstance(d, Denied) and d.reason is DenyReason.DUPLICATE_CLIENT_ORDER_ID
