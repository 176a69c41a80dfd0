"""Reader for recorded exchange sessions (cryptofeed's raw capture format, which Bot4 also writes).

A session is a few line-oriented files (see /work/shared/data/recordings/README.md):

- `<EXCH>.ws.<conn>.0`, one WebSocket connection:
  `<wss url> <-> <ts>` (connect), `<wss url> <- <ts>: <text>` (sent), `<ts>: <text>` (received);
- `<EXCH>.http.0.0`, REST responses during the run: `<url> -> <ts>: <body>`;
- `<EXCH>.0`, the header: `configuration: {json}` plus REST responses (instrument metadata).

`<ts>` is float Unix seconds as text; it is parsed exactly to int ns. Each line splits on the first
`": "`. Bodies may be Python bytes literals (`b'...'`, OKX), decoded with `ast.literal_eval`.
Empty lines are skipped; a line that fits none of the shapes is returned as `kind="bad"` so a
replay can count it instead of failing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import msgspec

from bot4.model import to_fixed

__all__ = ["Header", "Record", "parse_line", "parse_ts", "read_header", "read_records"]

RecordKind = Literal["connect", "sent", "recv", "http", "config", "bad"]


class Record(msgspec.Struct, frozen=True):
    """One line of a recording."""

    kind: RecordKind  # connect / sent / recv (ws), http (REST response), config, bad
    ts_ns: int  # local time of the line, ns since the epoch (0 for config and bad lines)
    url: str  # ws or REST url ("" for recv, config, bad)
    body: str  # the frame, the REST body, the configuration JSON, or the bad line itself


class Header(msgspec.Struct, frozen=True):
    """The `<EXCH>.0` file: the subscription configuration and the metadata REST responses."""

    configuration: dict[str, list[str]]  # channel -> symbols, as cryptofeed subscribed them
    responses: list[Record]  # kind="http" records, in file order


def parse_ts(text: str) -> int:
    """A recorded timestamp ("1633998512.0633569") as int ns, exactly (no float rounding)."""
    return to_fixed(text.strip(), 9)


def _body(text: str) -> str:
    if text.startswith(("b'", 'b"')):
        value = ast.literal_eval(text)
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
    return text


def parse_line(line: str) -> Record | None:
    """Parse one line; None for an empty line, a `bad` record for one that fits no shape."""
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    try:
        if line.startswith("configuration: "):
            return Record("config", 0, "", line[len("configuration: ") :])
        head, sep, body = line.partition(": ")
        if " <-> " in head and not sep:
            url, _, ts = line.partition(" <-> ")
            return Record("connect", parse_ts(ts), url, "")
        if not sep:
            return Record("bad", 0, "", line)
        if " <- " in head:
            url, _, ts = head.partition(" <- ")
            return Record("sent", parse_ts(ts), url, _body(body))
        if " -> " in head:
            url, _, ts = head.partition(" -> ")
            return Record("http", parse_ts(ts), url, _body(body))
        return Record("recv", parse_ts(head), "", _body(body))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return Record("bad", 0, "", line)


def read_records(path: Path | str) -> Iterator[Record]:
    """Every non-empty line of a recording file, in order (OSError if it cannot be read)."""
    with Path(path).open(encoding="utf-8", errors="replace") as f:
        for line in f:
            record = parse_line(line)
            if record is not None:
                yield record


def read_header(path: Path | str) -> Header:
    """Read a `<EXCH>.0` header file (the configuration line is optional)."""
    configuration: dict[str, list[str]] = {}
    responses: list[Record] = []
    for record in read_records(path):
        if record.kind == "config":
            try:
                configuration = msgspec.json.decode(record.body, type=dict[str, list[str]])
            except msgspec.DecodeError:
                configuration = {}
        elif record.kind == "http":
            responses.append(record)
    return Header(configuration, responses)
