# bot4.config: the TOML loader with precise errors; depends on errors only.
# The node's own config (which composes each component's config) lives in bot4.engine.
"""Config loading: one TOML file into frozen Structs, errors naming file, key and problem."""

from bot4.config._loader import ENV_PREFIX as ENV_PREFIX
from bot4.config._loader import apply_env_overrides as apply_env_overrides
from bot4.config._loader import load_config as load_config
from bot4.config._loader import parse_config as parse_config

__all__ = ["ENV_PREFIX", "apply_env_overrides", "load_config", "parse_config"]
