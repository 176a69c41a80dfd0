"""`bot4 status`, `bot4 kill` and `bot4 reset-kill`: the operator's commands against a node's API.

The token is found in this order: `--token`, `BOT4_API_TOKEN`, then the `api-token` file a node
writes into its run directory when it generated its own token (`--token-file`, by default the
newest `runs/*/api-token` below the current directory). The HTTP client is the standard
library's: these commands run once and exit, and need no runtime dependency of their own.

Exit codes: 0 done; 1 the API refused or could not be reached (the message says which);
2 the command cannot be sent (no token, or `--api` is not an http(s) URL).
"""

from __future__ import annotations

import getpass
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot4.api._token import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ENV_TOKEN,
    find_token_file,
    read_token_file,
)
from bot4.errors import ApiError

__all__ = [
    "ApiClient",
    "dashboard_demo_command",
    "kill_command",
    "reset_kill_command",
    "status_command",
]

ENV_API_URL = "BOT4_API_URL"
DEFAULT_API_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
RUNS_DIR = Path("runs")


class ApiClient:
    """A blocking JSON client for the control API; errors are `ApiError` with a readable message."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float = 10.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ApiError(f"--api must be an http:// or https:// URL, got {base_url!r}")
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s

    def get(self, path: str) -> Any:
        return self._call("GET", path, None)

    def post(self, path: str, body: dict[str, object] | None = None) -> Any:
        return self._call("POST", path, body)

    def _call(self, method: str, path: str, body: dict[str, object] | None) -> Any:
        url = self._base + path
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        # The scheme was checked in __init__ (http/https only): no file:// or custom scheme here.
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:  # noqa: S310 # nosec B310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ApiError(_http_error_message(method, url, exc)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(
                f"cannot reach the Bot4 API at {self._base} ({reason}); is `bot4 run` running?"
            ) from None


def _http_error_message(method: str, url: str, exc: urllib.error.HTTPError) -> str:
    if exc.code == 401:
        return (
            f"{method} {url}: 401 unauthorized: wrong or missing token "
            f"(--token, {ENV_TOKEN} or the run directory's api-token file)"
        )
    try:
        detail = json.loads(exc.read()).get("detail", "")
    except (ValueError, AttributeError):
        detail = ""
    return f"{method} {url}: HTTP {exc.code} {detail}".rstrip()


def _find_token(token: str | None, token_file: Path | None) -> str:
    """`--token` (typer already folded in BOT4_API_TOKEN), else the token file."""
    if token:
        return token
    path = token_file if token_file is not None else find_token_file(RUNS_DIR)
    found = read_token_file(path) if path is not None else None
    if found is None:
        where = str(token_file) if token_file is not None else f"{RUNS_DIR}/*/api-token"
        typer.echo(
            f"error: no API token: pass --token, set {ENV_TOKEN}, or point --token-file at "
            f"the run directory's api-token file (looked in {where})",
            err=True,
        )
        raise typer.Exit(2)
    return found


def _client(api: str, token: str | None, token_file: Path | None) -> ApiClient:
    secret = _find_token(token, token_file)
    try:
        return ApiClient(api, secret)
    except ApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _run(client: ApiClient, method: str, path: str, body: dict[str, object] | None = None) -> Any:
    try:
        return client.get(path) if method == "GET" else client.post(path, body)
    except ApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _default_who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment or passwd database
        return "cli"


ApiOption = Annotated[
    str, typer.Option("--api", envvar=ENV_API_URL, help="The node's API base URL.")
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar=ENV_TOKEN, help="API token (else the run's api-token file)."),
]
TokenFileOption = Annotated[
    Path | None,
    typer.Option("--token-file", help="The api-token file (default: newest runs/*/api-token)."),
]


def status_command(
    why: Annotated[
        bool, typer.Option("--why", help="Per instrument: last decision, recent rejections.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
    api: ApiOption = DEFAULT_API_URL,
    token: TokenOption = None,
    token_file: TokenFileOption = None,
) -> None:
    """Show a running node's trading state, positions, orders and breakers."""
    status = _run(_client(api, token, token_file), "GET", "/status")
    if as_json:
        typer.echo(json.dumps(status, indent=2))
        return
    _print_status(status, why=why)


def kill_command(
    reason: Annotated[str, typer.Option("--reason", help="Why (journaled with who and when).")],
    who: Annotated[str | None, typer.Option("--who", help="Operator name.")] = None,
    api: ApiOption = DEFAULT_API_URL,
    token: TokenOption = None,
    token_file: TokenFileOption = None,
) -> None:
    """Trip the kill switch: trading halts and every open order is cancelled."""
    body: dict[str, object] = {"reason": reason, "who": who or _default_who()}
    view = _run(_client(api, token, token_file), "POST", "/kill", body)
    typer.echo(f"kill switch TRIPPED by {view['who']}: {view['reason']} (trading HALTED)")


def reset_kill_command(
    who: Annotated[str | None, typer.Option("--who", help="Operator name.")] = None,
    api: ApiOption = DEFAULT_API_URL,
    token: TokenOption = None,
    token_file: TokenFileOption = None,
) -> None:
    """Reset the kill switch; trading resumes."""
    body: dict[str, object] = {"who": who or _default_who()}
    _run(_client(api, token, token_file), "POST", "/reset-kill", body)
    typer.echo("kill switch reset: trading resumes")


def dashboard_demo_command(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = DEFAULT_PORT,
    duration: Annotated[float, typer.Option("--duration", help="Seconds to run.")] = 600.0,
    run_dir: Annotated[
        Path, typer.Option("--run-dir", help="Where a generated token's api-token file goes.")
    ] = Path("runs/demo"),
) -> None:
    """Serve the dashboard over an in-memory node trading a random walk (no market, no config)."""
    import asyncio

    from bot4.api._demo import run_demo  # FastAPI and uvicorn load only for this command

    asyncio.run(run_demo(run_dir, port=port, duration_s=duration))


def _print_status(status: dict[str, Any], *, why: bool) -> None:
    console = Console(highlight=False, soft_wrap=True)
    kill = status["kill_switch"]
    console.print(f"trading state: [bold]{escape(status['trading_state'])}[/bold]")
    if kill["active"]:
        console.print(
            f"kill switch: TRIPPED by {kill['who']} ({kill['source']}): {kill['reason']}",
            markup=False,
        )
    else:
        console.print("kill switch: not tripped")
    pnl = status["pnl"]
    console.print(
        f"PnL: {pnl['total']} (realized {pnl['realized']}, unrealized {pnl['unrealized']})"
    )
    console.print(f"open orders: {status['open_orders']}")
    execution = status.get("execution")  # (an older node's status has none)
    if execution is not None:
        real = execution["real_account"]
        console.print(
            f"orders go to: {execution['description']}", style="bold red" if real else None
        )
    positions = Table("instrument", "qty", "avg price", "mark", "unrealized", title="positions")
    for p in status["positions"]:
        positions.add_row(
            p["instrument_id"],
            p["qty"],
            p["avg_price"] or "-",
            p["mark_price"] or "-",
            p["unrealized_pnl"],
        )
    console.print(positions)
    breakers = Table("breaker", "state", title="breakers")
    for name, state in sorted(status["breakers"].items()):
        breakers.add_row(name, state)
    console.print(breakers)
    for q in status.get("quiet", []):  # (an older node's status has no watchdog)
        console.print(
            f"watchdog: {q['component']} quiet for {q['quiet_s']} s (limit {q['limit_s']} s)",
            markup=False,
        )
    if why:
        _print_why(console, status["why"])


def _print_why(console: Console, why: list[dict[str, Any]]) -> None:
    if not why:
        console.print("why: no strategy decision or rejection recorded yet")
        return
    for item in why:
        console.print(
            f"[bold]{escape(item['instrument_id'])}[/bold] last decision: "
            f"{escape(item['last_decision'] or '(none yet)')}"
        )
        for r in item["rejections"]:
            console.print(
                f"  {r['client_order_id']}: {r['source']} {r['reason']}: {r['detail']}",
                markup=False,
            )
