"""The floor under any asyncio client: the least an event loop has to do per event.

One :class:`asyncio.Protocol` on the events stream (the request written by hand), each
line that is an event decoded with ``json.loads`` in ``data_received``, and the events
handed to the consumer through an async generator woken by a future, the shape every
asyncio client has. Beside the blocking ceiling (``raw``), it shows what the event loop
itself costs per wake-up.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..measure import Meter
from .raw import API, SOCKET


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


WORKLOADS = {"events": events}
