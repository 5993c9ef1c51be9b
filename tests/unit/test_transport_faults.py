"""The transport against a fake daemon that misbehaves: clear errors, never a hang."""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from aiodock import Docker, DockerConnectionError, DockerError, DockerTimeoutError
from aiodock.errors import ContainerNotFound, StreamDecodeError
from aiodock.streams import FrameStream
from aiodock.transport import ByteSource

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

HEAD_CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(data)) + data


async def read_head(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


@pytest.fixture
async def fake_daemon(tmp_path: Path) -> AsyncIterator[Callable[[Handler], Awaitable[Docker]]]:
    """Start a unix-socket server running ``handler`` per connection; yield a client of it."""
    servers: list[asyncio.Server] = []
    clients: list[Docker] = []
    tasks: set[asyncio.Task[None]] = set()

    async def start(handler: Handler) -> Docker:
        path = tmp_path / f"fake{len(servers)}.sock"

        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)  # type: ignore[arg-type]
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        servers.append(await asyncio.start_unix_server(run, path=str(path)))
        client = Docker(
            f"unix://{path}", api_version="1.41", timeout=0.5, connect_timeout=1, pool_size=2
        )
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
    for task in tasks:
        task.cancel()
    for server in servers:
        server.close()
        await server.wait_closed()


async def within(seconds: float, awaitable: Awaitable[object]) -> float:
    started = time.monotonic()
    await asyncio.wait_for(awaitable, seconds)
    return time.monotonic() - started


async def test_malformed_status_line(fake_daemon: Callable[[Handler], Awaitable[Docker]]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTXP/1.1 200 OK\r\n\r\n")
        await writer.drain()

    docker = await fake_daemon(handler)
    with pytest.raises(DockerConnectionError, match="malformed"):
        await docker.version()


async def test_truncated_chunked_json_body(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(HEAD_CHUNKED + b'40\r\n{"Version": "20')
        await writer.drain()

    docker = await fake_daemon(handler)
    with pytest.raises(DockerConnectionError):
        await docker.version()


async def test_invalid_frame_header(fake_daemon: Callable[[Handler], Awaitable[Docker]]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        body = frame(1, b"fine\n") + b"\x09\x00\x00\x00\x00\x00\x00\x02ok"
        writer.write(HEAD_CHUNKED + chunk(body) + b"0\r\n\r\n")
        await writer.drain()

    docker = await fake_daemon(handler)
    stream = logs_stream(docker)
    with pytest.raises(StreamDecodeError, match="invalid frame header"):
        await stream.read()


async def test_frame_stream_cut_inside_a_frame(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        body = frame(1, b"whole\n") + frame(2, b"half of this is lost")[:12]
        writer.write(HEAD_CHUNKED + chunk(body) + b"0\r\n\r\n")
        await writer.drain()

    docker = await fake_daemon(handler)
    frames = []
    with pytest.raises(StreamDecodeError, match="ended inside a frame"):
        async for item in logs_stream(docker):
            frames.append(item)
    assert [f.data for f in frames] == [b"whole\n"]


async def test_json_stream_cut_mid_object(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        body = b'{"Type": "container", "Action": "create"}\n{"Type": "contai'
        writer.write(HEAD_CHUNKED + chunk(body) + b"0\r\n\r\n")
        await writer.drain()

    docker = await fake_daemon(handler)
    seen = []
    with pytest.raises(StreamDecodeError, match="malformed JSON"):
        async for event in docker.events():
            seen.append(event)
    assert [e.action for e in seen] == ["create"]


async def test_connection_dropped_mid_stream(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(HEAD_CHUNKED + chunk(frame(1, b"first\n")))
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.transport.abort()

    docker = await fake_daemon(handler)
    elapsed = await within(2, expect(DockerConnectionError, logs_stream(docker).read()))
    assert elapsed < 2


async def test_request_timeout_on_a_daemon_that_never_answers(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        await asyncio.sleep(30)

    docker = await fake_daemon(handler)
    elapsed = await within(3, expect(DockerTimeoutError, docker.version()))
    assert elapsed >= 0.4
    stream = logs_stream(docker)
    await within(3, expect(DockerTimeoutError, stream.read()))


async def test_quiet_stream_is_not_cut(fake_daemon: Callable[[Handler], Awaitable[Docker]]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(HEAD_CHUNKED + chunk(frame(1, b"before the pause\n")))
        await writer.drain()
        await asyncio.sleep(1.5)  # three times the client's timeout
        writer.write(chunk(frame(2, b"after the pause\n")) + b"0\r\n\r\n")
        await writer.drain()

    docker = await fake_daemon(handler)
    out, err = await logs_stream(docker).demux()
    assert (out, err) == (b"before the pause\n", b"after the pause\n")


async def test_stream_closed_on_break_releases_the_connection(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(HEAD_CHUNKED)
        for i in range(1000):
            writer.write(chunk(frame(1, b"line %d\n" % i)))
            await writer.drain()
            await asyncio.sleep(0.01)

    docker = await fake_daemon(handler)
    # The pool holds two connections: a leaked one would block the next stream.
    for _ in range(5):
        async for _frame in logs_stream(docker):
            break
    first = await asyncio.wait_for(logs_stream(docker).__anext__(), 2)
    assert first.data == b"line 0\n"


def logs_stream(docker: Docker) -> FrameStream:
    async def opener() -> ByteSource:
        return await docker.transport.request("GET", "/containers/x/logs", stream=True)

    return FrameStream(docker, opener, tty=False, what="GET /containers/x/logs")


async def expect(error: type[DockerError], awaitable: Awaitable[object]) -> None:
    with pytest.raises(error):
        await awaitable


async def test_plain_response_cut_before_its_last_chunk(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(HEAD_CHUNKED + chunk(frame(1, b"one\n")) + chunk(frame(2, b"two\n")))
        await writer.drain()
        writer.close()  # a clean close, but before the terminating zero-size chunk

    docker = await fake_daemon(handler)
    frames = []
    with pytest.raises(DockerConnectionError, match="ended before its last byte"):
        async for item in plain_logs_stream(docker):
            frames.append(item)
    assert [f.data for f in frames] == [b"one\n", b"two\n"]


async def test_plain_response_chunked_and_sized_bodies(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    body = frame(1, b"sized body\n")
    answers = [
        HEAD_CHUNKED + chunk(frame(1, b"chunked ")) + chunk(frame(1, b"body\n")) + b"0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
    ]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(answers.pop(0))
        await writer.drain()
        await asyncio.sleep(5)  # the body's own framing must end the stream, not the close

    docker = await fake_daemon(handler)
    assert await plain_logs_stream(docker).read() == b"chunked body\n"
    assert await plain_logs_stream(docker).read() == b"sized body\n"


async def test_plain_request_error_status_is_typed(
    fake_daemon: Callable[[Handler], Awaitable[Docker]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        message = b'{"message": "No such container: x"}'
        writer.write(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(message), message)
        )
        await writer.drain()

    docker = await fake_daemon(handler)
    with pytest.raises(ContainerNotFound, match="No such container: x"):
        await plain_logs_stream(docker).read()


def plain_logs_stream(docker: Docker) -> FrameStream:
    async def opener() -> ByteSource:
        return await docker.transport.open_body("GET", "/containers/x/logs")

    return FrameStream(docker, opener, tty=False, what="GET /containers/x/logs")
