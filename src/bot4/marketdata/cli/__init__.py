# bot4.marketdata.cli: the market-data commands, registered by bot4/cli.py (depends on the rest
# of bot4.marketdata; nothing in it depends on this package).
#   replay   `bot4 replay`: a recorded connection through a feed handler, offline, to JSON
#   record   `bot4 record`: a live session saved in the recordings format
"""The `bot4 replay` and `bot4 record` commands."""

__all__: list[str] = []  # nothing of its own: the commands are in its modules
