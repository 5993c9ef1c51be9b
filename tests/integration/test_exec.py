"""Exec as a process: stdin with half-close, large output, TTY resize, exec_run, cancellation,
and the same over plain TCP and TLS (through a local forwarder to the daemon's socket)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aiodock import Docker, DockerConnectionError, InvalidArgument, NotFound, StreamType, TLSConfig
from aiodock.containers import Container
from aiodock.exec import ExecResult
from aiodock.process import Process
from aiodock.streams import FrameStream

from ..conftest import daemon_socket, open_fds, unavailable
from ..engines import Engine


@pytest.fixture
async def container(
    docker: Docker, labels: dict[str, str], test_image: str
) -> AsyncIterator[Container]:
    """A running busybox container (no network) that sleeps until removed."""
    created = await docker.transport.json(
        "POST",
        "/containers/create",
        json={
            "Image": test_image,
            "Cmd": ["sleep", "3600"],
            "Labels": labels,
            "HostConfig": {"NetworkMode": "none"},
        },
    )
    cid = created["Id"]
    try:
        await docker.transport.call("POST", f"/containers/{cid}/start")
        yield Container(docker, {"Id": cid})
    finally:
        await docker.transport.call("DELETE", f"/containers/{cid}", params={"force": True})


async def test_stdin_10mb_every_byte_value_round_trips_through_cat(container: Container) -> None:
    data = bytes(range(256)) * (10 * 1024 * 1024 // 256)
    async with container.exec(["cat"], stdin=True) as proc:
        assert proc.stdin is not None

        async def feed() -> None:
            assert proc.stdin is not None
            view = memoryview(data)
            for start in range(0, len(data), 1 << 20):
                proc.stdin.write(view[start : start + (1 << 20)])
                await proc.stdin.drain()
            await proc.stdin.close()  # half-close: cat sees EOF, its output keeps coming

        _, out = await asyncio.wait_for(asyncio.gather(feed(), proc.stdout.read()), 60)
        assert len(out) == len(data)
        assert out == data
        assert await proc.stderr.read() == b""
        assert await proc.wait() == 0
        assert proc.returncode == 0


async def test_communicate_sends_input_and_output_continues_after_stdin_eof(
    container: Container,
) -> None:
    async with container.exec(["sh", "-c", "cat && echo closeIO >&2"], stdin=True) as proc:
        out, err = await asyncio.wait_for(proc.communicate(b"hello\n"), 10)
        assert (out, err) == (b"hello\n", b"closeIO\n")
        assert await proc.wait() == 0


async def test_30mb_output_streams_exactly(container: Container) -> None:
    size = 30 * 1024 * 1024
    script = (
        f"head -c {size} /dev/urandom > /tmp/big && cat /tmp/big && "
        "sha256sum /tmp/big >&2 && rm /tmp/big"
    )
    digest = hashlib.sha256()
    received = 0
    err = bytearray()
    async with container.exec(["sh", "-c", script]) as proc:
        async for stream, data in proc.output:
            if stream is StreamType.STDOUT:
                digest.update(data)
                received += len(data)
            else:
                err += data
        assert await proc.wait() == 0
    assert received == size
    assert err.split()[0].decode() == digest.hexdigest()


async def test_unread_output_pauses_reading_then_resumes_without_loss(
    container: Container,
) -> None:
    size = 24 * 1024 * 1024
    async with container.exec(["head", "-c", str(size), "/dev/zero"]) as proc:
        protocol = proc.connection._protocol
        for _ in range(1000):  # nobody reads: the connection stops reading at its high water
            if protocol.reading_paused:
                break
            await asyncio.sleep(0.01)
        assert protocol.reading_paused
        assert protocol.buffered < size
        data = await proc.stdout.read()
        assert len(data) == size
        assert data.count(0) == size
        assert await proc.wait() == 0


async def test_tty_resize_is_seen_by_stty(container: Container) -> None:
    script = "read ready; read line; stty size"
    async with container.exec(["sh", "-c", script], stdin=True, tty=True) as proc:
        assert proc.tty and proc.stdin is not None
        proc.stdin.write(b"ready\n")  # its echo says the shell runs on its terminal ...
        await proc.stdin.drain()
        assert b"ready" in await asyncio.wait_for(proc.stdout.readline(), 10)
        await proc.resize(height=33, width=121)  # ... so the resize reaches it
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        output = await asyncio.wait_for(proc.output.read(), 10)
        assert b"33 121" in output
        assert await proc.wait() == 0
    # the low-level call reaches the same endpoint
    exec_id = await container.docker.exec.create(container.id, ["sleep", "5"], tty=True)
    proc2 = await container.docker.exec.start(exec_id, tty=True)
    try:
        await container.docker.exec.resize(exec_id, 10, 20)
    finally:
        await proc2.close()


async def test_resize_without_tty_is_refused_locally(container: Container) -> None:
    async with container.exec(["true"]) as proc:
        with pytest.raises(InvalidArgument, match="TTY"):
            await proc.resize(10, 10)
        with pytest.raises(InvalidArgument, match="height"):
            await proc.resize(0, 10)
        assert await proc.wait() == 0


async def test_exec_run_demux_environment_workdir_user_and_exit_code(container: Container) -> None:
    result = await container.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
    assert isinstance(result, ExecResult)
    assert result == (0, (b"out\n", b"err\n"))
    result = await container.exec_run(["sh", "-c", "echo only-out"], demux=True)
    assert result.output == (b"only-out\n", None)  # docker-py: None for a silent stream

    result = await container.exec_run(
        "sh -c 'echo $A-$B; pwd'", environment={"A": "1", "B": "two"}, workdir="/tmp"
    )
    assert result == (0, b"1-two\n/tmp\n")
    result = await container.exec_run(["sh", "-c", "echo $C"], environment=["C=list"])
    assert result.output == b"list\n"
    result = await container.exec_run(["id", "-u"], user="nobody")
    assert result.output.strip() == b"65534"

    result = await container.exec_run(["sh", "-c", "echo failing; exit 7"])
    assert result.exit_code == 7
    assert result.output == b"failing\n"
    result = await container.exec_run(["no-such-program"])
    assert result.exit_code not in (0, None)

    result = await container.exec_run(["sh", "-c", "echo out; echo err >&2"], stderr=False)
    assert result.output == b"out\n"
    result = await container.exec_run(["sh", "-c", "echo tty"], tty=True)
    assert result == (0, b"tty\r\n")


async def test_exec_run_stream_detach_and_socket(container: Container) -> None:
    result = await container.exec_run(["sh", "-c", "echo a; echo b >&2"], stream=True)
    assert result.exit_code is None
    assert isinstance(result.output, FrameStream)
    async with result.output as frames:
        got = sorted([frame async for frame in frames])
    assert got == [(StreamType.STDOUT, b"a\n"), (StreamType.STDERR, b"b\n")]

    result = await container.exec_run(["sh", "-c", "echo x > /tmp/detached"], detach=True)
    assert result == (None, b"")
    check = await container.exec_run(["sh", "-c", "while ! cat /tmp/detached; do :; done"])
    assert check.output == b"x\n"

    result = await container.exec_run(["cat"], stdin=True, socket=True)
    assert result.exit_code is None
    proc = result.output
    assert isinstance(proc, Process)
    async with proc:
        assert await proc.communicate(b"via socket") == (b"via socket", b"")


async def test_stdout_and_stderr_readers(container: Container) -> None:
    script = "echo one; echo two >&2; printf 'three\\nfour'"
    async with container.exec(["sh", "-c", script]) as proc:
        assert await proc.stdout.readline() == b"one\n"
        assert [line async for line in proc.stdout] == [b"three\n", b"four"]
        assert proc.stdout.at_eof()
        assert await proc.stderr.readexactly(4) == b"two\n"
        with pytest.raises(asyncio.IncompleteReadError):
            await proc.stderr.readexactly(1)
        assert await proc.wait() == 0


async def test_lines_of_output(container: Container) -> None:
    async with container.exec(["sh", "-c", "echo a; echo b >&2; echo c"]) as proc:
        lines = [item async for item in proc.output.lines()]
    assert sorted(lines) == [
        (StreamType.STDOUT, "a"),
        (StreamType.STDOUT, "c"),
        (StreamType.STDERR, "b"),
    ]


async def test_low_level_create_start_inspect(
    docker: Docker, container: Container, engine: Engine
) -> None:
    exec_id = await docker.exec.create(container.id, ["sh", "-c", "exit 4"])
    info = await docker.exec.inspect(exec_id)
    assert info["ID"] == exec_id
    assert info["Running"] is False
    proc = await docker.exec.start(exec_id)  # tty read from the exec's inspect data
    async with proc:
        assert proc.tty is False
        assert await proc.output.read() == b""
        assert await proc.wait() == 4
    assert (await docker.exec.inspect(exec_id))["ExitCode"] == 4

    exec_id = await docker.exec.create(container.id, ["sh", "-c", "exit 6"])
    await docker.exec.start(exec_id, detach=True)
    if engine.lacks("exec-detached-exit") is None:
        for _ in range(1000):  # poll until the detached exec has run
            info = await docker.exec.inspect(exec_id)
            if not info["Running"] and info["Pid"]:
                break
            await asyncio.sleep(0.01)
        assert info["ExitCode"] == 6
    with pytest.raises(NotFound):
        await docker.exec.inspect("no-such-exec")
    with pytest.raises(NotFound):
        await docker.exec.start("no-such-exec", tty=False)  # error from the upgrade request


async def test_bad_arguments_raise_before_any_request(docker: Docker, container: Container) -> None:
    with pytest.raises(InvalidArgument, match="environment"):
        container.exec(["ls"], environment={"A": object()})
    with pytest.raises(InvalidArgument, match="cmd"):
        container.exec([])
    with pytest.raises(InvalidArgument, match="user"):
        await container.exec_run(["ls"], user=5)
    with pytest.raises(InvalidArgument, match="demux"):
        await container.exec_run(["ls"], demux="yes")
    with pytest.raises(NotFound):
        await docker.exec.run("aiodock-no-such-container", ["ls"])


async def test_cancelling_readers_releases_connections(
    docker: Docker, container: Container
) -> None:
    loop_script = "while :; do echo tick; sleep 0.05; done"
    assert (await container.exec_run(["true"])).exit_code == 0  # warm the pool
    before = open_fds()
    procs: list[Process] = []
    for i in range(50):
        proc = await container.exec(["sh", "-c", loop_script])
        procs.append(proc)
        first = asyncio.Event()

        async def consume(proc: Process = proc, first: asyncio.Event = first, i: int = i) -> None:
            if i % 2:
                async for _ in proc.output:
                    first.set()
            else:
                while await proc.stdout.readline():
                    first.set()

        task = asyncio.ensure_future(consume())
        await asyncio.wait_for(first.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert proc.closed
    assert open_fds() <= before + 1
    assert all(proc.closed for proc in procs)
    result = await container.exec_run(["echo", "still usable"])
    assert result == (0, b"still usable\n")
    assert await docker.ping()


async def test_block_exit_closes_the_connection(docker: Docker, container: Container) -> None:
    before = open_fds()
    with pytest.raises(RuntimeError):
        async with container.exec(["sleep", "30"], stdin=True) as proc:
            raise RuntimeError("leave the block")
    assert proc.closed
    assert open_fds() <= before + 1


async def test_unreachable_daemon_names_the_address() -> None:
    async with Docker("unix:///tmp/aiodock-no-such.sock", api_version="1.41") as bad:
        with pytest.raises(DockerConnectionError, match=r"aiodock-no-such\.sock"):
            await bad.exec.start("abc", tty=False)


# --- TCP and TLS: a local forwarder in front of the daemon's unix socket ---------------------


async def _forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(262144):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # pass half-closes on
    except (ConnectionError, OSError):
        writer.close()


class _TLSForwarder(asyncio.Protocol):
    """Server side of TLS over memory buffers, so that a client's half-close reaches the
    daemon as a half-close (asyncio's own TLS server shuts the whole session down)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self._handshaken = False
        self._transport: asyncio.Transport | None = None
        self._daemon: asyncio.StreamWriter | None = None
        self._pending = bytearray()
        self._eof = False
        self._task: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._task = asyncio.ensure_future(self._pump_from_daemon())

    def _flush(self) -> None:
        assert self._transport is not None
        data = self._outgoing.read()
        if data and not self._transport.is_closing():
            self._transport.write(data)

    def data_received(self, data: bytes) -> None:
        self._incoming.write(data)
        if not self._handshaken:
            try:
                self._tls.do_handshake()
                self._handshaken = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                assert self._transport is not None
                self._transport.close()
                return
            self._flush()
        while self._handshaken:
            try:
                plain = self._tls.read(262144)
            except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
                break
            if not plain:  # the client's close_notify
                break
            self._to_daemon(plain)
        self._flush()

    def _to_daemon(self, plain: bytes) -> None:
        if self._daemon is None:
            self._pending += plain
        else:
            self._daemon.write(plain)

    def eof_received(self) -> bool:
        self._eof = True
        if self._daemon is not None and self._daemon.can_write_eof():
            self._daemon.write_eof()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self._daemon is not None:
            self._daemon.close()
        if self._task is not None:
            self._task.cancel()  # the client is gone: so is the daemon side

    async def aclose(self) -> None:
        """End the connection and its pump (at the test's end, whatever the daemon does)."""
        if self._transport is not None:
            self._transport.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await self._task

    async def _pump_from_daemon(self) -> None:
        reader, writer = await asyncio.open_unix_connection(daemon_socket())
        self._daemon = writer
        writer.write(bytes(self._pending))
        if self._eof:
            writer.write_eof()
        assert self._transport is not None
        try:
            while data := await reader.read(262144):
                self._tls.write(data)
                self._flush()
        finally:
            writer.close()
            self._transport.close()


async def _serve_forwarder(
    ssl_context: ssl.SSLContext | None, connections: list[_TLSForwarder]
) -> tuple[asyncio.AbstractServer, int]:
    """A forwarder on a free loopback port; its TLS connections are added to ``connections``
    (for :func:`_stop_forwarder`)."""

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        daemon_r, daemon_w = await asyncio.open_unix_connection(daemon_socket())
        try:
            await asyncio.gather(_forward(client_r, daemon_w), _forward(daemon_r, client_w))
        finally:
            daemon_w.close()
            client_w.close()

    loop = asyncio.get_running_loop()
    if ssl_context is None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
    else:
        context = ssl_context

        def connection() -> _TLSForwarder:
            connections.append(_TLSForwarder(context))
            return connections[-1]

        server = await loop.create_server(connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port


async def _stop_forwarder(server: asyncio.AbstractServer, connections: list[_TLSForwarder]) -> None:
    server.close()
    for forwarder in connections:
        await forwarder.aclose()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        unavailable("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def _exercise(client: Docker, container_id: str) -> None:
    data = bytes(range(256)) * 8192  # 2 MiB
    async with client.exec.process(
        container_id, ["sh", "-c", "cat; echo closeIO"], stdin=True
    ) as proc:
        out, err = await asyncio.wait_for(proc.communicate(data), 30)
        assert out == data + b"closeIO\n"
        assert err == b""
        assert await proc.wait() == 0
    result = await client.exec.run(
        container_id, ["sh", "-c", "echo o; echo e >&2; exit 3"], demux=True
    )
    assert result == (3, (b"o\n", b"e\n"))


async def test_exec_over_tcp(container: Container) -> None:
    server, port = await _serve_forwarder(None, [])
    try:
        async with Docker(f"tcp://127.0.0.1:{port}", tls=False) as client:
            await _exercise(client, container.id)
    finally:
        server.close()


async def test_exec_over_tls(container: Container, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    connections: list[_TLSForwarder] = []
    server, port = await _serve_forwarder(server_context, connections)
    try:
        async with Docker(f"tcp://127.0.0.1:{port}", tls=TLSConfig(ca_cert=cert)) as client:
            await _exercise(client, container.id)
        async with Docker(f"tcp://127.0.0.1:{port}", tls=TLSConfig(), api_version="1.41") as bad:
            with pytest.raises(DockerConnectionError, match="TLS"):
                await bad.exec.start("abc", tty=False)  # the certificate is not trusted
    finally:
        await _stop_forwarder(server, connections)
