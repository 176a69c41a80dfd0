"""The Binance adapter's own cost per order (for `bench live`, case live_adapter_overhead):
build and sign the new-order request, decode its REST answer and one executionReport fill, and
turn both into VenueEvents. No I/O: what the adapter adds to a round trip, nothing else."""

from __future__ import annotations

import time

import msgspec

from bot4.venues.binance import Secret, Signer
from bot4.venues.binance._signing import encode_params
from bot4.venues.binance._tracker import OrderTracker
from bot4.venues.binance._wire import RestOrder, decode_stream, order_params
from tests.support.oms import BTC, CENT, IID, INSTRUMENTS, submitted

_ACK = (
    '{"symbol":"BTCUSDT","orderId":%d,"orderListId":-1,"clientOrderId":"%s",'
    '"transactTime":1700000000000,"price":"99.50000000","origQty":"0.10000000",'
    '"executedQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW",'
    '"timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1700000000000,"fills":[],'
    '"selfTradePreventionMode":"NONE"}'
)
_FILL = (
    '{"e":"executionReport","E":1,"s":"BTCUSDT","c":"%s","S":"BUY","o":"LIMIT","f":"GTC",'
    '"q":"0.10000000","p":"99.50000000","P":"0","F":"0","g":-1,"C":"","x":"TRADE","X":"FILLED",'
    '"r":"NONE","i":%d,"l":"0.10000000","z":"0.10000000","L":"99.50000000","n":"0.00995",'
    '"N":"USDT","T":1700000000001,"t":%d,"I":1,"w":false,"m":true,"M":true,"O":1,"Z":"9.95",'
    '"Y":"9.95","Q":"0"}'
)


def adapter_overhead_ns(n: int) -> list[int]:
    """`n` per-order costs in ns (each: sign + encode the order, decode answer and fill)."""
    inst = INSTRUMENTS[IID]
    signer = Signer(Secret("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
    decoder = msgspec.json.Decoder(RestOrder)
    tracker = OrderTracker(max_terminal=1000)
    samples: list[int] = []
    for i in range(n):
        coid = f"B4-{i}"
        order = submitted(coid, qty=BTC // 10, price=9_950 * CENT)
        ack = (_ACK % (i, coid)).encode()
        fill = (_FILL % (coid, i, i)).encode()
        t0 = time.perf_counter_ns()
        t = tracker.add(order, inst)
        params = order_params(order, inst, coid)
        params += [("recvWindow", "5000"), ("timestamp", "1700000000000")]
        payload = encode_params(params)
        payload = f"{payload}&signature={signer.signature(payload)}"
        accepted = tracker.on_rest_order(t, decoder.decode(ack), [])
        event = decode_stream(fill)
        assert event is not None and event.__class__.__name__ == "ExecutionReport"
        filled = tracker.on_execution_report(event)  # type: ignore[arg-type]
        samples.append(time.perf_counter_ns() - t0)
        assert len(accepted) == 1 and len(filled) == 1, "one ack and one fill per order"
    return samples
