"""The writer's local spill: an append-only file of whole batches, read back in order.

Batches (with their ids) go here when the in-memory queue is full or the database is away, and
at shutdown when the database did not take everything in time. Each record is a 4-byte
big-endian length and the msgpack of a `Batch`. Writes go to the page cache (no fsync): the
spill protects against a slow or absent database and a crash of this process, not against power
loss. A torn last record (the process died mid-write) is cut off when the file is opened.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

import msgspec

from bot4.errors import StorageError
from bot4.storage._backend import Batch

__all__ = ["SpillFile"]

_LEN = struct.Struct(">I")
_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder(Batch)


class SpillFile:
    """A FIFO of batches on disk: `append` at the end, `peek`/`pop` from the head."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending = 0  # batches appended and not yet popped
        self.pending_rows = 0  # rows in those batches
        self.max_batch_id = 0  # highest batch id ever appended to this file
        self._read_off = 0  # file offset of the head record
        self._next_off = 0  # file offset of the record after the head (valid with _head)
        self._head: Batch | None = None  # the head record, decoded (peek cache)
        self._w: BinaryIO | None = None  # append handle, opened on first use
        self._recover()

    def _recover(self) -> None:
        """Count the batches a previous process left, and cut a torn tail."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        off = 0
        while off + _LEN.size <= len(data):
            (n,) = _LEN.unpack_from(data, off)
            if off + _LEN.size + n > len(data):
                break
            batch = _DEC.decode(data[off + _LEN.size : off + _LEN.size + n])
            self.pending += 1
            self.pending_rows += len(batch.rows)
            self.max_batch_id = max(self.max_batch_id, batch.batch_id)
            off += _LEN.size + n
        if off < len(data):
            with self.path.open("r+b") as f:
                f.truncate(off)

    def append(self, batch: Batch) -> None:
        if self._w is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._w = self.path.open("ab")
        data = _ENC.encode(batch)
        self._w.write(_LEN.pack(len(data)) + data)
        # Flushed to the kernel so the reader handle sees it and a crash of this process keeps it.
        self._w.flush()
        self.pending += 1
        self.pending_rows += len(batch.rows)
        self.max_batch_id = max(self.max_batch_id, batch.batch_id)

    def peek(self) -> Batch | None:
        """The oldest batch not yet popped, or None."""
        if self._head is None and self.pending:
            with self.path.open("rb") as f:
                f.seek(self._read_off)
                (n,) = _LEN.unpack(f.read(_LEN.size))
                self._head = _DEC.decode(f.read(n))
                self._next_off = self._read_off + _LEN.size + n
        return self._head

    def pop(self) -> None:
        """Drop the head batch (it has landed); an emptied file is truncated to zero."""
        head = self.peek()
        if head is None:
            raise StorageError(f"pop() on the empty spill {self.path}")
        self._read_off = self._next_off
        self.pending -= 1
        self.pending_rows -= len(head.rows)
        self._head = None
        if self.pending == 0:
            self._reset()

    def drain(self) -> list[Batch]:
        """Every pending batch, oldest first, leaving the file empty."""
        out: list[Batch] = []
        while (b := self.peek()) is not None:
            out.append(b)
            self.pop()
        return out

    def _reset(self) -> None:
        if self._w is not None:
            self._w.close()
            self._w = None
        with self.path.open("wb"):
            pass  # truncate: everything in it has landed
        self._read_off = 0

    def rewrite(self, batches: list[Batch]) -> None:
        """Replace the file's pending content with `batches` (atomically, via a rename)."""
        if self._w is not None:
            self._w.close()
            self._w = None
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            for b in batches:
                data = _ENC.encode(b)
                f.write(_LEN.pack(len(data)) + data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._read_off = 0
        self._head = None
        self.pending = len(batches)
        self.pending_rows = sum(len(b.rows) for b in batches)
        self.max_batch_id = max([self.max_batch_id, *(b.batch_id for b in batches)])

    def close(self) -> None:
        if self._w is not None:
            self._w.close()
            self._w = None
