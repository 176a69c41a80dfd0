"""A loopback TCP proxy between Bot4 and PostgreSQL that a test can cut and restore.

Modes: `up` (forward bytes both ways), `reset` (abort every connection with RST and abort new
ones at once), `stall` (keep connections open but stop forwarding), `refuse` (close the
listening socket: connection refused). `restore()` closes stalled connections (the server then
rolls their transactions back) and listens again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct


class PgProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.mode = "up"
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._resume = asyncio.Event()
        self._resume.set()
        self.connections = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def dsn_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.mode == "reset":
            _rst(writer)
            return
        try:
            up_r, up_w = await asyncio.open_connection(*self.target)
        except OSError:
            _rst(writer)
            return
        pair = (writer, up_w)
        self._pairs.add(pair)
        for src, dst in ((reader, up_w), (up_r, writer)):
            t = asyncio.create_task(self._pump(src, dst, pair))
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)

    async def _pump(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        try:
            while True:
                data = await src.read(65536)
                if not data:
                    break
                await self._resume.wait()  # stalled: hold the bytes
                if pair not in self._pairs:
                    break
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._close_pair(pair, rst=False)

    def _close_pair(
        self, pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter], rst: bool
    ) -> None:
        if pair in self._pairs:
            self._pairs.discard(pair)
            for w in pair:
                if rst:
                    _rst(w)
                else:
                    w.close()

    async def reset(self) -> None:
        self.mode = "reset"
        for pair in list(self._pairs):
            self._close_pair(pair, rst=True)

    async def stall(self) -> None:
        self.mode = "stall"
        self._resume.clear()

    async def refuse(self) -> None:
        self.mode = "refuse"
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for pair in list(self._pairs):
            self._close_pair(pair, rst=True)

    async def restore(self) -> None:
        if self.mode == "stall":
            for pair in list(self._pairs):
                self._close_pair(pair, rst=True)
            self._resume.set()
        if self._server is None:
            await self.start()
        self.mode = "up"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._resume.set()
        for pair in list(self._pairs):
            self._close_pair(pair, rst=True)
        for t in list(self._tasks):
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t


def _rst(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0), as a crashed peer or a firewall reset would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
