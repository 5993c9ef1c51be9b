"""The sans-IO decoders: same frames whatever the chunk boundaries, clear errors on bad input."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodock.decoders import (
    ChunkedDecoder,
    Frame,
    FrameDecoder,
    JSONStreamDecoder,
    RawDecoder,
    StreamType,
)
from aiodock.errors import StreamDecodeError

pytestmark = pytest.mark.usefixtures("implementation")  # C and pure Python


def encode(frames: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack(">BxxxL", sid, len(data)) + data for sid, data in frames)


def feed_in_pieces(decoder: FrameDecoder, data: bytes, cuts: list[int]) -> list[Frame]:
    out: list[Frame] = []
    prev = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out.extend(decoder.feed(data[prev:cut]))
        prev = cut
    decoder.eof()
    return out


frames_strategy = st.lists(st.tuples(st.sampled_from([1, 2]), st.binary(max_size=300)), max_size=20)


def test_frame_decoder_every_single_cut() -> None:
    frames = [(1, b"hello\n"), (2, b"oops\n"), (1, b""), (2, bytes(range(256))), (1, b"x" * 70)]
    data = encode(frames)
    expected = [Frame(StreamType(s), d) for s, d in frames]
    for cut in range(len(data) + 1):
        decoder = FrameDecoder()
        assert feed_in_pieces(decoder, data, [cut]) == expected, cut


def test_frame_decoder_byte_by_byte() -> None:
    frames = [(1, b"a" * 10), (2, b"b" * 3)]
    data = encode(frames)
    decoder = FrameDecoder()
    assert feed_in_pieces(decoder, data, list(range(len(data)))) == [
        Frame(StreamType.STDOUT, b"a" * 10),
        Frame(StreamType.STDERR, b"b" * 3),
    ]


@settings(max_examples=300, deadline=None)
@given(frames=frames_strategy, cuts=st.lists(st.integers(min_value=0, max_value=8000)))
def test_frame_decoder_any_chunking(frames: list[tuple[int, bytes]], cuts: list[int]) -> None:
    data = encode(frames)
    cuts = [c for c in cuts if c <= len(data)]
    got = feed_in_pieces(FrameDecoder(), data, cuts)
    assert got == [Frame(StreamType(s), d) for s, d in frames]


def test_frame_decoder_holds_only_the_partial_frame() -> None:
    decoder = FrameDecoder()
    data = encode([(1, b"x" * 1000), (2, b"y" * 1000)])
    assert len(decoder.feed(data[:1500])) == 1
    assert decoder.pending == 1500 - 1008
    assert decoder.feed(data[1500:]) == [Frame(StreamType.STDERR, b"y" * 1000)]
    assert decoder.pending == 0


@pytest.mark.parametrize(
    "header",
    [b"\x05\x00\x00\x00\x00\x00\x00\x01", b"\x01\x01\x00\x00\x00\x00\x00\x01", b"HTTP/1.1"],
)
def test_frame_decoder_rejects_bad_header(header: bytes) -> None:
    with pytest.raises(StreamDecodeError, match="invalid frame header"):
        FrameDecoder().feed(header + b"x")


def test_frame_decoder_rejects_truncated_stream() -> None:
    decoder = FrameDecoder()
    decoder.feed(encode([(1, b"complete")]) + encode([(1, b"cut short")])[:-3])
    with pytest.raises(StreamDecodeError, match="ended inside a frame"):
        decoder.eof()


def test_frame_decoder_rejects_oversized_frame() -> None:
    with pytest.raises(StreamDecodeError, match="exceeds"):
        FrameDecoder(max_frame_size=100).feed(struct.pack(">BxxxL", 1, 101))


def test_raw_decoder_is_stdout() -> None:
    decoder = RawDecoder()
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\x01\x00tty bytes") == [Frame(StreamType.STDOUT, b"\x01\x00tty bytes")]
    decoder.eof()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
).map(lambda v: {"value": v})


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(json_values, max_size=10),
    separator=st.sampled_from([b"\n", b"\r\n", b""]),
    cuts=st.lists(st.integers(min_value=0, max_value=3000)),
)
def test_json_decoder_any_chunking(values: list[object], separator: bytes, cuts: list[int]) -> None:
    data = b"".join(json.dumps(v).encode() + separator for v in values)
    decoder = JSONStreamDecoder()
    got: list[object] = []
    prev = 0
    for cut in [*sorted({c for c in cuts if c <= len(data)}), len(data)]:
        got.extend(decoder.feed(data[prev:cut]))
        prev = cut
    got.extend(decoder.eof())
    assert got == values


def test_json_decoder_several_values_in_one_chunk_and_split_utf8() -> None:
    data = '{"a": "é"}\n{"b": 2}\n{"c": "☃"}\n'.encode()
    decoder = JSONStreamDecoder()
    got = []
    for i in range(len(data)):
        got.extend(decoder.feed(data[i : i + 1]))
    assert got == [{"a": "é"}, {"b": 2}, {"c": "☃"}]
    assert decoder.eof() == []


def test_json_decoder_rejects_value_cut_mid_object() -> None:
    decoder = JSONStreamDecoder()
    assert decoder.feed(b'{"status": "ok"}\n{"status": "dow') == [{"status": "ok"}]
    with pytest.raises(StreamDecodeError, match="malformed JSON"):
        decoder.eof()


def test_json_decoder_rejects_garbage_line() -> None:
    with pytest.raises(StreamDecodeError, match="malformed JSON"):
        JSONStreamDecoder().feed(b"not json at all\n")


def test_json_decoder_bounds_a_line_without_break() -> None:
    decoder = JSONStreamDecoder(max_value_size=100)
    with pytest.raises(StreamDecodeError, match="without a line break"):
        decoder.feed(b'{"x": "' + b"a" * 200)


def chunked(parts: list[bytes], trailer: bytes = b"") -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p)
    return body + b"0\r\n" + trailer + b"\r\n"


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.binary(max_size=200), max_size=15),
    cuts=st.lists(st.integers(min_value=0, max_value=4000)),
    trailer=st.sampled_from([b"", b"X-Trailer: 1\r\n"]),
)
def test_chunked_decoder_any_chunking(parts: list[bytes], cuts: list[int], trailer: bytes) -> None:
    data = chunked(parts, trailer)
    decoder = ChunkedDecoder()
    got = []
    prev = 0
    for cut in [*sorted({c for c in cuts if c <= len(data)}), len(data)]:
        got.append(decoder.feed(data[prev:cut]))
        prev = cut
    assert b"".join(got) == b"".join(parts)
    assert decoder.done


def test_chunked_decoder_not_done_when_cut_short() -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(chunked([b"hello", b"world"])[:-5]) == b"helloworld"
    assert not decoder.done


@pytest.mark.parametrize("data", [b"zz\r\nabc\r\n", b"3\r\nabcXY", b"-1\r\n", b"1" * 5000])
def test_chunked_decoder_rejects_garbage(data: bytes) -> None:
    with pytest.raises(StreamDecodeError, match="chunked body"):
        ChunkedDecoder().feed(data)
