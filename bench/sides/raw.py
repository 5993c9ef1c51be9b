"""The ceilings: the best readers we can write against the same socket, with no client.

- Stream readers (exec output, logs): a unix socket, a hand-written HTTP request, and
  ``recv_into`` a reused 256 KiB buffer until EOF, with the same read pacing as aiodock's
  own connections (``aiodock.transport.pacing.ReadPacer``: while reads come back to back,
  a pause of a millisecond or two, sized so that one read takes what several writes
  left). Nothing is parsed, the frame headers and chunk lines are counted as received
  bytes; where the workload's consumer hashes (or keeps) the output, the ceiling hashes
  (or keeps) every byte it received, headers included, so it does a little more of that
  work than the clients.
- Requests (inspects): a minimal keep-alive HTTP/1.1 client on asyncio: one connection
  per task in flight, a request written as one preformatted string, the head parsed just
  enough for ``Content-Length`` or chunking, the body decoded with ``json.loads``.
- Events: a blocking ``recv_into`` loop on the events stream, each event's line decoded
  with ``json.loads`` (chunk-size lines skipped): the cost of being woken once per event
  with no event loop at all, the floor under every client.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.parse
import zlib
from collections.abc import Callable
from typing import Any

from aiodock.transport.pacing import ReadPacer

from ..measure import Meter

SOCKET = "/var/run/docker.sock"
API = "/v1.41"
READ_SIZE = 256 * 1024


def _send(method: str, path: str, body: bytes = b"") -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(SOCKET)
    head = (
        f"{method} {API}{path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode("ascii") + body)
    return sock


def _drain(sock: socket.socket, consume: str = "count") -> tuple[int, int]:
    """Read to EOF, paced like aiodock; ``(bytes received, crc32 of them or 0)``.
    ``consume``: ``count`` only, ``hash`` every byte, or ``keep`` them (in one bytearray)."""
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    total = 0
    crc = 0
    digest = consume == "hash"
    kept = bytearray() if consume == "keep" else None
    recv_into = sock.recv_into
    clock = time.monotonic
    sleep = time.sleep
    crc32 = zlib.crc32
    pause_after = ReadPacer().pause_after
    with sock:
        while True:
            n = recv_into(view)
            if not n:
                return (len(kept) if kept is not None else total), crc
            total += n
            if digest:
                crc = crc32(view[:n], crc)
            elif kept is not None:
                kept += view[:n]
            pause = pause_after(clock(), n)
            if pause:
                sleep(pause)


def _json_body(sock: socket.socket) -> Any:
    chunks = []
    with sock:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
    return json.loads(body)


def _exec_start(params: dict[str, Any]) -> socket.socket:
    """Create the exec and start it: the socket its output comes on."""
    create = json.dumps({"AttachStdout": True, "AttachStderr": True, "Cmd": params["cmd"]}).encode()
    exec_id = _json_body(_send("POST", f"/containers/{params['container']}/exec", create))["Id"]
    return _send("POST", f"/exec/{exec_id}/start", b'{"Detach":false,"Tty":false}')


def _exec(params: dict[str, Any], consume: str) -> tuple[int, int]:
    return _drain(_exec_start(params), consume)


def exec_output(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    with meter:
        received, _ = _exec(params, "count")
    # Headers plus one 8-byte frame header per frame: at least the payload arrived.
    return {"bytes": received, "bytes_are_raw": True}


def exec_text(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    with meter:
        received, _ = _exec(params, "hash")
    return {"bytes": received, "bytes_are_raw": True}


def _logs(params: dict[str, Any], meter: Meter, consume: str) -> dict[str, Any]:
    with meter:
        sock = _send("GET", f"/containers/{params['container']}/logs?stdout=1&stderr=1")
        received, _ = _drain(sock, consume)
    return {"bytes": received, "bytes_are_raw": True}


def logs(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    return _logs(params, meter, "count")


def logs_kept(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    """The consumer keeps every byte: the ceiling keeps every byte it received."""
    return _logs(params, meter, "keep")


class _KeepAlive(asyncio.Protocol):
    """One keep-alive connection: a request at a time, its JSON body as a future's result."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.waiter: asyncio.Future[Any] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            self.buf = buf
            return
        head = buf[:end].lower()
        start = end + 4
        at = head.find(b"content-length:")
        if at >= 0:
            length = int(head[at + 15 : head.find(b"\r\n", at) if b"\r\n" in head[at:] else None])
            if len(buf) - start < length:
                self.buf = buf
                return
            body = buf[start : start + length]
        else:  # chunked: complete once the last chunk is here
            if not buf.endswith(b"\r\n0\r\n\r\n"):
                self.buf = buf
                return
            pieces = []
            pos = start
            while True:
                line = buf.find(b"\r\n", pos)
                size = int(buf[pos:line], 16)
                if not size:
                    break
                pieces.append(buf[line + 2 : line + 2 + size])
                pos = line + 4 + size
            body = b"".join(pieces)
        self.buf = b""
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(json.loads(body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionResetError("closed"))

    async def get(self, request: bytes) -> Any:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


def inspects(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    ids = params["containers"]
    requests = [
        f"GET {API}/containers/{ident}/json HTTP/1.1\r\nHost: docker\r\n\r\n".encode()
        for ident in ids
    ]

    async def main() -> int:
        loop = asyncio.get_running_loop()
        conns = [
            (await loop.create_unix_connection(_KeepAlive, SOCKET))[1]
            for _ in range(params["concurrency"])
        ]
        for conn in conns:  # the first request on each, as the clients' warm-up does
            await conn.get(requests[0])
        found = 0
        indexes = iter(range(params["count"]))

        async def worker(conn: _KeepAlive) -> None:
            nonlocal found
            for i in indexes:
                info = await conn.get(requests[i % len(ids)])
                found += info["Id"] in ids

        with meter:
            await asyncio.gather(*(worker(conn) for conn in conns))
        for conn in conns:
            assert conn.transport is not None
            conn.transport.close()
        return found

    return {"items": asyncio.run(main())}


def events(params: dict[str, Any], meter: Meter, ready: Callable[[], None]) -> dict[str, Any]:
    """Count the watched events, decoding each; every event is one JSON line (the daemon
    escapes newlines inside strings), so a line that starts with ``{`` is an event."""
    query = urllib.parse.urlencode(
        {"filters": json.dumps({"label": [params["label"]]}), "since": str(params["since"])}
    )
    sock = _send("GET", f"/events?{query}")
    view = memoryview(bytearray(READ_SIZE))
    recv_into = sock.recv_into
    loads = json.loads
    expected = params["expected"]
    count = 0
    rest = b""
    ready()
    with sock, meter:
        while count < expected:
            n = recv_into(view)
            if not n:
                break
            lines = (rest + view[:n]).split(b"\n") if rest else bytes(view[:n]).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line.startswith(b"{"):
                    loads(line)
                    count += 1
        last = time.time()
    return {"items": count, "last_event_at": last}


WORKLOADS = {
    "events": events,
    "exec_output": exec_output,
    "exec_text": exec_text,
    "logs": logs,
    "logs_alternating": logs_kept,
    "logs_large": logs_kept,
    "inspects": inspects,
}
