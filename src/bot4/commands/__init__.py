# bot4.commands: commands that span several packages, so they live above all of them (the cli
# layer): a command here may import engine and config; nothing below imports this package.
#   run    `bot4 run`: config file -> build_node -> run with a view -> summary
#   new_strategy  `bot4 new-strategy NAME`: a commented strategy template and its test
#   _tui   the live terminal view of a running node, and its plain status lines
"""Commands of the `bot4` CLI that glue the config layer to the engine."""

__all__: list[str] = []
