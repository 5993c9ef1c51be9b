"""Frames in a chunked HTTP body (how container logs arrive), decoded through
``ChunkedDecoder`` then ``FrameDecoder``: the frames that were sent, whatever the chunking
and the read boundaries, with the C hot loops and with their pure-Python versions."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodock import decoders
from aiodock.decoders import ChunkedDecoder, Frame, FrameDecoder, StreamType
from aiodock.errors import StreamDecodeError

pytestmark = pytest.mark.usefixtures("implementation")


def test_speedups_are_built() -> None:
    # The C module is optional for users; in this project's test runs it must be there.
    if os.environ.get("AIODOCK_NO_SPEEDUPS"):
        pytest.skip("AIODOCK_NO_SPEEDUPS is set")
    assert decoders.SPEEDUPS


def encode(frames: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack(">BxxxL", sid, len(data)) + data for sid, data in frames)


def size_line(size: int, style: str) -> bytes:
    if style == "upper":
        return b"%X" % size
    if style == "zeros":
        return b"%04x" % size
    if style == "extension":
        return b"%x;name=value" % size
    return b"%x" % size


def chunked(pieces: list[bytes], style: str = "lower") -> bytes:
    body = b"".join(size_line(len(p), style) + b"\r\n" + p + b"\r\n" for p in pieces if p)
    return body + b"0\r\n\r\n"


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    return [data[a:b] for a, b in pairwise(points)]


def decode(body: bytes, cuts: list[int], *, merge: bool) -> tuple[list[Frame], ChunkedDecoder]:
    chunks = ChunkedDecoder()
    frames = FrameDecoder()
    out: list[Frame] = []
    for read in cut(body, cuts):
        data = chunks.feed(read)
        out += frames.feed_merged(data) if merge else frames.feed(data)
    frames.eof()
    return out, chunks


def runs(frames: list[Frame]) -> Iterator[tuple[StreamType, bytes]]:
    """Consecutive non-empty frames of one stream joined: what merged output adds up to."""
    stream: StreamType | None = None
    data = b""
    for frame in frames:
        if not frame.data:
            continue
        if frame.stream is not stream and data:
            assert stream is not None
            yield stream, data
            data = b""
        stream = frame.stream
        data += frame.data
    if data:
        assert stream is not None
        yield stream, data


payloads = st.one_of(
    st.binary(max_size=120),
    st.sampled_from([b"line\n", b"crlf\r\n", b"\r\n", b"\r", b"\n", b"0\r\n\r\n"]),
)
frames_strategy = st.lists(st.tuples(st.sampled_from([1, 2, 3]), payloads), max_size=30)


@settings(max_examples=400, deadline=None)
@given(
    frames=frames_strategy,
    cuts=st.lists(st.integers(min_value=0, max_value=6000), max_size=12),
    style=st.sampled_from(["lower", "upper", "zeros", "extension"]),
    regroup=st.lists(st.integers(min_value=0, max_value=6000), max_size=8),
    one_per_chunk=st.booleans(),
)
def test_same_frames_whatever_the_chunking(
    frames: list[tuple[int, bytes]],
    cuts: list[int],
    style: str,
    regroup: list[int],
    one_per_chunk: bool,
) -> None:
    expected = [Frame(StreamType(sid), data) for sid, data in frames]
    stream = encode(frames)
    if one_per_chunk:  # as the daemon writes them
        pieces = [encode([f]) for f in frames]
    else:  # frames split across chunks and several in one
        pieces = cut(stream, regroup)
    body = chunked(pieces, style)

    got, chunks = decode(body, cuts, merge=False)
    assert got == expected
    assert chunks.done

    merged, _ = decode(body, cuts, merge=True)
    assert all(frame.data for frame in merged)
    assert list(runs(merged)) == list(runs(expected))


def test_every_single_cut() -> None:
    frames = [(1, b"one\n"), (2, b"two\r\n"), (1, b""), (1, b"x" * 300), (3, b"oops")]
    expected = [Frame(StreamType(sid), data) for sid, data in frames]
    body = chunked([encode([f]) for f in frames])
    for point in range(len(body) + 1):
        assert decode(body, [point], merge=False)[0] == expected, point


def test_a_long_chunk_is_not_held_whole() -> None:
    big = encode([(1, b"z" * 300_000)])
    body = chunked([encode([(2, b"a\n")]), big])
    chunks = ChunkedDecoder()
    first = chunks.feed(body[:100_000])
    assert first.startswith(encode([(2, b"a\n")]))
    assert len(first) > 50_000  # handed on as it arrives, not buffered
    rest = chunks.feed(body[100_000:])
    assert first + rest == encode([(2, b"a\n")]) + big
    assert chunks.done


@pytest.mark.parametrize(
    "body",
    [
        b"2e\r\n" + b"x" * 46 + b"XY",  # no CRLF after the data
        b"-5\r\nabc\r\n",
        b"-1\r\n",
        b"zz\r\n",
        b"1" * 5000,  # a size line longer than any real one
        b"1" * 70_000,
    ],
)
def test_garbage_is_refused(body: bytes) -> None:
    with pytest.raises(StreamDecodeError, match="chunked body"):
        ChunkedDecoder().feed(body)


def test_a_bad_frame_header_is_refused() -> None:
    body = chunked([encode([(1, b"fine")]), b"\x07\x00\x00\x00\x00\x00\x00\x01z"])
    with pytest.raises(StreamDecodeError, match="invalid frame header"):
        decode(body, [], merge=True)


def test_an_oversized_frame_is_refused() -> None:
    chunks = ChunkedDecoder()
    frames = FrameDecoder(max_frame_size=10)
    with pytest.raises(StreamDecodeError, match="exceeds the limit"):
        frames.feed(chunks.feed(chunked([encode([(1, b"y" * 11)])])))


def test_cut_short_is_not_done() -> None:
    body = chunked([encode([(1, b"hello\n")]), encode([(1, b"world\n")])])
    frames, chunks = decode(body[:-5], [7, 20], merge=False)
    assert [f.data for f in frames] == [b"hello\n", b"world\n"]
    assert not chunks.done


@pytest.mark.parametrize(
    ("data", "pieces", "consumed", "incomplete"),
    [
        (b"3\r\nabc\r\n1\r\nx", [b"abc"], 8, True),  # a chunk still arriving
        (b"3\r\nabc\r\n1", [b"abc"], 8, True),  # a size line still arriving
        (b"3\r\nabc\r\n", [b"abc"], 8, None),  # all of it (the flag does not matter)
        (b"3;x=y\r\nabc\r\n", [], 0, False),  # extensions: step by step
        (b"0\r\n\r\n", [], 0, False),  # the last chunk: step by step
    ],
)
def test_chunk_pieces_contract(
    data: bytes, pieces: list[bytes], consumed: int, incomplete: bool | None
) -> None:
    got_pieces, got_consumed, got_incomplete = decoders._chunk_pieces(data)
    assert (got_pieces, got_consumed) == (pieces, consumed)
    assert isinstance(got_incomplete, bool)
    if incomplete is not None:
        assert got_incomplete is incomplete


@settings(max_examples=500, deadline=None)
@given(
    frames=st.lists(st.tuples(st.integers(0, 3), payloads), max_size=12),
    garbage=st.binary(max_size=12),
    start=st.integers(0, 40),
    merge=st.booleans(),
    max_frame=st.sampled_from([5, 1 << 20]),
)
def test_c_and_python_frames_from_agree(
    frames: list[tuple[int, bytes]],
    garbage: bytes,
    start: int,
    merge: bool,
    max_frame: int,
    implementation: str,
) -> None:
    if implementation != "c":
        return
    from aiodock import _speedups

    data = encode(frames) + garbage  # garbage: a bad header, or a frame cut short
    start = min(start, len(data))
    assert _speedups.frames_from(data, start, merge, max_frame) == decoders._frames_from_py(
        data, start, merge, max_frame
    )
