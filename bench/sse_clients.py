"""The clients of the ``sse`` workload, in a process of their own (their CPU is not the app's):
``python -m bench.sse_clients JSON``.

Each client asks the app for ``/containers/ID/logs?follow=true&tail=0`` over its unix socket
and notes when each ``data: tick N`` line arrives. Prints ``CONNECTED`` once every client has
its answer's head, and at the end one JSON line: ``[[container index, N, time], ...]``.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from typing import Any

TICK = re.compile(rb"data: tick (\d+) ")


async def client(
    uds: str, ident: str, index: int, deadline: float, seen: list[Any], heads: asyncio.Queue[int]
) -> None:
    reader, writer = await asyncio.open_unix_connection(uds)
    writer.write(
        f"GET /containers/{ident}/logs?follow=true&tail=0 HTTP/1.1\r\nHost: app\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head[:200].decode(errors="replace"))
    heads.put_nowait(index)
    held = b""
    loop = asyncio.get_running_loop()
    # One deadline for the whole stream (a timer per read, as wait_for gives on Python
    # 3.11 with a task each, would cost this process more than the reading does).
    stop = loop.call_at(loop.time() + max(0.0, deadline - time.time()), writer.close)
    try:
        while True:
            try:
                data = await reader.read(65536)
            except OSError:
                break
            now = time.time()
            if not data:
                break
            data = held + data
            cut = data.rfind(b"\n") + 1
            held = data[cut:]
            for match in TICK.finditer(data, 0, cut):
                seen.append((index, int(match.group(1)), now))
    finally:
        stop.cancel()
        writer.close()


async def main(params: dict[str, Any]) -> None:
    ids = params["containers"]
    deadline = time.time() + params["seconds"]
    heads: asyncio.Queue[int] = asyncio.Queue()
    seen: list[Any] = []
    tasks = [
        asyncio.ensure_future(
            client(params["uds"], ids[i % len(ids)], i % len(ids), deadline, seen, heads)
        )
        for i in range(params["clients"])
    ]
    for _ in tasks:
        await heads.get()
    print("CONNECTED", flush=True)
    await asyncio.gather(*tasks)
    print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
