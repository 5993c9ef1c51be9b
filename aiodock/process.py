"""A process in a container, driven like :mod:`asyncio.subprocess`: exec and attach.

:class:`Process` wraps one hijacked connection (see :mod:`aiodock.transport.connection`):

- ``stdin``: a :class:`StdinWriter` (``write``, ``drain``, ``close`` half-closes), or
  ``None`` when stdin was not attached;
- ``output``: a :class:`~aiodock.streams.FrameStream` of :class:`~aiodock.decoders.Frame`
  objects (``async for``, ``read()``, ``demux()``, ``lines()``, ``batches()``);
- ``stdout`` / ``stderr``: :class:`OutputReader` objects (``read``, ``readline``,
  ``readexactly``, ``readuntil``, ``async for line``) fed from the same connection;
- ``communicate(input)``, ``wait()``, ``resize(height, width)``, ``close()``.

Read the output one way: frames taken by ``output`` do not reach ``stdout``/``stderr``.
Cancelling a read, leaving ``async with`` or calling :meth:`Process.close` closes the
socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from .cli_config import config_detach_keys
from .decoders import Frame, StreamType
from .errors import DockerConnectionError, InvalidArgument
from .resource import path_id
from .streams import FrameStream
from .transport import Connection
from .utils import AsyncClosing, QueryValue
from .versions import require

if TYPE_CHECKING:
    from .client import Docker
    from .containers import Container

__all__ = [
    "OutputReader",
    "Process",
    "ProcessOutput",
    "ProcessStarter",
    "StdinWriter",
    "attach_container",
    "attach_request",
]

ProcessKind = Literal["exec", "attach"]


class ProcessOutput(FrameStream):
    """The output of a process: a :class:`FrameStream` over its hijacked connection."""

    def __init__(self, docker: Docker, conn: Connection, *, tty: bool, what: str) -> None:
        async def opener() -> Connection:
            return conn

        super().__init__(docker, opener, tty=tty, what=what)
        self._resp = conn  # already open: the stream owns the connection from now on

    @property
    def finished(self) -> bool:
        """Whether the stream ended (or was closed)."""
        return self._finished

    async def next_batch(self, *, merge: bool = False) -> list[Frame]:
        """The frames of the next chunk that holds any; ``[]`` at the end of the stream.
        ``merge=True`` joins consecutive frames of one stream from now on (fewer, larger
        frames, for readers to whom frame boundaries do not matter)."""
        if merge:
            self._merge_frames()
        if self._index < len(self._items):
            rest = self._items[self._index :]
            self._index = len(self._items)
            return rest
        if not await self._fill():
            return []
        self._index = len(self._items)
        return self._items


class StdinWriter:
    """The process's stdin, shaped like :class:`asyncio.StreamWriter`."""

    def __init__(self, conn: Connection, what: str) -> None:
        self._conn = conn
        self._what = what

    def __repr__(self) -> str:
        return f"<StdinWriter {self._what}{' closed' if self.is_closing() else ''}>"

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Queue ``data``; call :meth:`drain` to wait for room."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidArgument(f"stdin takes bytes, not {type(data).__name__}")
        self._conn.write(data)

    def writelines(self, lines: Iterable[bytes | bytearray | memoryview]) -> None:
        for line in lines:
            self.write(line)

    async def drain(self) -> None:
        """Wait until the connection can take more (raises if it broke)."""
        await self._conn.drain()

    def can_write_eof(self) -> bool:
        return True

    async def write_eof(self) -> None:
        """Same as :meth:`close`."""
        await self.close()

    async def close(self) -> None:
        """Flush and half-close the connection: the process sees EOF on stdin while its
        output keeps coming. (For attach, see :func:`attach_container` about ``StdinOnce``.)"""
        await self._conn.write_eof()

    def is_closing(self) -> bool:
        return self._conn.eof_sent or self._conn.closed

    async def wait_closed(self) -> None:
        """Nothing to wait for once :meth:`close` returned (kept for StreamWriter parity)."""
        return None


class OutputReader:
    """One output stream (stdout or stderr), shaped like :class:`asyncio.StreamReader`.

    Reading pulls whole chunks from the connection and files each frame under its
    stream, so reading stdout alone buffers what stderr received meanwhile.
    """

    def __init__(self, process: Process, stream: StreamType) -> None:
        self._process = process
        self._stream = stream
        self._buf = bytearray()  # consolidated bytes, searched by readline/readuntil
        self._parts: list[bytes] = []  # frames received since, appended without copying
        self._size = 0  # bytes in both

    def __repr__(self) -> str:
        return f"<OutputReader {self._stream.name.lower()} buffered={self._size}>"

    def at_eof(self) -> bool:
        """Whether everything was read and the stream ended."""
        return not self._size and self._process.output.finished

    def _append(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)

    def _consolidate(self) -> bytearray:
        buf = self._buf
        for part in self._parts:
            buf += part
        self._parts.clear()
        return buf

    def _take_all(self) -> bytes:
        parts = self._parts
        if not self._buf and len(parts) == 1:
            data = parts[0]
        else:
            data = b"".join([self._buf, *parts]) if self._buf else b"".join(parts)
        self._buf = bytearray()
        parts.clear()
        self._size = 0
        return data

    def _take(self, n: int) -> bytes:
        if n >= self._size:
            return self._take_all()
        buf = self._consolidate()
        data = bytes(memoryview(buf)[:n])
        del buf[:n]
        self._size -= n
        return data

    async def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (``b""`` at EOF); with ``n < 0`` everything until EOF."""
        if n == 0:
            return b""
        if n < 0:
            while await self._process._pull():
                pass
            return self._take_all()
        while not self._size:
            if not await self._process._pull():
                break
        return self._take(n)

    async def readuntil(self, separator: bytes = b"\n") -> bytes:
        """Bytes up to and including ``separator``; raises
        :class:`asyncio.IncompleteReadError` at EOF with the partial bytes."""
        if not separator:
            raise InvalidArgument("separator must not be empty")
        start = 0
        while True:
            buf = self._consolidate()
            found = buf.find(separator, start)
            if found >= 0:
                return self._take(found + len(separator))
            start = max(0, len(buf) - len(separator) + 1)
            if not await self._process._pull():
                raise asyncio.IncompleteReadError(self._take_all(), None)

    async def readline(self) -> bytes:
        """One line with its ``\\n``; the last line may lack it; ``b""`` at EOF."""
        try:
            return await self.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            return exc.partial

    async def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes, or :class:`asyncio.IncompleteReadError` at EOF."""
        if n < 0:
            raise InvalidArgument("readexactly needs n >= 0")
        while self._size < n:
            if not await self._process._pull():
                raise asyncio.IncompleteReadError(self._take_all(), n)
        return self._take(n)

    def __aiter__(self) -> OutputReader:
        return self

    async def __anext__(self) -> bytes:
        line = await self.readline()
        if not line:
            raise StopAsyncIteration
        return line


class Process(AsyncClosing):
    """A process started by exec, or a container attached to (see module docs)."""

    def __init__(
        self,
        docker: Docker,
        conn: Connection,
        *,
        kind: ProcessKind,
        container_id: str,
        tty: bool,
        stdin: bool,
        exec_id: str | None = None,
    ) -> None:
        self._docker = docker
        self._conn = conn
        self.kind: ProcessKind = kind
        self.container_id = container_id
        self.exec_id = exec_id
        self.tty = tty
        what = f"exec {exec_id}" if kind == "exec" else f"attach {container_id[:12]}"
        self._what = what
        self.output = ProcessOutput(docker, conn, tty=tty, what=what)
        self.stdin: StdinWriter | None = StdinWriter(conn, what) if stdin else None
        self.stdout = OutputReader(self, StreamType.STDOUT)
        self.stderr = OutputReader(self, StreamType.STDERR)
        self.returncode: int | None = None
        """The exit code once :meth:`wait` found it, else ``None``."""
        self._pull_lock = asyncio.Lock()
        self._pulls = 0

    def __repr__(self) -> str:
        return f"<Process {self._what} tty={self.tty} returncode={self.returncode}>"

    @property
    def id(self) -> str:
        """The exec id (for exec) or the container id (for attach)."""
        return self.exec_id if self.exec_id is not None else self.container_id

    @property
    def connection(self) -> Connection:
        """The hijacked connection itself (raw ``read_chunk``/``write``/``write_eof``)."""
        return self._conn

    async def _pull(self) -> bool:
        """Read the next chunk of output into the stdout/stderr buffers; ``False`` at EOF."""
        seen = self._pulls
        async with self._pull_lock:
            if self._pulls != seen:
                return True  # another reader pulled meanwhile: look at the buffers again
            frames = await self.output.next_batch(merge=True)
            self._pulls += 1
            if not frames:
                return False
            out = self.stdout._append
            err = self.stderr._append
            for stream, data in frames:
                if stream is StreamType.STDERR:
                    err(data)
                else:
                    out(data)
            return True

    async def communicate(self, input: bytes | None = None) -> tuple[bytes, bytes]:
        """Send ``input`` (if given), close stdin, read all output: ``(stdout, stderr)``.

        Writing and reading run together, so large input and output cannot block each
        other. Like asyncio, a process that exits without reading its input is not an
        error.
        """
        if input is not None and self.stdin is None:
            raise InvalidArgument("communicate(input=...) needs a process started with stdin=True")
        feeder: asyncio.Task[None] | None = None
        if self.stdin is not None and not self.stdin.is_closing():
            feeder = asyncio.ensure_future(self._feed(self.stdin, input))
        try:
            while await self._pull():
                pass
        except BaseException:
            if feeder is not None:
                feeder.cancel()
            raise
        if feeder is not None:
            await feeder
        return self.stdout._take_all(), self.stderr._take_all()

    @staticmethod
    async def _feed(stdin: StdinWriter, data: bytes | None) -> None:
        try:
            if data:
                stdin.write(data)
                await stdin.drain()
            await stdin.close()
        except (DockerConnectionError, ConnectionError):
            pass  # the process is gone, or stopped reading: its output tells the rest

    async def wait(self) -> int:
        """The exit code, once the process has exited.

        For exec it comes from the exec's inspect data (polled until it stopped
        running); for attach from ``POST /containers/{id}/wait``. Read the output
        meanwhile if the process writes a lot: an unread connection stalls it.
        """
        if self.returncode is not None:
            return self.returncode
        if self.kind == "attach":
            result = await self._container().wait()
            self.returncode = int(result["StatusCode"])
            return self.returncode
        assert self.exec_id is not None
        delay = 0.005
        while True:
            info = await self._docker.exec.inspect(self.exec_id)
            code = info.get("ExitCode")
            if not info.get("Running") and code is not None:
                self.returncode = int(code)
                return self.returncode
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)

    async def inspect(self) -> dict[str, Any]:
        """The exec's inspect data (exec), or the container's (attach)."""
        if self.exec_id is not None:
            return dict(await self._docker.exec.inspect(self.exec_id))
        return (await self._docker.containers.get(self.container_id)).attrs

    def _container(self) -> Container:
        from .containers import Container

        return Container(self._docker, {"Id": self.container_id})

    async def resize(self, height: int, width: int) -> None:
        """Set the TTY's size in characters (needs ``tty=True``)."""
        for name, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgument(f"{name} must be a positive integer, not {value!r}")
        if not self.tty:
            raise InvalidArgument(f"{self._what}: resize needs a TTY (tty=True)")
        if self.exec_id is not None:
            await self._docker.exec.resize(self.exec_id, height, width)
        else:
            await self._container().resize(height, width)

    async def close(self) -> None:
        """Close the connection (safe to call twice). This does not stop the process:
        the Engine API cannot signal an exec process and the daemon keeps it running (one
        reading stdin sees EOF)."""
        await self.output.close()
        self._conn.close()

    @property
    def closed(self) -> bool:
        return self._conn.closed


class ProcessStarter:
    """What ``exec.process(...)``/``attach(...)`` return: ``async with`` it for a
    :class:`Process` closed on exit, or ``await`` it for one you close yourself."""

    def __init__(self, start: Callable[[], Awaitable[Process]]) -> None:
        self._start = start
        self._process: Process | None = None

    def __await__(self) -> Generator[Any, None, Process]:
        return self._start().__await__()

    async def __aenter__(self) -> Process:
        self._process = await self._start()
        return self._process

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is not None:
            await process.close()


def attach_request(
    container_id: str,
    *,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    logs: bool,
    stream: bool,
    detach_keys: str | None = None,
) -> tuple[str, dict[str, QueryValue]]:
    """The path and query of ``POST /containers/{id}/attach`` (hijacked or not)."""
    params: dict[str, QueryValue] = {
        "stdin": stdin,
        "stdout": stdout,
        "stderr": stderr,
        "logs": logs,
        "stream": stream,
        "detachKeys": detach_keys,
    }
    return f"/containers/{path_id(container_id)}/attach", params


def attach_container(
    docker: Docker,
    container_id: str,
    *,
    stdin: bool = False,
    stdout: bool = True,
    stderr: bool = True,
    logs: bool = False,
    stream: bool = True,
    detach_keys: str | None = None,
) -> ProcessStarter:
    """Attach to a container: ``async with attach_container(...) as proc``.

    The TTY setting comes from the container's ``Config.Tty``. ``logs=True`` replays
    the output so far first; ``stream=False`` ends after that. ``proc.wait()`` gives the
    container's exit status.

    Closing stdin (``await proc.stdin.close()``) closes the container's stdin only when
    it was created with ``StdinOnce: true`` (and ``OpenStdin: true``); otherwise the
    daemon ends the whole attach on that EOF, output included, and the container keeps
    running.
    """
    if not isinstance(container_id, str) or not container_id:
        raise InvalidArgument(f"container_id must be a non-empty string, not {container_id!r}")
    if not stream and not logs:
        raise InvalidArgument("attach needs stream=True or logs=True, or there is nothing to read")
    if detach_keys is not None and not isinstance(detach_keys, str):
        raise InvalidArgument(f"detach_keys must be a string, not {detach_keys!r}")

    async def start() -> Process:
        if logs:
            await require(docker, "attach.logs")
        info = (await docker.containers.get(container_id)).attrs
        full_id = str(info.get("Id") or container_id)
        tty = bool((info.get("Config") or {}).get("Tty"))
        path, params = attach_request(
            full_id, stdin=stdin, stdout=stdout, stderr=stderr, logs=logs, stream=stream,
            detach_keys=config_detach_keys(docker) if detach_keys is None else detach_keys,
        )  # fmt: skip
        conn = await docker.transport.upgrade(
            "POST", path, params=params, what=f"attach {full_id[:12]}"
        )
        return Process(docker, conn, kind="attach", container_id=full_id, tty=tty, stdin=stdin)

    return ProcessStarter(start)
