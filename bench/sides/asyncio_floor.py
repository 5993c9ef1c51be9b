"""The floor under any asyncio client: the least an event loop has to do per read.

- Events: one :class:`asyncio.Protocol` on the events stream (the request written by
  hand), each line that is an event decoded with ``json.loads`` in ``data_received``, and
  the events handed to the consumer through an async generator woken by a future, the
  shape every asyncio client has.
- Exec output of text: a :class:`asyncio.BufferedProtocol` reading into one reused
  buffer, paced as the raw ceiling and aiodock are (while reads come back to back, a
  timer with the transport paused, then a read straight from the socket); each read is
  copied out (the consumer owns what it is given) and handed to the consumer's task
  through an async generator woken by a future, and the consumer hashes it. No frame is
  parsed.

Beside the blocking ceiling (``raw``), it shows what the event loop itself costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.parse
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiodock.transport.pacing import ReadPacer

from ..measure import Meter
from .raw import API, READ_SIZE, SOCKET, _exec_start


class _Lines(asyncio.Protocol):
    def __init__(self) -> None:
        self.rest = b""
        self.events: list[Any] = []
        self.waiter: asyncio.Future[None] | None = None

    def data_received(self, data: bytes) -> None:
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()
        self.events.extend(json.loads(line) for line in lines if line.startswith(b"{"))
        if self.events and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionResetError("closed"))


async def _stream(protocol: _Lines) -> AsyncIterator[Any]:
    loop = asyncio.get_running_loop()
    while True:
        while not protocol.events:
            protocol.waiter = loop.create_future()
            await protocol.waiter
        batch, protocol.events = protocol.events, []
        for event in batch:
            yield event


def events(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    query = urllib.parse.urlencode(
        {"filters": json.dumps({"label": [params["label"]]}), "since": str(params["since"])}
    )
    request = f"GET {API}/events?{query} HTTP/1.1\r\nHost: docker\r\n\r\n".encode()

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_unix_connection(_Lines, SOCKET)
        transport.write(request)
        count = 0
        ready()
        with meter:
            async for _event in _stream(protocol):
                count += 1
                if count >= params["expected"]:
                    break
            last = time.time()
        transport.close()
        return {"items": count, "last_event_at": last}

    return asyncio.run(main())


class _Reads(asyncio.BufferedProtocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.view = memoryview(bytearray(READ_SIZE))
        self.transport: asyncio.Transport | None = None
        self.reads: deque[bytes] = deque()
        self.eof = False
        self.waiter: asyncio.Future[None] | None = None
        self.pacer = ReadPacer()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.fd = transport.get_extra_info("socket").fileno()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        self._paced(nbytes)

    def _paced(self, nbytes: int) -> bool:
        """Hand a read on; whether a pause follows it."""
        self.reads.append(bytes(self.view[:nbytes]))
        self._wake()
        pause = self.pacer.pause_after(self.loop.time(), nbytes)
        if pause:
            assert self.transport is not None
            self.transport.pause_reading()
            self.loop.call_later(pause, self._resume)
        return bool(pause)

    def _resume(self) -> None:
        # As aiodock does: read what accumulated during the pause straight from the
        # socket, resuming the transport only when nothing waits or no pause follows.
        if self.transport is None or self.transport.is_closing() or self.eof:
            return
        try:
            nbytes = os.readv(self.fd, (self.view,))
        except BlockingIOError:
            nbytes = -1
        if nbytes == 0:
            self.eof_received()
            self.transport.close()
            return
        if nbytes < 0 or not self._paced(nbytes):
            self.transport.resume_reading()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self._wake()


async def _chunks(protocol: _Reads) -> AsyncIterator[bytes]:
    reads = protocol.reads
    while True:
        while not reads:
            if protocol.eof:
                return
            protocol.waiter = protocol.loop.create_future()
            await protocol.waiter
        while reads:
            yield reads.popleft()


def exec_text(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        total = 0
        crc = 0
        crc32 = zlib.crc32
        with meter:
            sock = _exec_start(params)
            sock.setblocking(False)
            transport, protocol = await loop.connect_accepted_socket(lambda: _Reads(loop), sock)
            async for data in _chunks(protocol):
                total += len(data)
                crc = crc32(data, crc)
            transport.close()
        return {"bytes": total, "bytes_are_raw": True}

    return asyncio.run(main())


WORKLOADS = {"events": events, "exec_text": exec_text}
