"""What the low-level methods give back, converted from the managers' streams into
docker-py's shapes, and the ids they take (docker-py's ``check_resource``).

Each output object is awaitable (docker-py's non-streaming result) and async-iterable
(what docker-py's generator yields), and an async context manager closing its connection;
use one of the two ways, once.
"""

from __future__ import annotations

import json
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Mapping,
)
from typing import Any, Final, Generic, TypeVar

from ..byte_stream import ByteStream
from ..decoders import StreamType
from ..errors import InvalidArgument
from ..resource import Resource
from ..streams import FrameStream, ResponseStream
from ..utils import AsyncClosing

__all__ = ["ChunkOutput", "JSONOutput", "OutputStream", "resource_id"]

T = TypeVar("T")

DEFAULT_DATA_CHUNK_SIZE: Final = 2 * 1024 * 1024
"""docker-py's ``chunk_size`` default (2 MiB)."""

Demuxed = tuple[bytes | None, bytes | None]


def resource_id(value: Any, what: str) -> str:
    """An id or name given as docker-py takes it: a string, or a dict with ``Id``/``ID``
    (an answer of ``create_container``, ``exec_create``, ...); a handle gives its id."""
    if isinstance(value, Resource):
        value = value.id
    elif isinstance(value, Mapping):
        value = value.get("Id") or value.get("ID")
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{what}: an id or name is required, not {value!r}")
    return value


async def async_chunks(data: Any) -> AsyncIterator[bytes]:
    """A sync iterable of bytes (docker-py's generator bodies) as an async iterator."""
    for chunk in data:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise InvalidArgument(f"data: the iterable gave {type(chunk).__name__}, not bytes")
        yield bytes(chunk)


def as_body(data: Any) -> Any:
    """A request body docker-py accepts: bytes, a file, an async iterable, or a sync
    iterable of bytes (made async)."""
    if isinstance(data, (bytes, bytearray, memoryview, str, AsyncIterable)) or hasattr(
        data, "read"
    ):
        return data
    if isinstance(data, Iterable):
        return async_chunks(data)
    return data


FrameSource = Callable[[], Awaitable[tuple[FrameStream, Callable[[], Awaitable[None]]] | None]]
"""Opens the output: the frame stream and what closes it (and its process); ``None`` when
there is no output to read."""


class OutputStream(AsyncClosing):
    """Container or exec output as docker-py gives it: awaited, every byte (``(stdout,
    stderr)`` with ``demux``, each ``None`` when that stream said nothing); iterated, the
    chunks as they come (``(stdout, None)`` / ``(None, stderr)`` pairs with ``demux``)."""

    def __init__(self, source: FrameSource, *, demux: bool = False) -> None:
        self._source = source
        self._demux = demux
        self._frames: FrameStream | None = None
        self._close: Callable[[], Awaitable[None]] | None = None
        self._done = False

    async def _open(self) -> FrameStream | None:
        if self._frames is None and not self._done:
            opened = await self._source()
            if opened is None:
                self._done = True
                return None
            self._frames, self._close = opened
        return self._frames

    async def _all(self) -> bytes | Demuxed:
        try:
            frames = await self._open()
            if frames is None:
                return (None, None) if self._demux else b""
            if self._demux:
                out, err = await frames.demux()
                return out or None, err or None
            return await frames.read()
        finally:
            await self.close()

    def __await__(self) -> Generator[Any, None, bytes | Demuxed]:
        return self._all().__await__()

    async def __aenter__(self) -> OutputStream:
        """Open the output now (attached from here on)."""
        await self._open()
        return self

    def __aiter__(self) -> OutputStream:
        return self

    async def __anext__(self) -> bytes | Demuxed:
        if self._done:
            raise StopAsyncIteration
        try:
            frames = await self._open()
            if frames is None:
                raise StopAsyncIteration
            frame = await frames.__anext__()
        except BaseException:
            await self.close()
            raise
        if not self._demux:
            return frame.data
        return (None, frame.data) if frame.stream is StreamType.STDERR else (frame.data, None)

    async def close(self) -> None:
        """Close the connection (and the attach or exec process): safe to call twice."""
        self._done = True
        close, self._close = self._close, None
        if close is not None:
            await close()


def _json_line(item: Any, newline: bytes) -> bytes:
    return json.dumps(item, separators=(",", ":")).encode() + newline


class JSONOutput(AsyncClosing, Generic[T]):
    """A JSON stream as docker-py gives it: iterated, each object as bytes (a JSON line)
    or, with ``decode``, as a dict; awaited, the whole answer as text (docker-py's
    non-streaming ``pull``, ``push``, ``import_image``). An error object raises, as the
    managers' streams do."""

    def __init__(
        self, stream: ResponseStream[T], *, decode: bool, newline: bytes = b"\r\n"
    ) -> None:
        self._stream = stream
        self._decode = decode
        self._newline = newline

    async def _text(self) -> str:
        parts: list[bytes] = []
        try:
            async for batch in self._stream.batches():
                parts.extend(_json_line(item, self._newline) for item in batch)
        finally:
            await self._stream.close()
        return b"".join(parts).decode()

    def __await__(self) -> Generator[Any, None, str]:
        return self._text().__await__()

    async def __aenter__(self) -> JSONOutput[T]:
        """Send the request now."""
        await self._stream.open()
        return self

    def __aiter__(self) -> JSONOutput[T]:
        return self

    async def __anext__(self) -> Any:
        item = await self._stream.__anext__()
        return item if self._decode else _json_line(item, self._newline)

    async def close(self) -> None:
        """Close the connection (safe to call twice)."""
        await self._stream.close()


class ChunkOutput(AsyncClosing):
    """A binary body as docker-py gives it: iterated, chunks of ``chunk_size`` bytes (the
    last shorter; as they arrive with ``chunk_size=None``); awaited, every byte."""

    def __init__(self, stream: ByteStream, chunk_size: int | None) -> None:
        if chunk_size is not None and (
            isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
        ):
            raise InvalidArgument(
                f"chunk_size: expected a positive integer or None, not {chunk_size!r}"
            )
        self._stream = stream
        self._size = chunk_size
        self._buffer = bytearray()
        self._ended = False

    @property
    def stream(self) -> ByteStream:
        """The byte stream underneath (``write_to(path)``, ``read()``)."""
        return self._stream

    def __await__(self) -> Generator[Any, None, bytes]:
        return self._stream.read().__await__()

    async def __aenter__(self) -> ChunkOutput:
        """Send the request now."""
        await self._stream.open()
        return self

    def __aiter__(self) -> ChunkOutput:
        return self

    async def __anext__(self) -> bytes:
        if self._size is None:
            return await self._stream.__anext__()
        while not self._ended and len(self._buffer) < self._size:
            try:
                self._buffer += await self._stream.__anext__()
            except StopAsyncIteration:
                self._ended = True
        if not self._buffer:
            raise StopAsyncIteration
        chunk = bytes(self._buffer[: self._size])
        del self._buffer[: self._size]
        return chunk

    async def close(self) -> None:
        """Close the connection (safe to call twice)."""
        await self._stream.close()
