"""cryptofeed 2.4.1's own parse path on a recording, timed; prints one JSON line.

Driven the way cryptofeed's own playback test drives it (`tests/unit/test_exchange.py` ->
`cryptofeed.raw_data_collection.playback`): the feed is built from the recording's header
(`configuration:` line and symbol REST responses), its REST reads are answered from the
`.http.0.0` file, and every recorded frame goes to the connection's message handler with
callbacks counting the events. The only change: the loop over the frames is timed on its own
(lines read into memory first; feed construction and symbol loading outside the timer), and it
is repeated on a fresh feed. Snapshot fetches happen inside the loop, as in live use.
Checksum validation is turned on, as Bot4 always verifies Kraken's checksums.

Usage: measure.py EXCHANGE RECORDINGS_DIR REPEATS
"""

import asyncio
import functools
import glob
import json as std_json
import sys
import time
from collections import defaultdict

from yapic import json

from cryptofeed.connection import HTTPAsyncConn, HTTPSync
from cryptofeed.exchanges import EXCHANGE_MAP
from cryptofeed.symbols import Symbols


async def _one(exchange: str, filenames: list, ws_lines: list) -> dict:
    stats = defaultdict(int)

    class FakeWS:
        def __init__(self):
            self.conn_type = "wss"
            self.uuid = "1"
            self.cache = defaultdict(list)
            for filename in filenames:
                if "http" in filename:
                    with open(filename, encoding="utf-8") as fp:
                        for line in fp.readlines():
                            if line.startswith("http"):
                                file_url, data = line.split(" -> ")
                                _, msg = data.split(": ", 1)
                                self.cache[file_url].append(msg)

        async def write(self, *args, **kwargs):
            pass

        async def read(self, url, **kwargs):
            return self.cache[url].pop(0)

    ws = FakeWS()
    symbol_data = []
    sub = None
    for f in filenames:
        if "ws" not in f and "http" not in f:
            with open(f, encoding="utf-8") as fp:
                for line in fp.readlines():
                    if "configuration" in line:
                        sub = json.loads(line.split(": ", 1)[1])
                    if line == "\n":
                        continue
                    symbol_data.append(json.loads(line.split(": ", 1)[1].strip()))

    def symbol_helper(*args, **kwargs):
        return symbol_data.pop(0)

    HTTPAsyncConn.read = ws.read
    HTTPSync.read = symbol_helper

    async def internal_cb(*args, **kwargs):
        stats[kwargs["cb_type"]] += 1

    callbacks = {c: functools.partial(internal_cb, cb_type=c) for c in sub}
    Symbols.clear()
    # checksum_validation=True: the same work as Bot4, which verifies every Kraken checksum
    # (cryptofeed's default is off; Binance's sequence checks are always on in both).
    feed = EXCHANGE_MAP[exchange](
        candle_closed_only=False, config="config.yaml", subscription=sub, callbacks=callbacks,
        checksum_validation=True,
    )
    exchange_sub = {}
    for chan in sub:
        c = feed.std_channel_to_exchange(chan)
        exchange_sub[c] = [feed.std_symbol_to_exchange_symbol(s) for s in sub[chan]]
    ws.subscription = exchange_sub
    handler = None
    for _, subscribe, handler, _auth in feed.connect():
        await subscribe(ws)

    counter = 0
    t0 = time.perf_counter()
    for line in ws_lines:
        timestamp, message = line.split(": ", 1)
        counter += 1
        await handler(message, ws, timestamp)
    elapsed = time.perf_counter() - t0
    feed.stop()
    await feed.shutdown()
    return {"messages": counter, "elapsed_s": elapsed, "callbacks": dict(stats)}


def main() -> None:
    exchange, folder, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    filenames = sorted(glob.glob(f"{folder}/{exchange}.*"))
    ws_lines = []
    for filename in filenames:
        if ".ws." not in filename:
            continue
        with open(filename, encoding="utf-8") as fp:
            for line in fp:
                if line == "\n" or line[:3] in ("wss", "htt"):
                    continue
                ws_lines.append(line)
    runs = [asyncio.run(_one(exchange, filenames, ws_lines)) for _ in range(repeats)]
    print(std_json.dumps({
        "exchange": exchange,
        "files": [f.rsplit("/", 1)[1] for f in filenames],
        "messages": runs[0]["messages"],
        "elapsed_s": [r["elapsed_s"] for r in runs],
        "callbacks": runs[0]["callbacks"],
        "cryptofeed": "2.4.1",
    }))


if __name__ == "__main__":
    main()
