# bot4.marketdata.sync: one pure state machine per venue protocol, each owning its sequencing
# rule once (depends on bot4.marketdata._handler's FeedStats and bot4.model only; never on a
# feed, a decoder or the book's internals).
"""Book sync rules: Binance's update ids, Kraken's checksum, Coinbase's crossed-book guard."""

__all__: list[str] = []  # nothing of its own: import the venue modules (sync.binance, ...)
