"""``ByteStream``: a binary body handed on chunk by chunk (container ``export()`` and
``get_archive()``, image ``save()``), never buffered whole unless asked."""

from __future__ import annotations

import asyncio
import os
from typing import IO, TYPE_CHECKING

from .streams import Opener, ResponseStream

if TYPE_CHECKING:
    from .client import Docker

__all__ = ["ByteStream"]


class _PassThroughDecoder:
    """Hands each chunk read on unchanged: a byte stream has no framing to decode."""

    __slots__ = ()

    def feed(self, data: bytes) -> list[bytes]:
        return [data] if data else []

    def eof(self) -> None:
        return None


class ByteStream(ResponseStream[bytes]):
    """A binary body (``export()``, ``get_archive()``, ``save()``): ``async for chunk in
    stream``, ``await stream.read()``, or ``await stream.write_to(path_or_file)``. Chunks are
    handed on as they arrive; the connection is released when the stream ends or is closed."""

    def __init__(self, docker: Docker, opener: Opener, what: str) -> None:
        super().__init__(docker, opener, _PassThroughDecoder(), what)

    async def read(self) -> bytes:
        """Every byte until the end of the stream (mind the size: a large image is large)."""
        parts: list[bytes] = []
        async for chunks in self.batches():
            parts.extend(chunks)
        return b"".join(parts)

    async def write_to(self, target: str | os.PathLike[str] | IO[bytes]) -> int:
        """Write the body to a path or a binary file, chunk by chunk, off the event loop;
        returns the number of bytes written."""
        loop = asyncio.get_running_loop()
        if isinstance(target, (str, os.PathLike)):
            fh: IO[bytes] = await loop.run_in_executor(None, open, os.fspath(target), "wb")
            close = True
        else:
            fh, close = target, False
        written = 0
        try:
            async for chunks in self.batches():
                data = b"".join(chunks)
                await loop.run_in_executor(None, fh.write, data)
                written += len(data)
        finally:
            if close:
                fh.close()
        return written
