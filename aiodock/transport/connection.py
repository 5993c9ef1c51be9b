"""Connections of our own: one request each, then the raw stream (exec, attach and build
sessions after ``101 UPGRADED``) or the body of a plain answer (logs).

aiohttp has no public way to take over an upgraded connection, and its per-chunk work
costs more than the bytes are worth when the daemon sends one HTTP chunk per log line, so
these connections are dialled by :class:`~aiodock.transport.dial.Dialer` and driven here:
:class:`StreamProtocol` buffers what arrives (with flow control both ways and the read
pacing of :mod:`~aiodock.transport.pacing`), :mod:`aiodock.transport.http11` parses the
head and de-frames bodies. Half-closing the write side is how stdin EOF is signalled.

TLS is done with :class:`ssl.MemoryBIO` over a plain TCP transport, because asyncio's TLS
transport cannot half-close (``write_eof`` raises ``NotImplementedError``). The
half-close then ends the TCP write side under the TLS session, as the docker CLI does.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from multidict import CIMultiDict

from ..errors import DockerError
from ..utils import retrieve_exception, timeout_after
from . import http11
from .http11 import ResponseHead
from .pacing import ReadPacer

__all__ = ["Connection", "ConnectionBody", "ErrorMapper", "StreamProtocol", "TLSSession"]

ErrorMapper = Callable[[BaseException, str], BaseException]
"""Turns a transport-level exception into aiodock's (``(exc, what) -> error``)."""

READ_HIGH_WATER = 4 * 1024 * 1024
READ_LOW_WATER = 1024 * 1024

READ_SIZE = 256 * 1024
"""Largest read from the socket."""

Sink = Callable[[memoryview], list[Any]]
"""A decoder's ``feed``, called on each read as it arrives (see :meth:`Connection.attach`)."""


class _ReadBuffers(threading.local):
    """One read buffer per thread, shared by every connection of its event loop: each read
    is copied out (or decoded) before the next one, so 1,000 open streams cost one buffer,
    not 1,000."""

    def __init__(self) -> None:
        self.view = memoryview(bytearray(READ_SIZE))


_READ_BUFFERS = _ReadBuffers()

_READV: Callable[[int, tuple[memoryview]], int] | None = getattr(os, "readv", None)
"""Reads a socket's bytes into a buffer where the platform has it (not on Windows)."""


class TLSSession:
    """A client TLS session over memory buffers, driven by :class:`StreamProtocol`."""

    __slots__ = ("handshaken", "incoming", "outgoing", "sslobj")

    def __init__(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.sslobj = context.wrap_bio(
            self.incoming, self.outgoing, server_side=False, server_hostname=server_hostname
        )
        self.handshaken = False


class StreamProtocol(asyncio.BufferedProtocol):
    """Buffers the response head, then whole chunks of the raw stream; flow control both
    ways. Nothing here parses frames: that is the decoders' job."""

    def __init__(self, loop: asyncio.AbstractEventLoop, tls: TLSSession | None) -> None:
        self._loop = loop
        self._tls = tls
        self.transport: asyncio.Transport | None = None
        self._head_parser = http11.HeadParser()
        self.head: ResponseHead | None = None
        self._ready: asyncio.Future[None] = loop.create_future()
        self._ready.add_done_callback(retrieve_exception)
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.lost = False
        self._read_waiter: asyncio.Future[None] | None = None
        self.reading_paused = False  # by flow control: the reader is behind
        self.coalescing = False  # paused briefly to gather small writes
        self._pacer = ReadPacer()
        self._fd = -1  # the socket's, read directly at the end of a pause (see _end_coalescing)
        self._write_paused = False
        self._drain_waiters: deque[asyncio.Future[None]] = deque()
        self._pending_request: bytes | None = None
        # The transport reads straight into this buffer (``recv_into``): no allocation of
        # a maximum-size bytes object per read, which dominates when chunks are small. It is
        # the thread's, shared with its other connections (see ``_ReadBuffers``).
        self._read_view = _READ_BUFFERS.view
        self.sink: Sink | None = None
        """With a sink (set by :meth:`Connection.attach`), what arrives after the head is
        decoded as it is read, straight from the read buffer, into ``decoded``."""
        self.decoded: deque[tuple[list[Any], int]] = deque()

    # --- transport callbacks ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and _READV is not None:
            self._fd = sock.fileno()
        if self._tls is not None:
            self._tls_handshake()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._read_view

    def buffer_updated(self, nbytes: int) -> None:
        self._pace(nbytes)
        tls = self._tls
        if tls is None:
            if self.sink is not None and self.head is not None:
                self._decode(self._read_view[:nbytes])  # no copy of the read
            else:
                self._plain_received(bytes(self._read_view[:nbytes]))
            return
        tls.incoming.write(self._read_view[:nbytes])
        if not tls.handshaken:
            self._tls_handshake()
            if not tls.handshaken:
                return
        self._tls_read()

    def _pace(self, nbytes: int) -> None:
        """Pause reading for as long as the pacer says (see :mod:`.pacing`)."""
        pause = self._pacer.pause_after(self._loop.time(), nbytes)
        transport = self.transport
        if pause and not self.coalescing and transport is not None and not transport.is_closing():
            self.coalescing = True
            if not self.reading_paused:
                transport.pause_reading()
            self._loop.call_later(pause, self._end_coalescing)

    def _end_coalescing(self) -> None:
        """End a pause. What accumulated is read here, straight from the socket, and the
        transport is resumed only when nothing waits or the pacer calls for no new pause: a
        streaming connection stays paused from one read to the next, without re-arming
        epoll twice per read and waiting a loop iteration for it to say what we know."""
        self.coalescing = False
        transport = self.transport
        if self.reading_paused or transport is None or transport.is_closing() or self.eof:
            return
        if self._fd >= 0:
            assert _READV is not None
            try:
                nbytes = _READV(self._fd, (self._read_view,))
            except (BlockingIOError, InterruptedError):
                nbytes = -1
            except OSError as exc:
                self._fail(exc)
                return
            if nbytes == 0:
                self.eof_received()  # as the transport would; it stays paused
                return
            if nbytes > 0:
                self.buffer_updated(nbytes)
                if self.coalescing or self.reading_paused or self.eof or transport.is_closing():
                    return
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
            parser = self._head_parser
            try:
                self.head = parser.feed(data)
            except DockerError as exc:
                self._fail(exc)
                return
            if self.head is None:
                return
            if not self._ready.done():
                self._ready.set_result(None)
            data = parser.trailing
            if not data:
                return
        if self.sink is not None:
            self._decode(memoryview(data))
            return
        self.chunks.append(data)
        self._buffered_more(len(data))

    def _decode(self, data: memoryview) -> None:
        """Decode a read with the sink; a decoding error ends the stream with it (after the
        items decoded before it)."""
        assert self.sink is not None
        try:
            items = self.sink(data)
        except Exception as exc:
            self._fail(exc)
            return
        if items:
            nbytes = len(data)
            self.decoded.append((items, nbytes))
            self._buffered_more(nbytes)

    def _buffered_more(self, nbytes: int) -> None:
        """Count ``nbytes`` more waiting for the reader (pausing the socket past
        ``READ_HIGH_WATER``) and wake it."""
        self.buffered += nbytes
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

    # --- used by Connection -----------------------------------------------------

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


class Connection:
    """One connection of our own after the daemon's answer head: :meth:`read_chunk` gives
    what follows it chunk by chunk (``b""`` at the end), :meth:`write`/:meth:`drain` send,
    :meth:`write_eof` half-closes. After an upgrade that is the raw stream both ways."""

    def __init__(self, protocol: StreamProtocol, what: str, map_error: ErrorMapper) -> None:
        self._protocol = protocol
        self.what = what
        self._map_error = map_error
        self._closed = False
        self._eof_sent = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("half-closed" if self._eof_sent else "open")
        return f"<Connection {self.what} {state}>"

    @property
    def head(self) -> ResponseHead:
        """The daemon's response head."""
        assert self._protocol.head is not None
        return self._protocol.head

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def eof_sent(self) -> bool:
        """Whether the write side was half-closed."""
        return self._eof_sent

    def broken(self, exc: BaseException) -> BaseException:
        """The aiodock error for ``exc`` met on this connection."""
        return self._map_error(exc, self.what)

    async def wait_head(self, timeout: float | None) -> ResponseHead:
        """Wait for the answer's head (``asyncio.TimeoutError`` after ``timeout``)."""
        async with timeout_after(timeout):
            await self._protocol.wait_head()
        return self.head

    def attach(self, sink: Sink) -> None:
        """Decode from now on with ``sink`` (a decoder's ``feed``) as the bytes are read,
        from the read buffer itself: one copy of the output less. Read the items with
        :meth:`read_items`; :meth:`read_chunk` is no longer available."""
        protocol = self._protocol
        protocol.sink = sink
        while protocol.chunks:  # what came before: decoded first, in order
            chunk = protocol.chunks.popleft()
            protocol.buffered -= len(chunk)
            protocol._decode(memoryview(chunk))

    async def read_items(self) -> list[Any] | None:
        """The items the sink decoded from the next read that gave any; ``None`` once the
        daemon closed the stream."""
        protocol = self._protocol
        decoded = protocol.decoded
        if not decoded:
            while not decoded and not protocol.eof:
                if self._closed:
                    return None
                await protocol.wait_data()
            if not decoded:
                if protocol.error is not None:
                    raise self.broken(protocol.error)
                return None
        items, nbytes = decoded.popleft()
        protocol.buffered -= nbytes
        if protocol.reading_paused and protocol.buffered <= READ_LOW_WATER:
            self._resume()
        return items

    def _resume(self) -> None:
        protocol = self._protocol
        protocol.reading_paused = False
        transport = protocol.transport
        if not protocol.coalescing and transport is not None and not transport.is_closing():
            transport.resume_reading()

    async def read_chunk(self) -> bytes:
        """The next chunk of the stream as it arrived; ``b""`` once the daemon closed it."""
        protocol = self._protocol
        if protocol.sink is not None:
            raise DockerError(f"{self.what}: the output is read by its stream (read_items)")
        chunks = protocol.chunks
        if not chunks:
            while not chunks and not protocol.eof:
                if self._closed:
                    return b""
                await protocol.wait_data()
            if not chunks:
                if protocol.error is not None:
                    raise self.broken(protocol.error)
                return b""
        chunk = chunks.popleft()
        protocol.buffered -= len(chunk)
        if protocol.reading_paused and protocol.buffered <= READ_LOW_WATER:
            self._resume()
        return chunk

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Queue bytes for the other end (see :meth:`drain`)."""
        if self._eof_sent:
            raise DockerError(f"{self.what}: stdin is already closed")
        if self._closed:
            raise self.broken(ConnectionResetError("the connection is closed"))
        if not data:
            return
        try:
            # a copy of mutable buffers: the transport may keep them until flushed
            self._protocol.send(data if isinstance(data, bytes) else bytes(data))
        except (OSError, ssl.SSLError) as exc:
            raise self.broken(exc) from exc

    async def drain(self) -> None:
        """Wait until the write buffer is small enough to write more."""
        try:
            await self._protocol.drain()
        except (OSError, ssl.SSLError) as exc:
            raise self.broken(exc) from exc

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
            raise self.broken(ConnectionResetError("the connection is closed"))
        self._eof_sent = True
        try:
            transport.write_eof()
        except (OSError, RuntimeError) as exc:
            raise self.broken(exc) from exc

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
        """Same as :meth:`close`: a connection of our own never returns to a pool."""
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()


class ConnectionBody:
    """The body of a plain answer read over a :class:`Connection`, de-framed as its head
    says: a body cut before its end raises :class:`~aiodock.errors.DockerConnectionError`,
    never a silent end. Reading the socket directly, in large paced reads, costs far less
    than aiohttp's per-chunk work when the daemon sends one tiny HTTP chunk per log line."""

    def __init__(self, conn: Connection, *, method: str = "GET") -> None:
        self._conn = conn
        self.status = conn.head.status
        self.headers = CIMultiDict(conn.head.headers)
        self._body = http11.BodyDecoder(conn.head, method=method)

    async def read_chunk(self) -> bytes:
        """The next piece of the body; ``b""`` at its end."""
        body = self._body
        while not body.done:
            data = await self._conn.read_chunk()
            if not data:
                try:
                    body.feed_eof()
                except http11.IncompleteBody as exc:
                    raise self._conn.broken(ConnectionResetError(str(exc))) from None
                break
            data = body.feed(data)
            if data:
                return data
        return b""

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body (at most ``limit`` bytes of it)."""
        parts = bytearray()
        while limit is None or len(parts) <= limit:
            chunk = await self.read_chunk()
            if not chunk:
                break
            parts += chunk
        return bytes(parts)

    def release(self) -> None:
        self._conn.close()

    def close(self) -> None:
        self._conn.close()
