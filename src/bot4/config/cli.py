"""`bot4 new-config`, `check-config`, `show-config` and `config-schema` (registered in bot4.cli).

Exit codes: 0 done; 1 refused (a file exists, cannot write); 2 the config has problems, one line
each on stderr naming the file, the key path and what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot4.config.node import ResolvedConfig

__all__ = [
    "check_config_command",
    "config_schema_command",
    "new_config_command",
    "show_config_command",
]


def new_config_command(
    path: Annotated[
        str, typer.Argument(help="Where to write it ('-' for stdout).", show_default=True)
    ] = "bot4.toml",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example config: every section, the defaults, a comment per key."""
    from bot4.config.node import example_config

    text = example_config()
    if path == "-":
        typer.echo(text, nl=False)
        return
    try:
        with Path(path).open("w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        typer.echo(f"error: {path} exists; pass --force to overwrite it", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"error: cannot write {path}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {path} (check it with: bot4 check-config {path})")


def check_config_command(
    path: Annotated[Path, typer.Argument(help="The TOML config file.")],
) -> None:
    """Validate a config (with BOT4__* environment overrides): 'ok' or one line per problem."""
    _resolve(path)
    typer.echo(f"ok: {path}")


def show_config_command(
    path: Annotated[
        Path | None, typer.Argument(help="The TOML config file (none: the defaults).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of TOML.")] = False,
) -> None:
    """Print the config the node would use (defaults + file + environment), secrets as ***."""
    from bot4.config.node import show_config

    typer.echo(show_config(_resolve(path), as_json=as_json), nl=False)


def config_schema_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the schema here instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of the config, for editors' completion and checks."""
    from bot4.config._schema import schema_text
    from bot4.config.node import node_schema

    text = schema_text(node_schema())
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {out}")


def _resolve(path: Path | None) -> ResolvedConfig:
    """The resolved config, or exit 2 after printing each problem."""
    from bot4.config.node import resolve_node_config

    resolved = resolve_node_config(path)
    if resolved.config is None:
        for line in resolved.problems:
            typer.echo(line, err=True)
        raise typer.Exit(2)
    return resolved
