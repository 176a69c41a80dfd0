"""A Binance spot exchange emulator for tests (aiohttp on 127.0.0.1, a free port).

    async with BinanceEmulator(api_key="k", secret="s", instruments=["BTCUSDT"]) as emu:
        emu.set_book("BTCUSDT", bids=[("99.00", "1")], asks=[("101.00", "2")])
        ...  # REST at emu.base_url, user data at f"{emu.ws_url}/ws/{listenKey}"

What it serves, as Binance's spot API docs describe it: ping, time, exchangeInfo (the bundled
instruments, or those given: symbol names, Bot4 `Instrument`s or raw exchangeInfo entries),
order place/cancel/query, openOrders (list, cancel all), order/cancelReplace, account,
myTrades, userDataStream (POST/PUT/DELETE) and the user-data WebSocket (`executionReport`,
`outboundAccountPosition`, `listenKeyExpired`). Signatures, timestamps, API keys, request
weight and order-rate limits are checked as Binance checks them (`_gate`).

Numbers in the test API are decimal strings (or Decimals), as on the wire; `set_book_from(book)`
copies a Bot4 OrderBook (fixed point) instead. The account starts
with 1,000,000 USDT unless `balances` says otherwise; commissions (maker/taker rate) are taken
from the asset received.

Faults (each consumed as it fires): `fail_next(path, status, retry_after=, code=,
after_effect=, method=)`, `stall_next(path, seconds)` (the answer comes late: a client
timeout), `drop_user_stream()`, `duplicate_next_event()`, `reorder_next_events(n)`,
`expire_listen_key()`, and `clock_skew_ms` (server time offset). Observations: `requests`,
`orders`, `trades`, `events`, `balances`, `open_orders()`, `stream_count`; `check()` asserts
the account is consistent (locked funds match open orders, order totals match their fills).

Signing check, from Binance's spot docs (HMAC example): secret
NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j, payload
symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559
-> c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71.
"""

from tests.support.binance_emu._gate import sign
from tests.support.binance_emu._orders import Balance, EmuOrder, Fill
from tests.support.binance_emu._server import BinanceEmulator, EmuRequest, Fault

__all__ = ["Balance", "BinanceEmulator", "EmuOrder", "EmuRequest", "Fault", "Fill", "sign"]
