"""Sans-IO decoders of the streams the daemon sends: bytes in, frames or objects out.

Nothing here awaits or touches a socket; the stream classes feed these with whole
chunks as they arrive. Memory held between calls is bounded by the largest frame
(or JSON line) plus one chunk.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import struct
from collections.abc import Callable
from enum import IntEnum
from typing import Any, NamedTuple

from .errors import StreamDecodeError

__all__ = [
    "Frame",
    "FrameDecoder",
    "JSONStreamDecoder",
    "RawDecoder",
    "StreamType",
]

DEFAULT_MAX_FRAME = 256 * 1024 * 1024


class StreamType(IntEnum):
    """The stream a frame belongs to (the first byte of its header)."""

    STDIN = 0
    STDOUT = 1
    STDERR = 2
    SYSTEMERR = 3


class Frame(NamedTuple):
    """One piece of output: which stream it came on and its bytes."""

    stream: StreamType
    data: bytes


_HEADER = struct.Struct(">LL")
_MAX_SIZE_LINE = 4096  # the longest chunk size line (with extensions) accepted
_MAX_HELD_CHUNK = 64 * 1024
"""The most of an incomplete chunk held whole between feeds; a longer one is decoded
piece by piece as it arrives (no re-copying of a growing buffer)."""
# The first header word is the stream id followed by three zero bytes.
_STREAM_BY_WORD = {int(s) << 24: s for s in StreamType}
_VALID_WORDS = frozenset(_STREAM_BY_WORD)
_STDOUT_WORD = int(StreamType.STDOUT) << 24
_OUTPUT_WORDS = frozenset((_STDOUT_WORD, int(StreamType.STDERR) << 24))
SPLIT, MERGE, JOIN = 0, 1, 2
"""How :class:`FrameDecoder` cuts payloads: per frame, per run of one stream, or per run
of output of either stream (for readers of all the bytes in order)."""
# Helpers for map() over many chunks or frames at C speed.
_HEX = itertools.repeat(16)  # the base argument of int()
_STREAMS = tuple(StreamType)  # by stream id
_new_frame = functools.partial(tuple.__new__, Frame)  # Frame((stream, data)) without a Python call


def _frames_of(ids: bytes, payloads: list[bytes]) -> list[Frame]:
    """Frames from stream ids and payloads, without a Python call per frame."""
    if len(ids) == 1:
        return [Frame(_STREAMS[ids[0]], payloads[0])]
    return list(map(_new_frame, zip(map(_STREAMS.__getitem__, ids), payloads, strict=True)))


def _chunk_pieces_py(data: bytes) -> tuple[list[bytes], int, bool]:
    """``(pieces, consumed, incomplete)``: the data of the whole chunks at the start of
    ``data`` (from the start of a chunk), the offset after them, and whether the rest is
    only an unfinished chunk. All or nothing here (the C version goes chunk by chunk).

    The usual body (many small chunks whose data holds no CRLF) splits at every CRLF
    into alternating size lines and data; each data piece whose length is the size
    before it is a whole chunk, and the first that is not shows the split went wrong."""
    parts = data.split(b"\r\n")
    tail = len(parts.pop())
    rest = tail
    if len(parts) & 1:  # a size line, then data with no CRLF yet
        line = parts.pop()
        rest += len(line) + 2
        try:
            size = int(line, 16)
        except ValueError:
            size = 0
        incomplete = 0 < size and tail < size + 2
    else:  # the start of a size line
        incomplete = tail <= _MAX_SIZE_LINE
    pieces = parts[1::2]
    if pieces:
        lengths = list(map(len, pieces))
        try:
            whole = lengths == list(map(int, parts[0::2], _HEX)) and min(lengths) > 0
        except ValueError:  # chunk extensions, or a bad size
            whole = False
        if not whole:
            return [], 0, False
    return pieces, len(data) - rest, incomplete


def _merge_key(merge: int, word: int) -> int:
    """The header word a frame's payload is merged under (see ``_frames_from_py``)."""
    return _STDOUT_WORD if merge == JOIN and word in _OUTPUT_WORDS else word


def _frames_from_py(
    data: bytes, pos: int, merge: int, max_frame: int
) -> tuple[bytes, list[bytes], int]:
    """The whole, valid frames of ``data`` from ``pos`` on: ``(stream_ids, payloads, end)``,
    per frame or, with ``merge`` (``MERGE``), per run of consecutive non-empty frames of one
    stream, or (``JOIN``) of stdout and stderr frames together, given as stdout; ``end`` is
    where they stop (the end, an unfinished frame or a bad header)."""
    ids = bytearray()
    payloads: list[bytes] = []
    unpack = _HEADER.unpack_from
    n = len(data)
    view = memoryview(data)
    run: list[memoryview] = []
    run_word = -1
    while n - pos >= 8:
        word, size = unpack(data, pos)
        end = pos + 8 + size
        if word not in _VALID_WORDS or size > max_frame or end > n:
            break
        if not merge:
            ids.append(word >> 24)
            payloads.append(data[pos + 8 : end])
        elif size:
            word = _merge_key(merge, word)
            if word != run_word:
                if run:
                    payloads.append(b"".join(run))
                    run = []
                ids.append(word >> 24)
                run_word = word
            run.append(view[pos + 8 : end])
        pos = end
    if run:
        payloads.append(b"".join(run))
    return bytes(ids), payloads, pos


_chunk_pieces: Callable[[bytes], tuple[list[bytes], int, bool]] = _chunk_pieces_py
_frames_from: Callable[[bytes, int, int, int], tuple[bytes, list[bytes], int]]
_frames_from = _frames_from_py
if not os.environ.get("AIODOCK_NO_SPEEDUPS"):
    try:
        from . import _speedups
    except ImportError:  # not compiled: the pure-Python versions do the same
        pass
    else:
        _chunk_pieces = _speedups.chunk_pieces
        _frames_from = _speedups.frames_from

SPEEDUPS = _chunk_pieces is not _chunk_pieces_py
"""Whether the C versions of the decoders' hot loops are in use (``AIODOCK_NO_SPEEDUPS=1``
turns them off)."""


class FrameDecoder:
    """Decoder of the multiplexed protocol: ``[stream, 0, 0, 0, size32be] + payload``."""

    __slots__ = ("_buf", "_max_frame", "_need")

    def __init__(self, max_frame_size: int = DEFAULT_MAX_FRAME) -> None:
        self._buf = bytearray()
        self._need = 8
        self._max_frame = max_frame_size

    def feed(self, data: bytes) -> list[Frame]:
        """Take the next chunk and return the frames it completes, in order."""
        return self._decode(data, SPLIT)

    def feed_merged(self, data: bytes) -> list[Frame]:
        """Like :meth:`feed`, but consecutive frames of one stream come back as one frame
        (empty frames dropped): far fewer objects where only the bytes matter."""
        return self._decode(data, MERGE)

    def feed_joined(self, data: bytes) -> list[Frame]:
        """Like :meth:`feed_merged`, but consecutive stdout and stderr frames come back as
        one STDOUT frame: for readers of every byte in order, whatever the stream."""
        return self._decode(data, JOIN)

    def _header(self, header: bytes | bytearray, pos: int) -> tuple[StreamType, int]:
        """The stream and payload size of the header at ``pos``; raises if it is bad."""
        word, size = _HEADER.unpack_from(header, pos)
        stream = _STREAM_BY_WORD.get(word)
        if stream is None or size > self._max_frame:
            raise self._bad_header(header, pos, pos)
        return stream, size

    def _bad_header(self, header: bytes | bytearray, pos: int, offset: int) -> StreamDecodeError:
        word, size = _HEADER.unpack_from(header, pos)
        if word not in _STREAM_BY_WORD:
            return StreamDecodeError(
                f"invalid frame header {bytes(header[pos : pos + 8]).hex()} at offset {offset}"
                " (is this a TTY stream read as multiplexed?)"
            )
        return StreamDecodeError(
            f"frame of {size} bytes exceeds the limit of {self._max_frame} bytes"
        )

    def _decode(self, data: bytes, merge: int) -> list[Frame]:
        frames: list[Frame] = []
        n = len(data)
        pos = 0
        buf = self._buf
        if buf:
            # Complete the held frame with just the bytes it lacks: the rest of the
            # chunk is decoded in place, never copied into the buffer.
            view = memoryview(data)
            if len(buf) < 8:
                pos = min(8 - len(buf), n)
                buf += view[:pos]
                if len(buf) < 8:
                    return frames
                self._need = 8 + self._header(buf, 0)[1]
            take = min(self._need - len(buf), n - pos)
            buf += view[pos : pos + take]
            pos += take
            if len(buf) < self._need:
                return frames
            held_stream = self._header(buf, 0)[0]
            if merge == JOIN and held_stream in (StreamType.STDOUT, StreamType.STDERR):
                held_stream = StreamType.STDOUT
            with memoryview(buf) as held:
                payload = bytes(held[8:])
            buf.clear()
            self._need = 8
            if payload or not merge:
                frames.append(Frame(held_stream, payload))
        ids, payloads, pos = _frames_from(data, pos, merge, self._max_frame)
        if ids:
            if merge and frames and frames[-1].stream == ids[0]:  # the held frame's run
                payloads[0] = frames.pop().data + payloads[0]
            frames += _frames_of(ids, payloads)
        if n - pos >= 8:
            # A header that is bad (raised here) or announces a frame not all here yet.
            self._header(data, pos)
        if pos < n:
            buf += memoryview(data)[pos:]
            if len(buf) >= 8:
                self._need = 8 + self._header(buf, 0)[1]
        return frames

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of their frame."""
        return len(self._buf)

    def eof(self) -> None:
        """Signal the end of the stream: raises if it stopped inside a frame."""
        if self._buf:
            held = len(self._buf)
            self._buf.clear()
            raise StreamDecodeError(
                f"stream ended inside a frame ({held} bytes of an incomplete frame)"
            )


class RawDecoder:
    """Decoder of TTY streams, which have no framing: every chunk is stdout."""

    __slots__ = ()

    def feed(self, data: bytes) -> list[Frame]:
        return [Frame(StreamType.STDOUT, bytes(data))] if data else []

    feed_merged = feed
    feed_joined = feed

    @property
    def pending(self) -> int:
        return 0

    def eof(self) -> None:
        return None


class JSONStreamDecoder:
    """Decoder of a stream of JSON values (newline separated, or simply concatenated).

    Values may be split across chunks and several may arrive in one chunk.
    """

    __slots__ = ("_buf", "_max_value", "_raw")

    def __init__(self, max_value_size: int = 64 * 1024 * 1024) -> None:
        self._buf = bytearray()
        self._max_value = max_value_size
        self._raw = json.JSONDecoder()

    def feed(self, data: bytes) -> list[Any]:
        """Take the next chunk and return the values it completes, in order."""
        buf = self._buf
        buf += data
        last = buf.rfind(b"\n")
        if last < 0:
            if len(buf) > self._max_value:
                raise StreamDecodeError(
                    f"JSON value longer than {self._max_value} bytes without a line break"
                )
            # Values that are simply concatenated carry no newline at all.
            return self._decode_complete_prefix()
        complete = bytes(buf[: last + 1])
        del buf[: last + 1]
        values: list[Any] = []
        for line in complete.split(b"\n"):
            if not line.strip():
                continue
            try:
                values.append(json.loads(line))
            except ValueError:
                values.extend(self._decode_concatenated(line))
        if buf:
            values.extend(self._decode_complete_prefix())
        return values

    def _decode_concatenated(self, line: bytes) -> list[Any]:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StreamDecodeError(f"JSON stream is not UTF-8: {exc}") from None
        values: list[Any] = []
        pos = 0
        length = len(text)
        while pos < length:
            while pos < length and text[pos] in " \t\r":
                pos += 1
            if pos == length:
                break
            try:
                value, pos = self._raw.raw_decode(text, pos)
            except ValueError as exc:
                raise StreamDecodeError(f"malformed JSON in stream: {exc}") from None
            values.append(value)
        return values

    def _decode_complete_prefix(self) -> list[Any]:
        """Decode whole values at the start of the held bytes, keeping an unfinished tail."""
        buf = self._buf
        head = bytes(buf).lstrip()
        if not head or head[:1] not in b"{[":
            return []
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            return []  # a multi-byte character may be split: wait for more
        values: list[Any] = []
        pos = 0
        length = len(text)
        while pos < length:
            try:
                value, end = self._raw.raw_decode(text, pos)
            except ValueError:
                break
            values.append(value)
            pos = end
            while pos < length and text[pos] in " \t\r":
                pos += 1
        if values:
            rest = text[pos:].encode("utf-8")
            buf.clear()
            buf += rest
        return values

    @property
    def pending(self) -> int:
        return len(self._buf)

    def eof(self) -> list[Any]:
        """Signal the end of the stream; returns a last unterminated value, raises if cut."""
        tail = bytes(self._buf)
        self._buf.clear()
        if not tail.strip():
            return []
        values = self._decode_concatenated(tail)
        return values


class ChunkedDecoder:
    """Decoder of HTTP/1.1 chunked transfer coding: bytes in, body bytes out.

    ``done`` turns true at the last (zero-size) chunk and its trailer; a stream that
    ends before that was cut short.
    """

    __slots__ = ("_buf", "_crlf", "_remaining", "_trailer", "done")

    def __init__(self) -> None:
        self._buf = b""
        self._remaining = 0  # bytes of the current chunk's data still to come
        self._crlf = False  # the CRLF after a chunk's data is due
        self._trailer = False  # past the last chunk: trailer lines until a blank one
        self.done = False

    def feed(self, data: bytes) -> bytes:
        """Take the next bytes of the body as sent; return the data they carry."""
        pieces = self._pieces(data)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _pieces(self, data: bytes) -> list[bytes]:
        """The data ``data`` carries, as the list of pieces it is cut into."""
        if self._remaining or self._crlf or self._trailer or self.done:
            return self._decode(data)
        if self._buf:
            data = self._buf + data
            self._buf = b""
        # Between chunks: the whole chunks of the usual form are cut out in C, the rest
        # decoded step by step (or held, while it is only an unfinished chunk).
        pieces, consumed, incomplete = _chunk_pieces(data)
        if consumed == len(data):
            return pieces
        if incomplete and len(data) - consumed <= _MAX_HELD_CHUNK:
            self._buf = data[consumed:]
            return pieces
        rest = self._decode(data[consumed:])
        if not pieces:
            return rest
        pieces += rest
        return pieces

    def _decode(self, data: bytes) -> list[bytes]:
        """Decode step by step: any chunk size, chunks split anywhere, extensions."""
        if self._buf:
            data = self._buf + data
            self._buf = b""
        out: list[bytes] = []
        append = out.append
        find = data.find
        pos = 0
        n = len(data)
        remaining = self._remaining
        crlf = self._crlf
        while pos < n and not self.done:
            if remaining:  # the rest of a chunk that began in an earlier feed
                end = pos + remaining
                if end > n:
                    append(data[pos:])
                    remaining = end - n
                    pos = n
                    break
                append(data[pos:end])
                pos = end
                remaining = 0
                crlf = True
            if crlf:
                if n - pos < 2:
                    break
                if data[pos : pos + 2] != b"\r\n":
                    raise StreamDecodeError("chunked body: missing line break after a chunk")
                pos += 2
                crlf = False
                continue
            line_end = find(b"\r\n", pos)
            if line_end < 0:
                if n - pos > _MAX_SIZE_LINE:
                    raise StreamDecodeError("chunked body: chunk header line too long")
                break
            if self._trailer:
                self.done = line_end == pos
                pos = line_end + 2
                continue
            size = self._chunk_size(data[pos:line_end])
            pos = line_end + 2
            if size == 0:
                self._trailer = True
                continue
            end = pos + size
            if end + 2 <= n and data[end : end + 2] == b"\r\n":  # the common case: all here
                append(data[pos:end])
                pos = end + 2
            else:
                remaining = size
        self._remaining = remaining
        self._crlf = crlf
        if pos < n and not self.done:
            self._buf = data[pos:]
        return out

    @staticmethod
    def _chunk_size(line: bytes) -> int:
        try:
            size = int(line, 16)
        except ValueError:
            try:  # chunk extensions: "size;name=value"
                size = int(line.split(b";", 1)[0], 16)
            except ValueError:
                raise StreamDecodeError(f"chunked body: bad chunk size {line[:40]!r}") from None
        if size < 0:
            raise StreamDecodeError(f"chunked body: bad chunk size {line[:40]!r}")
        return size
