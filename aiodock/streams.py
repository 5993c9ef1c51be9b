"""Stream objects returned by streaming calls: async iterators and async context managers.

A stream opens its answer (a :class:`~aiodock.transport.ByteSource`) on first use, feeds
whole chunks to a sans-IO decoder from :mod:`aiodock.decoders`, and hands out the decoded
items. Leaving ``async with``, an error, cancellation, or dropping the last reference
(``break`` out of ``async for``) closes the answer, so no connection stays held.
"""

from __future__ import annotations

import codecs
import io
import operator
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .decoders import Frame, FrameDecoder, JSONStreamDecoder, RawDecoder, StreamType
from .errors import APIError, DaemonStreamError
from .transport import ByteSource
from .utils import AsyncClosing

if TYPE_CHECKING:
    from .client import Docker

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S", bound="ResponseStream[Any]")
Items = TypeVar("Items", bound="ItemStream[Any]")

_STREAM_OF = operator.itemgetter(0)  # a Frame's stream


class Decoder(Protocol):
    def feed(self, data: bytes) -> list[Any]: ...

    def eof(self) -> Any: ...


Opener = Callable[[], Awaitable[ByteSource]]


class ItemStream(AsyncClosing, Generic[T]):
    """Items handed out a batch at a time: ``async for`` and :meth:`batches` over what
    :meth:`_fill` puts in ``_items``."""

    _items: list[T]
    _index: int

    async def _fill(self) -> bool:
        """Put the next batch in ``_items``; ``False`` at the end of the stream."""
        raise NotImplementedError

    def _abandon(self) -> None:
        """Let go of the source when :meth:`batches` is left before the end."""
        raise NotImplementedError

    def __aiter__(self: Items) -> Items:
        return self

    async def __anext__(self) -> T:
        items = self._items
        index = self._index
        if index < len(items):
            self._index = index + 1
            return items[index]
        if not await self._fill():
            raise StopAsyncIteration
        self._index = 1
        return self._items[0]

    async def batches(self) -> AsyncIterator[list[T]]:
        """Yield items a chunk at a time: the fastest way through a busy stream."""
        if self._index < len(self._items):
            rest = self._items[self._index :]
            self._index = len(self._items)
            yield rest
        try:
            while await self._fill():
                self._index = len(self._items)
                yield self._items
        finally:
            self._abandon()


class ResponseStream(ItemStream[T]):
    """Base of every stream: opens lazily, decodes chunk by chunk, closes on every exit."""

    def __init__(self, docker: Docker, opener: Opener, decoder: Decoder, what: str) -> None:
        self._docker = docker
        self._opener = opener
        self._decoder = decoder
        self._what = what
        self._resp: ByteSource | None = None
        self._feed: Callable[[bytes], list[Any]] = decoder.feed
        self._items: list[T] = []
        self._index = 0
        self._finished = False
        self._direct: bool | None = None
        """Whether the answer decodes with our decoder as it reads (``None``: not known
        yet); see :meth:`_decode_in_transport`."""

    def __repr__(self) -> str:
        state = "finished" if self._finished else ("open" if self._resp is not None else "new")
        return f"<{type(self).__name__} {self._what} {state}>"

    def _convert(self, items: list[Any]) -> list[T]:
        """Turn decoded items into what the stream yields (identity by default)."""
        return items

    async def open(self) -> None:
        """Send the request now (it is sent on first use otherwise)."""
        if self._resp is None and not self._finished:
            self._resp = await self._opener()

    def _decode_in_transport(self, resp: ByteSource) -> bool:
        """Have a connection of our own (exec, attach) run the decoder on each read as it
        arrives, from its read buffer: one copy of the output less. Only where the
        decoder takes any buffer (subclasses say so)."""
        return False

    async def _fill(self) -> bool:
        """Read the next chunk into the item buffer; ``False`` at the end of the stream."""
        if self._finished:
            return False
        try:
            if self._resp is None:
                self._resp = await self._opener()
            if self._direct is None:
                self._direct = self._decode_in_transport(self._resp)
            if self._direct:
                return await self._fill_decoded()
            while True:
                chunk = await self._resp.read_chunk()
                if not chunk:
                    return self._end()
                decoded = self._feed(chunk)
                if decoded:
                    items = self._convert(decoded)  # may drop every one of them
                    if items:
                        self._items = items
                        self._index = 0
                        return True
        except BaseException as exc:
            self._finish(release=False)
            raise self._docker.transport.map_error(exc, self._what) from exc

    async def _fill_decoded(self) -> bool:
        resp: Any = self._resp
        decoded = await resp.read_items()
        if decoded is None:
            return self._end()
        self._items = self._convert(decoded)
        self._index = 0
        return True

    def _end(self) -> bool:
        """The stream ended: release it; ``True`` if the decoder still had items."""
        tail = self._decoder.eof()
        self._finish(release=True)
        items = self._convert(list(tail)) if tail else tail
        if items:  # a subclass may drop every one of them
            self._items = items
            self._index = 0
            return True
        return False

    def _finish(self, *, release: bool) -> None:
        self._finished = True
        resp, self._resp = self._resp, None
        if resp is not None:
            if release:
                resp.release()
            else:
                resp.close()

    def _abandon(self) -> None:
        if not self._finished:
            self._finish(release=False)

    async def close(self) -> None:
        """Stop reading and close the connection (safe to call twice)."""
        if self._finished:
            return
        self._finish(release=False)

    async def __aenter__(self: S) -> S:
        await self.open()
        return self

    def __del__(self) -> None:
        resp = getattr(self, "_resp", None)
        if resp is not None:
            resp.close()


class FrameStream(ResponseStream[Frame]):
    """Output of logs, attach or exec: :class:`Frame` objects in the order they were written."""

    def __init__(self, docker: Docker, opener: Opener, *, tty: bool, what: str) -> None:
        decoder = RawDecoder() if tty else FrameDecoder()
        super().__init__(docker, opener, decoder, what)
        self._merging = decoder.feed_merged
        self._joining = decoder.feed_joined
        self.tty = tty
        self._daemon_error: DaemonStreamError | None = None

    def set_tty(self, tty: bool) -> None:
        """Switch between multiplexed and raw decoding, before the first byte is read
        (for callers that learn the TTY setting only when the stream opens)."""
        if tty == self.tty:
            return
        merging = self._feed == self._merging
        joining = self._feed == self._joining
        decoder = RawDecoder() if tty else FrameDecoder()
        self._decoder = decoder
        self._merging = decoder.feed_merged
        self._joining = decoder.feed_joined
        self._feed = (
            decoder.feed_joined if joining else decoder.feed_merged if merging else decoder.feed
        )
        self.tty = tty

    def _decode_in_transport(self, resp: ByteSource) -> bool:
        attach = getattr(resp, "attach", None)
        if attach is None:
            return False
        attach(lambda data: self._feed(data))  # the decoders take any buffer
        return True

    def _merge_frames(self) -> None:
        """From now on, decode consecutive frames of one stream into one frame."""
        self._feed = self._merging

    async def chunks(self) -> AsyncIterator[Frame]:
        """The output as it arrives, consecutive frames of one stream merged into one
        :class:`Frame`: the cheapest way through raw bytes when frame boundaries do not
        matter (a log of short lines comes as a few large frames, not one per line)."""
        self._merge_frames()
        async for frames in self.batches():
            for frame in frames:
                yield frame

    def _convert(self, items: list[Any]) -> list[Frame]:
        if StreamType.SYSTEMERR in map(_STREAM_OF, items):  # a scan in C
            for index, frame in enumerate(items):
                if frame.stream is StreamType.SYSTEMERR:
                    text = frame.data.decode("utf-8", "replace").strip()
                    error = DaemonStreamError(self._what, text)
                    if not index:
                        raise error
                    # The frames before it are handed out first; the next read raises.
                    self._daemon_error = error
                    return items[:index]
        return items

    async def _fill(self) -> bool:
        error = self._daemon_error
        if error is not None:
            self._daemon_error = None
            self._finish(release=False)
            raise error
        return await super()._fill()

    def __await__(self) -> Generator[Any, None, bytes]:
        """``await stream`` is :meth:`read`: ``await container.logs()`` gives bytes, as
        docker-py's ``logs()`` does, while ``async for`` over the same call streams frames."""
        return self.read().__await__()

    async def read(self) -> bytes:
        """Every byte of every stream, in order, until the stream ends. A
        :class:`DaemonStreamError` carries the bytes read before it as ``output``."""
        # Frames of both streams joined (their order is all that matters here) unless a
        # subclass looks at each frame's stream (filters or collects one), written into one
        # growing buffer whose bytes become the result without a copy: the peak is about
        # the output's size, not twice it as pieces and their join would be.
        joinable = type(self)._convert is FrameStream._convert
        self._feed = self._joining if joinable else self._merging
        buffer = io.BytesIO()
        write = buffer.write
        try:
            async for frames in self.batches():
                for frame in frames:
                    write(frame.data)
        except DaemonStreamError as exc:
            exc.output = buffer.getvalue()
            raise
        return buffer.getvalue()

    async def demux(self) -> tuple[bytes, bytes]:
        """``(stdout, stderr)`` until the stream ends. A :class:`DaemonStreamError` carries
        the pair read before it as ``output``."""
        self._merge_frames()
        out: list[bytes] = []
        err: list[bytes] = []
        try:
            async for frames in self.batches():
                for stream, data in frames:
                    (err if stream is StreamType.STDERR else out).append(data)
        except DaemonStreamError as exc:
            exc.output = (b"".join(out), b"".join(err))
            raise
        return b"".join(out), b"".join(err)

    async def lines(
        self, *, encoding: str = "utf-8", errors: str = "replace", keepends: bool = False
    ) -> AsyncIterator[tuple[StreamType, str]]:
        """Text lines as ``(stream, line)``, each stream split on its own, lines and characters
        reassembled across frames; a last line without a newline is yielded at the end."""
        decoders: dict[StreamType, codecs.IncrementalDecoder] = {}
        partial: dict[StreamType, list[str]] = {}  # pieces of each stream's unfinished line

        def split(stream: StreamType, text: str) -> list[tuple[StreamType, str]]:
            if "\n" not in text:  # a long line keeps its pieces: no quadratic re-joining
                if text:
                    partial.setdefault(stream, []).append(text)
                return []
            pieces = text.split("\n")
            held = partial.pop(stream, None)
            if held:
                held.append(pieces[0])
                pieces[0] = "".join(held)
            rest = pieces.pop()
            if rest:
                partial[stream] = [rest]
            if keepends:
                return [(stream, piece + "\n") for piece in pieces]
            return [(stream, piece[:-1] if piece.endswith("\r") else piece) for piece in pieces]

        self._merge_frames()
        async for frames in self.batches():
            for stream, data in frames:
                decoder = decoders.get(stream)
                if decoder is None:
                    decoder = decoders[stream] = codecs.getincrementaldecoder(encoding)(errors)
                for item in split(stream, decoder.decode(data)):
                    yield item
        for stream, decoder in decoders.items():
            tail = decoder.decode(b"", final=True)
            if tail:
                partial.setdefault(stream, []).append(tail)
        for stream, rest in partial.items():
            yield stream, "".join(rest)


class JSONStream(ResponseStream[T]):
    """A stream of JSON values (events, stats, progress), optionally converted by ``transform``."""

    def __init__(
        self,
        docker: Docker,
        opener: Opener,
        what: str,
        transform: Callable[[Any], T] | None = None,
    ) -> None:
        super().__init__(docker, opener, JSONStreamDecoder(), what)
        self._transform = transform

    def _convert(self, items: list[Any]) -> list[T]:
        if self._transform is None:
            return items
        transform = self._transform
        return [transform(item) for item in items]


def progress_error(item: dict[str, Any], log: list[dict[str, Any]], what: str) -> APIError:
    """The default error for a progress object carrying ``error``/``errorDetail``."""
    detail = item.get("errorDetail") or {}
    message = item.get("error") or detail.get("message") or "unknown error"
    code = detail.get("code")
    return APIError(code if isinstance(code, int) else 500, str(message), path=what, body=item)


class ProgressStream(JSONStream[dict[str, Any]], Generic[R]):
    """A progress stream (pull, push, build, load, import): ``async for`` yields progress
    dicts, ``await`` runs it to the end and gives the operation's result.

    A progress object reporting an error raises instead of being yielded.
    """

    def __init__(
        self,
        docker: Docker,
        opener: Opener,
        what: str,
        finish: Callable[[list[dict[str, Any]]], Awaitable[R]],
        error: Callable[[dict[str, Any], list[dict[str, Any]]], Exception] | None = None,
    ) -> None:
        super().__init__(docker, opener, what)
        self._finish_op = finish
        self._error = error
        self.log: list[dict[str, Any]] = []

    def _convert(self, items: list[Any]) -> list[dict[str, Any]]:
        for item in items:
            if isinstance(item, dict):
                self.log.append(item)
                if item.get("error") or item.get("errorDetail"):
                    self._finish(release=False)
                    if self._error is not None:
                        raise self._error(item, self.log)
                    raise progress_error(item, self.log, self._what)
        return items

    async def result(self) -> R:
        """Run the operation to its end and return its result."""
        async for _ in self.batches():
            pass
        return await self._finish_op(self.log)

    def __await__(self) -> Generator[Any, None, R]:
        return self.result().__await__()
