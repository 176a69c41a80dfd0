# bot4.config: the TOML loader with precise errors, and the config commands.
#   _loader   read TOML, apply BOT4__* overrides, validate; errors name file, key and problem
#             (depends on errors only, so every component can use it)
#   _docs     each field's documentation, read from the comment beside it
#   _toml     write a config Struct back out as (commented) TOML
#   _schema   JSON Schema of a config Struct, with the field comments as descriptions
#   _redact   secrets out of a config before it is shown
#   _checks   the node's semantic limits (symbols, risk against traded instruments, ...)
#   _strategies  the [[strategies]] entries loaded and checked as the node builds them
#             (imports bot4.engine; used by node only)
#   node      the node's config end to end (imports bot4.engine.config: not re-exported here,
#             so importing bot4.config never pulls in the engine)
#   cli       `bot4 new-config`, `check-config`, `show-config`, `config-schema`
"""Config loading: one TOML file into frozen Structs, errors naming file, key and problem."""

from bot4.config._loader import ENV_PREFIX as ENV_PREFIX
from bot4.config._loader import apply_env_overrides as apply_env_overrides
from bot4.config._loader import config_problems as config_problems
from bot4.config._loader import env_origins as env_origins
from bot4.config._loader import load_config as load_config
from bot4.config._loader import parse_config as parse_config
from bot4.config._loader import read_toml as read_toml

__all__ = [
    "ENV_PREFIX",
    "apply_env_overrides",
    "config_problems",
    "env_origins",
    "load_config",
    "parse_config",
    "read_toml",
]
