"""Merged frame decoding (``FrameDecoder.feed_merged``) and the FrameStream methods built on
it: same bytes, per stream and in order, whatever the chunking."""

from __future__ import annotations

import struct
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodock.decoders import Frame, FrameDecoder, StreamType
from aiodock.errors import DaemonStreamError
from aiodock.streams import FrameStream

pytestmark = pytest.mark.usefixtures("implementation")  # C and pure Python


def encode(frames: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack(">BxxxL", sid, len(data)) + data for sid, data in frames)


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    return [data[a:b] for a, b in pairwise(points) if b > a]


def runs(frames: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """Consecutive non-empty frames of one stream joined: the most merging can give."""
    out: list[tuple[int, bytes]] = []
    for sid, data in frames:
        if not data:
            continue
        if out and out[-1][0] == sid:
            out[-1] = (sid, out[-1][1] + data)
        else:
            out.append((sid, data))
    return out


frames_strategy = st.lists(st.tuples(st.sampled_from([1, 2]), st.binary(max_size=200)), max_size=25)


@settings(max_examples=300, deadline=None)
@given(frames=frames_strategy, cuts=st.lists(st.integers(min_value=0, max_value=6000)))
def test_merged_frames_keep_every_byte_in_order(
    frames: list[tuple[int, bytes]], cuts: list[int]
) -> None:
    decoder = FrameDecoder()
    got: list[Frame] = []
    for piece in cut(encode(frames), cuts):
        got.extend(decoder.feed_merged(piece))
    decoder.eof()
    assert all(frame.data and isinstance(frame.data, bytes) for frame in got)
    # Merging happens within a chunk: joining runs across the result gives the runs.
    assert runs([(int(f.stream), f.data) for f in got]) == runs(frames)


def test_one_chunk_of_short_frames_becomes_one_frame() -> None:
    data = encode([(1, b"line\n")] * 1000 + [(2, b"err\n")] + [(1, b"x")])
    assert FrameDecoder().feed_merged(data) == [
        Frame(StreamType.STDOUT, b"line\n" * 1000),
        Frame(StreamType.STDERR, b"err\n"),
        Frame(StreamType.STDOUT, b"x"),
    ]


def test_held_frame_completed_without_copying_the_chunk() -> None:
    decoder = FrameDecoder()
    data = encode([(1, b"a" * 100), (1, b"b" * 100), (2, b"c" * 10)])
    assert decoder.feed(data[:50]) == []
    assert decoder.pending == 50
    assert decoder.feed(data[50:]) == [
        Frame(StreamType.STDOUT, b"a" * 100),
        Frame(StreamType.STDOUT, b"b" * 100),
        Frame(StreamType.STDERR, b"c" * 10),
    ]
    assert decoder.pending == 0


class FakeResponse:
    """Just the shape FrameStream reads: ``read_chunk()``, ``release()``, ``close()``."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = iter(chunks)

    async def read_chunk(self) -> bytes:
        return next(self._chunks, b"")

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


def stream_of(chunks: list[bytes]) -> FrameStream:
    async def opener() -> Any:
        return FakeResponse(chunks)

    return FrameStream(None, opener, tty=False, what="test")  # type: ignore[arg-type]


FRAMES = [(1, b"one\ntw"), (2, b"E1\n"), (1, b"o\nthr"), (1, b"ee"), (2, b"E2"), (1, b"\n")]


async def test_read_demux_lines_and_chunks_agree_on_any_chunking() -> None:
    data = encode(FRAMES)
    for size in (1, 3, 7, len(data)):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert await stream_of(chunks).read() == b"".join(d for _, d in FRAMES)
        assert await stream_of(chunks).demux() == (b"one\ntwo\nthree\n", b"E1\nE2")
        lines = [item async for item in stream_of(chunks).lines()]
        assert lines == [
            (StreamType.STDOUT, "one"),
            (StreamType.STDERR, "E1"),
            (StreamType.STDOUT, "two"),
            (StreamType.STDOUT, "three"),
            (StreamType.STDERR, "E2"),
        ]
        merged = [frame async for frame in stream_of(chunks).chunks()]
        assert runs([(int(f.stream), f.data) for f in merged]) == runs(FRAMES)


async def test_a_long_line_split_over_many_chunks() -> None:
    body = b"x" * 5000
    data = encode([(1, body[i : i + 10]) for i in range(0, len(body), 10)] + [(1, b"\nend")])
    chunks = [data[i : i + 64] for i in range(0, len(data), 64)]
    lines = [line async for _, line in stream_of(chunks).lines()]
    assert lines == ["x" * 5000, "end"]


class PassErrors:
    """The one transport method a stream needs when it fails."""

    @property
    def transport(self) -> PassErrors:
        return self

    def map_error(self, exc: BaseException, what: str) -> BaseException:
        return exc


def failing_stream_of(chunks: list[bytes]) -> FrameStream:
    async def opener() -> Any:
        return FakeResponse(chunks)

    return FrameStream(PassErrors(), opener, tty=False, what="test")  # type: ignore[arg-type]


# Swarm ends a service's logs this way when some of them could not be fetched.
WARNING = b"warning: incomplete log stream. some logs could not be retrieved"
ENDS_IN_ERROR = encode([(1, b"out\n"), (2, b"err\n"), (1, b"more\n"), (3, WARNING)])


async def test_daemon_error_comes_after_the_output_before_it() -> None:
    for size in (5, len(ENDS_IN_ERROR)):
        chunks = [ENDS_IN_ERROR[i : i + size] for i in range(0, len(ENDS_IN_ERROR), size)]
        seen = []
        with pytest.raises(DaemonStreamError) as caught:
            async for frame in failing_stream_of(chunks):
                seen.append(frame.data)
        assert b"".join(seen) == b"out\nerr\nmore\n"
        assert caught.value.message == WARNING.decode()
        assert caught.value.output is None

        with pytest.raises(DaemonStreamError) as caught:
            await failing_stream_of(chunks).read()
        assert caught.value.output == b"out\nerr\nmore\n"

        with pytest.raises(DaemonStreamError) as caught:
            await failing_stream_of(chunks).demux()
        assert caught.value.output == (b"out\nmore\n", b"err\n")


async def test_stream_is_closed_after_a_daemon_error() -> None:
    stream = failing_stream_of([ENDS_IN_ERROR])
    with pytest.raises(DaemonStreamError):
        await stream.read()
    assert "finished" in repr(stream)
    assert [frame async for frame in stream] == []
