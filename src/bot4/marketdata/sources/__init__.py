# bot4.marketdata.sources: where frames come from (the imperative shell of market data; depends
# on feeds, book and the FeedHandler protocol, never the other way round).
#   ws                FeedConnection: a live WebSocket (picows), REST snapshots (aiohttp), breakers
#   _ws_config        ConnectionConfig;  _backoff  reconnect backoff with jitter
#   recording         reader of recorded sessions (the cryptofeed format and `bot4 record`'s)
#   _offline          a recording pushed through a handler, no sockets (`bot4 replay`)
#   replay            ReplayServer / SnapshotServer: a recording served over loopback
#   _snapshot_server  the REST side of the replay (depth snapshots by URL)
"""Sources of market-data frames: live WebSocket, recorded files, and a loopback replay."""

__all__: list[str] = []  # nothing of its own: import its modules (sources.ws, sources.replay, ...)
