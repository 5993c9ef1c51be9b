"""Hijacked (upgraded) connections: the raw bidirectional stream of exec and attach.

``POST /exec/{id}/start`` and ``POST /containers/{id}/attach`` answer ``101 UPGRADED``
(``200 OK`` without the upgrade headers) and the socket then carries the process's
stdin one way and its output the other. aiohttp has no public way to take over such a
connection, so this module opens its own socket with asyncio (the same unix path, host,
port and TLS settings as the client's session), writes the request, parses the
response head and then owns the stream. Half-closing the write side is how stdin EOF
is signalled.

TLS is done with :class:`ssl.MemoryBIO` over a plain TCP transport, because asyncio's
TLS transport cannot half-close (``write_eof`` raises ``NotImplementedError``). The
half-close then ends the TCP write side under the TLS session, as the docker CLI does.
"""

from __future__ import annotations

import asyncio
import json as _json
import ssl
from collections import deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .decoders import ChunkedDecoder
from .errors import DockerConnectionError, DockerError, DockerTimeoutError, api_error
from .utils import QueryValue, query, timeout_after

if TYPE_CHECKING:
    from .client import Docker

__all__ = [
    "HijackedConnection",
    "PlainResponse",
    "ResponseHead",
    "build_request",
    "find_head_end",
    "hijack",
    "parse_response_head",
]

MAX_HEAD_SIZE = 64 * 1024
"""Longest response head accepted before the stream starts."""

READ_HIGH_WATER = 4 * 1024 * 1024
READ_LOW_WATER = 1024 * 1024

READ_SIZE = 256 * 1024
"""Largest read from the socket."""

BACK_TO_BACK = 0.001
COALESCE_AFTER = 4
COALESCE_BELOW = 64 * 1024
COALESCE_PAUSE = 0.0005
"""When reads keep coming back to back (within ``BACK_TO_BACK`` seconds of the previous
one) and each brings less than ``COALESCE_BELOW`` bytes, the daemon is streaming many
small writes (a frame per log line, or per short pipe read): one wake-up each costs more
than the bytes are worth. Reading then pauses ``COALESCE_PAUSE`` seconds (in practice the
event loop's 1 ms resolution) between reads so that each read takes what accumulated: a
fraction of the wake-ups for the same bytes, at most that much added latency, and only
while output streams. A read of ``COALESCE_BELOW`` or more means the daemon writes that
much per pause: a longer wait would let its socket buffer (about 200 KiB) fill and stall
it, so reading goes on without pausing. Measured on 200 MiB of exec output (12 interleaved
runs each): pausing below 128 KiB cost 1-7% of wall time against the raw socket; below
64 KiB gave the raw socket's wall time or better at the same CPU, below 32 KiB about 10%
more CPU."""


class ResponseHead(NamedTuple):
    """The status line and headers of the daemon's answer (header names lower-cased)."""

    version: str
    status: int
    reason: str
    headers: dict[str, str]


def find_head_end(data: bytes | bytearray) -> int:
    """Offset just past the blank line ending the head, or ``-1`` while it is incomplete."""
    end = data.find(b"\r\n\r\n")
    if end >= 0:
        return end + 4
    end = data.find(b"\n\n")  # tolerate bare LF line ends
    return end + 2 if end >= 0 else -1


def parse_response_head(data: bytes | bytearray) -> ResponseHead:
    """Parse ``HTTP/1.1 101 UPGRADED\\r\\nName: value\\r\\n...`` (with or without the blank
    line at the end). Raises :class:`DockerError` on anything else."""
    try:
        text = bytes(data).decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise DockerError("the daemon's response head is not text") from None
    lines = text.replace("\r\n", "\n").split("\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise DockerError(f"malformed response status line from the daemon: {status_line[:200]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise DockerError(f"malformed response header from the daemon: {line[:200]!r}")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return ResponseHead(parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", headers)


def build_request(
    method: str,
    target: str,
    *,
    host: str,
    headers: Mapping[str, str],
    body: bytes = b"",
    content_type: str | None = None,
    upgrade: bool = True,
    upgrade_to: str = "tcp",
    extra_headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The bytes of an HTTP/1.1 request asking the daemon to upgrade to ``upgrade_to``
    (with ``upgrade=False``, a plain request on a connection closed after the answer).
    ``extra_headers`` are sent after ``headers``; a name may repeat there."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    skip = {"host", "connection", "upgrade", "content-length", "content-type"}
    for name, value in [*headers.items(), *extra_headers]:
        if name.lower() not in skip:
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise DockerError(f"header {name!r} contains a line break")
            lines.append(f"{name}: {value}")
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    if upgrade:
        lines.append("Connection: Upgrade")
        lines.append(f"Upgrade: {upgrade_to}")
    else:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _TLS:
    """A client TLS session over memory buffers, driven by :class:`_HijackProtocol`."""

    __slots__ = ("handshaken", "incoming", "outgoing", "sslobj")

    def __init__(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.sslobj = context.wrap_bio(
            self.incoming, self.outgoing, server_side=False, server_hostname=server_hostname
        )
        self.handshaken = False


def _retrieve(future: asyncio.Future[None]) -> None:
    """Mark a failure as seen (it is raised where it matters, or never needed)."""
    if not future.cancelled():
        future.exception()


class _HijackProtocol(asyncio.BufferedProtocol):
    """Buffers the response head, then whole chunks of the raw stream; flow control both
    ways. Nothing here parses frames: that is the decoders' job."""

    def __init__(self, loop: asyncio.AbstractEventLoop, tls: _TLS | None) -> None:
        self._loop = loop
        self._tls = tls
        self.transport: asyncio.Transport | None = None
        self._head_buf = bytearray()
        self.head: ResponseHead | None = None
        self._ready: asyncio.Future[None] = loop.create_future()
        self._ready.add_done_callback(_retrieve)
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.lost = False
        self._read_waiter: asyncio.Future[None] | None = None
        self.reading_paused = False  # by flow control: the reader is behind
        self.coalescing = False  # paused briefly to gather small writes
        self.coalesce = True
        self._last_read = -1.0
        self._streak = 0
        self._write_paused = False
        self._drain_waiters: deque[asyncio.Future[None]] = deque()
        self._pending_request: bytes | None = None
        # The transport reads straight into this buffer (``recv_into``): no allocation of
        # a maximum-size bytes object per read, which dominates when chunks are small.
        self._read_buffer = bytearray(READ_SIZE)
        self._read_view = memoryview(self._read_buffer)

    # --- transport callbacks ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self._tls is not None:
            self._tls_handshake()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._read_view

    def buffer_updated(self, nbytes: int) -> None:
        if self.coalesce:
            self._pace(nbytes)
        tls = self._tls
        if tls is None:
            self._plain_received(bytes(self._read_view[:nbytes]))
            return
        tls.incoming.write(self._read_view[:nbytes])
        if not tls.handshaken:
            self._tls_handshake()
            if not tls.handshaken:
                return
        self._tls_read()

    def _pace(self, nbytes: int) -> None:
        """Pause reading briefly while small reads stream back to back (see
        ``COALESCE_PAUSE``)."""
        now = self._loop.time()
        if now - self._last_read < BACK_TO_BACK:
            self._streak += 1
        else:
            self._streak = 0
        self._last_read = now
        transport = self.transport
        if (
            self._streak >= COALESCE_AFTER
            and nbytes < COALESCE_BELOW
            and not self.coalescing
            and transport is not None
            and not transport.is_closing()
        ):
            self.coalescing = True
            if not self.reading_paused:
                transport.pause_reading()
            self._loop.call_later(COALESCE_PAUSE, self._end_coalescing)

    def _end_coalescing(self) -> None:
        self.coalescing = False
        self._last_read = self._loop.time()
        transport = self.transport
        if not self.reading_paused and transport is not None and not transport.is_closing():
            transport.resume_reading()

    def eof_received(self) -> bool:
        self._set_eof()
        return True  # keep our write side open until we close it

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if exc is not None and self.error is None:
            self.error = exc
        self._set_eof()
        while self._drain_waiters:
            waiter = self._drain_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        while self._drain_waiters:
            waiter = self._drain_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    # --- TLS ----------------------------------------------------------------------------

    def _tls_handshake(self) -> None:
        assert self._tls is not None
        tls = self._tls
        try:
            tls.sslobj.do_handshake()
        except ssl.SSLWantReadError:
            self._tls_flush()
            return
        except ssl.SSLError as exc:
            self._fail(exc)
            return
        tls.handshaken = True
        self._tls_flush()
        if not self._ready.done() and self.head is None and self._pending_request is not None:
            request, self._pending_request = self._pending_request, None
            self.send(request)

    def _tls_read(self) -> None:
        assert self._tls is not None
        sslobj = self._tls.sslobj
        while True:
            try:
                chunk = sslobj.read(READ_SIZE)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self._set_eof()
                break
            except ssl.SSLError as exc:
                self._fail(exc)
                return
            if not chunk:
                self._set_eof()
                break
            self._plain_received(chunk)
        self._tls_flush()  # post-handshake messages may need an answer

    def _tls_flush(self) -> None:
        assert self._tls is not None
        pending = self._tls.outgoing.read()
        if pending and self.transport is not None and not self.transport.is_closing():
            self.transport.write(pending)

    # --- incoming data ------------------------------------------------------------------

    def _plain_received(self, data: bytes) -> None:
        if self.head is None:
            buf = self._head_buf
            buf += data
            end = find_head_end(buf)
            if end < 0:
                if len(buf) > MAX_HEAD_SIZE:
                    self._fail(DockerError("the daemon's response head is too long"))
                return
            try:
                self.head = parse_response_head(buf[:end])
            except DockerError as exc:
                self._fail(exc)
                return
            rest = bytes(buf[end:])
            buf.clear()
            if not self._ready.done():
                self._ready.set_result(None)
            if not rest:
                return
            data = rest
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > READ_HIGH_WATER and not self.reading_paused:
            self.reading_paused = True
            assert self.transport is not None
            if not self.coalescing:
                self.transport.pause_reading()
        self._wake_reader()

    def _set_eof(self) -> None:
        self.eof = True
        if not self._ready.done():
            self._ready.set_exception(
                self.error
                if self.error is not None
                else ConnectionResetError("the daemon closed the connection before answering")
            )
        self._wake_reader()

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        if self.transport is not None:
            self.transport.abort()
        self._set_eof()

    def _wake_reader(self) -> None:
        waiter = self._read_waiter
        if waiter is not None:
            self._read_waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # --- used by HijackedConnection -----------------------------------------------------

    async def wait_head(self) -> None:
        await self._ready

    async def wait_data(self) -> None:
        waiter = self._loop.create_future()
        self._read_waiter = waiter
        try:
            await waiter
        finally:
            self._read_waiter = None

    def send(self, data: bytes) -> None:
        transport = self.transport
        if self.error is not None:
            raise self.error
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the connection to the daemon is closed")
        tls = self._tls
        if tls is None:
            transport.write(data)
            return
        if not tls.handshaken:
            self._pending_request = (self._pending_request or b"") + data
            return
        tls.sslobj.write(data)
        self._tls_flush()

    async def drain(self) -> None:
        if self.lost:
            raise self.error or ConnectionResetError("the connection to the daemon is closed")
        if not self._write_paused:
            return
        waiter = self._loop.create_future()
        self._drain_waiters.append(waiter)
        await waiter
        if self.lost:
            raise self.error or ConnectionResetError("the connection to the daemon is closed")


class HijackedConnection:
    """An upgraded connection: ``readany()`` gives the raw output chunk by chunk (``b""`` at
    the end), ``write()``/``drain()`` send input, ``write_eof()`` half-closes.

    It has the shape streams read from (``content.readany()``, ``release()``, ``close()``),
    so a :class:`~aiodock.streams.FrameStream` can decode it directly.
    """

    def __init__(self, docker: Docker, protocol: _HijackProtocol, what: str) -> None:
        self._docker = docker
        self._protocol = protocol
        self.what = what
        self._closed = False
        self._eof_sent = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("half-closed" if self._eof_sent else "open")
        return f"<HijackedConnection {self.what} {state}>"

    @property
    def head(self) -> ResponseHead:
        """The daemon's response head (status 101 or 200)."""
        assert self._protocol.head is not None
        return self._protocol.head

    @property
    def content(self) -> HijackedConnection:
        """The readable side (this object), for code written against aiohttp responses."""
        return self

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def eof_sent(self) -> bool:
        """Whether the write side was half-closed."""
        return self._eof_sent

    def _broken(self, exc: BaseException) -> DockerConnectionError:
        return DockerConnectionError(
            f"{self.what}: connection to the daemon failed: {exc}",
            address=self._docker.address.display,
        )

    async def readany(self) -> bytes:
        """The next chunk of the stream as it arrived; ``b""`` once the daemon closed it."""
        protocol = self._protocol
        chunks = protocol.chunks
        if not chunks:
            while not chunks and not protocol.eof:
                if self._closed:
                    return b""
                await protocol.wait_data()
            if not chunks:
                if protocol.error is not None:
                    raise self._broken(protocol.error)
                return b""
        chunk = chunks.popleft()
        protocol.buffered -= len(chunk)
        if protocol.reading_paused and protocol.buffered <= READ_LOW_WATER:
            protocol.reading_paused = False
            transport = protocol.transport
            if not protocol.coalescing and transport is not None and not transport.is_closing():
                transport.resume_reading()
        return chunk

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Queue bytes for the process's stdin (see :meth:`drain`)."""
        if self._eof_sent:
            raise DockerError(f"{self.what}: stdin is already closed")
        if self._closed:
            raise self._broken(ConnectionResetError("the connection is closed"))
        if not data:
            return
        try:
            # a copy of mutable buffers: the transport may keep them until flushed
            self._protocol.send(data if isinstance(data, bytes) else bytes(data))
        except (OSError, ssl.SSLError) as exc:
            raise self._broken(exc) from exc

    async def drain(self) -> None:
        """Wait until the write buffer is small enough to write more."""
        try:
            await self._protocol.drain()
        except (OSError, ssl.SSLError) as exc:
            raise self._broken(exc) from exc

    @property
    def can_write_eof(self) -> bool:
        transport = self._protocol.transport
        return transport is not None and transport.can_write_eof()

    async def write_eof(self) -> None:
        """Flush, then half-close: the daemon sees EOF on stdin, output keeps flowing."""
        if self._eof_sent or self._closed:
            return
        await self.drain()
        transport = self._protocol.transport
        if transport is None or transport.is_closing():
            raise self._broken(ConnectionResetError("the connection is closed"))
        self._eof_sent = True
        try:
            transport.write_eof()
        except (OSError, RuntimeError) as exc:
            raise self._broken(exc) from exc

    def close(self) -> None:
        """Close the socket (safe to call twice, and from ``__del__``)."""
        if self._closed:
            return
        self._closed = True
        transport = self._protocol.transport
        if transport is not None:
            try:
                transport.abort()
            except RuntimeError:  # the event loop is already closed
                pass
        self._protocol._wake_reader()

    def release(self) -> None:
        """Same as :meth:`close`: a hijacked connection never returns to a pool."""
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()


async def _read_error_body(conn: HijackedConnection, head: ResponseHead, limit: float) -> bytes:
    """The body of a non-upgraded (error) answer, bounded in size and time."""
    length = head.headers.get("content-length")
    chunked = "chunked" in head.headers.get("transfer-encoding", "").lower()
    data = bytearray()

    async def collect() -> bytes | None:
        while True:
            if length is not None and length.isdigit() and len(data) >= int(length):
                return bytes(data[: int(length)])
            if chunked:
                body = _dechunk(data)
                if body is not None:
                    return body
            chunk = await conn.readany()
            if not chunk or len(data) > 1024 * 1024:
                return None
            data.extend(chunk)

    try:
        async with timeout_after(limit):
            body = await collect()
    except (asyncio.TimeoutError, DockerError):
        body = None
    if body is not None:
        return body
    if chunked:
        return _dechunk(data) or bytes(data)
    return bytes(data)


def _dechunk(data: bytes | bytearray) -> bytes | None:
    """Decode a complete chunked body, ``None`` while it is incomplete."""
    out = bytearray()
    pos = 0
    while True:
        line_end = data.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size_text = bytes(data[pos:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return bytes(data)
        if size == 0:
            return bytes(out)
        start = line_end + 2
        if len(data) < start + size + 2:
            return None
        out += data[start : start + size]
        pos = start + size + 2


async def hijack(
    docker: Docker,
    method: str,
    path: str,
    *,
    params: Mapping[str, QueryValue] | None = None,
    json: Any = None,
    what: str | None = None,
    upgrade: bool = True,
    upgrade_to: str = "tcp",
    headers: Sequence[tuple[str, str]] = (),
) -> HijackedConnection:
    """Send ``method path`` on a new connection asking for an upgrade to ``upgrade_to``;
    return the raw stream once the daemon answered 101 (or 200), or raise the daemon's
    typed error. ``headers`` are added to the client's own.

    ``upgrade=False`` sends a plain request instead: the connection then carries the
    answer's body as sent (see :class:`PlainResponse`)."""
    what = what or f"{method} {path}"
    url = await docker.url(path)
    if params:
        url = url.with_query(query(params))
    address = docker.address
    body = b""
    content_type = None
    if json is not None:
        body = _json.dumps(json, separators=(",", ":")).encode()
        content_type = "application/json"
    if address.unix_path is not None:
        host_header = "localhost"
    else:
        assert address.host is not None
        host = f"[{address.host}]" if ":" in address.host else address.host
        host_header = f"{host}:{address.port}"
    request = build_request(
        method, url.raw_path_qs, host=host_header, headers=docker._headers, body=body,
        content_type=content_type, upgrade=upgrade, upgrade_to=upgrade_to, extra_headers=headers,
    )  # fmt: skip

    loop = asyncio.get_running_loop()
    tls = _TLS(address.ssl, address.host) if address.ssl is not None else None
    protocol = _HijackProtocol(loop, tls)
    try:
        if address.unix_path is not None:
            connecting = loop.create_unix_connection(lambda: protocol, address.unix_path)
        else:
            assert address.host is not None and address.port is not None
            connecting = loop.create_connection(lambda: protocol, address.host, address.port)
        async with timeout_after(docker._connect_timeout):
            await connecting
    except asyncio.TimeoutError:
        raise DockerTimeoutError(
            f"{what}: connecting to the daemon at {address.display} timed out"
        ) from None
    except OSError as exc:
        raise DockerConnectionError(
            f"cannot connect to the Docker daemon: {exc.strerror or exc}", address=address.display
        ) from exc
    conn = HijackedConnection(docker, protocol, what)
    try:
        protocol.send(request)
        async with timeout_after(docker._timeout):
            await protocol.wait_head()
        head = conn.head
        if head.status not in ((101, 200) if upgrade else (200,)):
            raw = await _read_error_body(conn, head, docker._timeout or 10.0)
            message = raw.decode("utf-8", "replace").strip()
            parsed: Any = None
            if raw[:1] == b"{":
                try:
                    parsed = _json.loads(raw)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
                    message = parsed["message"]
            raise api_error(
                head.status, message or head.reason, method=method, path=path, body=parsed
            )
    except BaseException as exc:
        conn.close()
        if isinstance(exc, asyncio.TimeoutError):
            raise DockerTimeoutError(
                f"{what}: the daemon at {address.display} did not answer in time"
            ) from None
        if isinstance(exc, ssl.SSLError):
            raise DockerConnectionError(
                f"{what}: TLS with the daemon failed: {exc}", address=address.display
            ) from exc
        raise docker.translate_error(exc, what) from exc
    return conn


class PlainResponse:
    """The body of a plain (not upgraded) answer read over a connection of our own, with
    the shape streams read from (``content.readany()``, ``release()``, ``close()``).

    Reading the socket directly, in large reads paced like exec output (see
    ``COALESCE_PAUSE``), costs far less than aiohttp's per-chunk work when the daemon
    sends one tiny HTTP chunk per log line. The chunked coding is still checked: a body
    cut before its last chunk raises :class:`DockerConnectionError`, never a silent end.
    """

    def __init__(self, conn: HijackedConnection) -> None:
        self._conn = conn
        headers = conn.head.headers
        self._chunks = (
            ChunkedDecoder() if "chunked" in headers.get("transfer-encoding", "").lower() else None
        )
        length = headers.get("content-length", "")
        self._left = int(length) if self._chunks is None and length.isdigit() else None
        self._ended = False

    @property
    def content(self) -> PlainResponse:
        return self

    async def readany(self) -> bytes:
        """The next piece of the body; ``b""`` at its end."""
        chunks = self._chunks
        while not self._ended:
            data = await self._conn.readany()
            if not data:
                if (chunks is not None and not chunks.done) or self._left:
                    raise self._conn._broken(
                        ConnectionResetError("the answer ended before its last byte")
                    )
                self._ended = True
                break
            if chunks is not None:
                data = chunks.feed(data)
                self._ended = chunks.done
            elif self._left is not None:
                data = data[: self._left]
                self._left -= len(data)
                self._ended = not self._left
            if data:
                return data
        return b""

    def release(self) -> None:
        self._conn.close()

    def close(self) -> None:
        self._conn.close()


async def open_plain(
    docker: Docker, method: str, path: str, *, params: Mapping[str, QueryValue] | None = None
) -> PlainResponse:
    """Send a body-less request on a connection of our own; the answer's body as a
    :class:`PlainResponse` (typed error on a non-200 status)."""
    conn = await hijack(docker, method, path, params=params, what=f"{method} {path}",
                        upgrade=False)  # fmt: skip
    return PlainResponse(conn)
