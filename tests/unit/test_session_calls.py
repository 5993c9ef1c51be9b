"""A build session's gRPC methods, called as the daemon calls them, over an in-memory
HTTP/2 connection (no daemon): registry credentials, the token methods, the context's
fsutil exchange and both exports."""

from __future__ import annotations

import asyncio
import io
import os
import stat
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

pytest.importorskip("h2")

import h2.config
import h2.connection
import h2.events

from aiodock.build.buildkit import proto_bytes
from aiodock.build.dockerignore import PatternMatcher
from aiodock.build.filesync import (
    PACKET_DATA,
    PACKET_FIN,
    PACKET_REQ,
    PACKET_STAT,
    Packet,
    Stat,
    go_mode,
)
from aiodock.build.session import (
    AUTH_CREDENTIALS,
    FILE_SEND,
    FILE_SYNC,
    BuildSession,
    ExportTarget,
    SyncedDir,
    _grpc_message,
    _grpc_payloads,
)
from aiodock.transport import Connection


class Daemon:
    """The daemon's side: an HTTP/2 client whose bytes go straight to the session."""

    def __init__(self) -> None:
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.h2.initiate_connection()
        self.to_session: asyncio.Queue[bytes] = asyncio.Queue()
        self.answers: dict[int, bytearray] = {}
        self.trailers: dict[int, dict[bytes, bytes]] = {}
        self.changed = asyncio.Event()
        self.closed = False
        self.flush()

    # what the session sees as its connection
    async def read_chunk(self) -> bytes:
        return await self.to_session.get()

    def write(self, data: bytes) -> None:
        for event in self.h2.receive_data(data):
            if isinstance(event, h2.events.DataReceived):
                self.answers.setdefault(event.stream_id, bytearray()).extend(event.data)
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.TrailersReceived):
                self.trailers[event.stream_id] = dict(event.headers)
        self.flush()
        self.changed.set()

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def flush(self) -> None:
        data = self.h2.data_to_send()
        if data:
            self.to_session.put_nowait(data)

    # calls
    def call(self, path: str, metadata: Sequence[tuple[str, str]] = ()) -> int:
        stream_id = self.h2.get_next_available_stream_id()
        headers = [
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "x"),
            ("content-type", "application/grpc"), *metadata,
        ]  # fmt: skip
        self.h2.send_headers(stream_id, headers)
        self.flush()
        return stream_id

    def send(self, stream_id: int, payload: bytes, *, end: bool = False) -> None:
        self.h2.send_data(stream_id, _grpc_message(payload), end_stream=end)
        self.flush()

    def end(self, stream_id: int) -> None:
        self.h2.end_stream(stream_id)
        self.flush()

    async def next_answer(self, stream_id: int) -> bytes | None:
        """The call's next answer message; ``None`` once it ended without more."""
        while True:
            buffer = self.answers.setdefault(stream_id, bytearray())
            payloads, _used = _grpc_payloads(buffer)
            if payloads:
                del buffer[: 5 + len(payloads[0])]
                return payloads[0]
            if stream_id in self.trailers:
                return None
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 5)

    def status(self, stream_id: int) -> int:
        return int(self.trailers[stream_id][b"grpc-status"])


@pytest.fixture
async def serve() -> AsyncIterator[Any]:
    sessions: list[BuildSession] = []

    def start(**kwargs: Any) -> Daemon:
        daemon = Daemon()
        session = BuildSession(cast(Any, None), **kwargs)
        session.serve_on(cast(Connection, daemon))
        sessions.append(session)
        return daemon

    yield start
    for session in sessions:
        await session.close()


async def unary(daemon: Daemon, path: str, payload: bytes) -> tuple[int, bytes | None]:
    stream_id = daemon.call(path)
    daemon.send(stream_id, payload, end=True)
    answer = await daemon.next_answer(stream_id)
    while stream_id not in daemon.trailers:
        await daemon.next_answer(stream_id)
    return daemon.status(stream_id), answer


async def test_credentials_and_token_methods(serve: Any) -> None:
    async def lookup(host: str) -> tuple[str, str] | None:
        return ("me", "pw") if host == "reg:5000" else None

    daemon = serve(credentials=lookup)
    status, answer = await unary(daemon, AUTH_CREDENTIALS, proto_bytes(1, b"reg:5000"))
    assert status == 0 and answer == proto_bytes(1, b"me") + proto_bytes(2, b"pw")
    status, answer = await unary(daemon, AUTH_CREDENTIALS, proto_bytes(1, b"other:5000"))
    assert status == 0 and answer == b""  # none known: an empty answer, as the CLI gives
    for method in ("GetTokenAuthority", "VerifyTokenAuthority", "FetchToken"):
        status, _ = await unary(daemon, f"/moby.filesync.v1.Auth/{method}", proto_bytes(1, b"h"))
        assert status == 14  # UNAVAILABLE: the daemon fetches tokens itself


async def test_the_context_exchange(serve: Any, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "big.bin").write_bytes(os.urandom(600_000))
    (tmp_path / "small.txt").write_text("small")
    (tmp_path / "skip.log").write_text("no")
    daemon = serve(dirs={"context": SyncedDir(str(tmp_path), PatternMatcher(["*.log"]))})
    stream_id = daemon.call(FILE_SYNC, [("dir-name", "context")])
    stats: list[Stat | None] = []
    while True:
        packet = Packet.decode(await daemon.next_answer(stream_id) or b"")
        assert packet.type == PACKET_STAT
        stats.append(packet.stat)
        if packet.stat is None:
            break
    assert [s.path if s else None for s in stats] == ["dir", "dir/big.bin", "small.txt", None]
    big = stats[1]
    assert big is not None and big.size == 600_000 and big.uid == 0
    assert big.mode == go_mode(os.stat(tmp_path / "dir" / "big.bin").st_mode)
    daemon.send(stream_id, Packet(PACKET_REQ, id=1).encode())  # only the big file
    received = bytearray()
    while True:
        packet = Packet.decode(await daemon.next_answer(stream_id) or b"")
        assert packet.type == PACKET_DATA and packet.id == 1
        if not packet.data:
            break
        received += packet.data
    assert bytes(received) == (tmp_path / "dir" / "big.bin").read_bytes()
    daemon.send(stream_id, Packet(PACKET_FIN).encode())
    assert Packet.decode(await daemon.next_answer(stream_id) or b"x").type == PACKET_FIN
    daemon.end(stream_id)
    assert await daemon.next_answer(stream_id) is None and daemon.status(stream_id) == 0
    # A directory it was not given is refused.
    other = daemon.call(FILE_SYNC, [("dir-name", "secrets")])
    assert await daemon.next_answer(other) is None and daemon.status(other) == 5


async def test_a_local_export(serve: Any, tmp_path: Path) -> None:
    daemon = serve(export=ExportTarget("local", str(tmp_path / "out")))
    stream_id = daemon.call(FILE_SEND)
    daemon.send(stream_id, Packet(PACKET_STAT, Stat("d", go_mode(stat.S_IFDIR | 0o755))).encode())
    file_stat = Stat("d/f", go_mode(stat.S_IFREG | 0o600), size=3, mod_time=10**18)
    daemon.send(stream_id, Packet(PACKET_STAT, file_stat).encode())
    daemon.send(stream_id, Packet(PACKET_STAT).encode())
    request = Packet.decode(await daemon.next_answer(stream_id) or b"")
    assert (request.type, request.id) == (PACKET_REQ, 1)
    daemon.send(stream_id, Packet(PACKET_DATA, id=1, data=b"abc").encode())
    daemon.send(stream_id, Packet(PACKET_DATA, id=1).encode())
    assert Packet.decode(await daemon.next_answer(stream_id) or b"x").type == PACKET_FIN
    daemon.send(stream_id, Packet(PACKET_FIN).encode(), end=True)
    assert await daemon.next_answer(stream_id) is None and daemon.status(stream_id) == 0
    assert (tmp_path / "out" / "d" / "f").read_bytes() == b"abc"
    assert (tmp_path / "out" / "d" / "f").stat().st_mtime_ns == 10**18


async def test_a_tar_export_to_a_file_object(serve: Any) -> None:
    sink = io.BytesIO()
    daemon = serve(export=ExportTarget("tar", sink))
    stream_id = daemon.call(FILE_SEND)
    for part in (b"tar ", b"bytes"):
        daemon.send(stream_id, proto_bytes(1, part))
    daemon.end(stream_id)
    assert await daemon.next_answer(stream_id) is None and daemon.status(stream_id) == 0
    assert sink.getvalue() == b"tar bytes"
