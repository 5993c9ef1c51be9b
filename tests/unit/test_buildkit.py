"""The BuildKit StatusResponse decoder, on messages encoded here by the protobuf rules."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from aiodock.build.buildkit import decode_status, decode_trace
from aiodock.errors import StreamDecodeError


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def vint(number: int, value: int) -> bytes:
    return key(number, 0) + varint(value)


def ld(number: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return key(number, 2) + varint(len(data)) + data


def timestamp(seconds: int, nanos: int = 0) -> bytes:
    return vint(1, seconds) + (vint(2, nanos) if nanos else b"")


T0 = 1_700_000_000


def sample() -> bytes:
    vertex = (
        ld(1, "sha256:v1")
        + ld(2, "sha256:in1")
        + ld(2, "sha256:in2")
        + ld(3, "[2/3] RUN make")
        + vint(4, 1)
        + ld(5, timestamp(T0, 500_000_000))
        + ld(6, timestamp(T0 + 2))
        + ld(7, "exit code: 2")
        + ld(8, b"\x0a\x03grp")  # progressGroup: a field we do not decode
    )
    status = (
        ld(1, "extracting sha256:abc")
        + ld(2, "sha256:v1")
        + ld(3, "extract")
        + vint(4, 1 << 33)
        + vint(5, 1 << 34)
        + ld(6, timestamp(T0))
        + ld(7, timestamp(T0 + 1))
        + ld(8, timestamp(T0 + 3))
    )
    log = ld(1, "sha256:v1") + ld(2, timestamp(T0 + 1)) + vint(3, 2) + ld(4, b"oops\n\xff")
    warning = (
        ld(1, "sha256:v1")
        + vint(2, 1)
        + ld(3, b"short")
        + ld(4, b"d1")
        + ld(4, b"d2")
        + ld(5, "https://x")
    )
    unknown = vint(15, 7) + key(16, 1) + bytes(8) + key(17, 5) + bytes(4) + ld(18, b"zz")
    return (
        ld(1, vertex)
        + ld(2, status)
        + ld(3, log)
        + ld(4, warning)
        + unknown
        + ld(1, ld(3, "second"))
    )


def test_decode_status_fields() -> None:
    response = decode_status(sample())
    assert [v.name for v in response.vertexes] == ["[2/3] RUN make", "second"]
    vertex = response.vertexes[0]
    assert vertex.digest == "sha256:v1"
    assert vertex.inputs == ["sha256:in1", "sha256:in2"]
    assert vertex.cached is True
    assert vertex.started == datetime.fromtimestamp(T0 + 0.5, tz=timezone.utc)
    assert vertex.completed == datetime.fromtimestamp(T0 + 2, tz=timezone.utc)
    assert vertex.error == "exit code: 2"
    second = response.vertexes[1]
    assert second.digest == "" and second.started is None and not second.cached

    (status,) = response.statuses
    assert (status.id, status.vertex, status.name) == (
        "extracting sha256:abc",
        "sha256:v1",
        "extract",
    )
    assert (status.current, status.total) == (1 << 33, 1 << 34)
    assert status.timestamp == datetime.fromtimestamp(T0, tz=timezone.utc)
    assert status.started is not None and status.completed is not None

    (log,) = response.logs
    assert (log.vertex, log.stream, log.data) == ("sha256:v1", 2, b"oops\n\xff")
    assert log.timestamp == datetime.fromtimestamp(T0 + 1, tz=timezone.utc)

    (warning,) = response.warnings
    assert (warning.level, warning.short, warning.detail, warning.url) == (
        1,
        b"short",
        [b"d1", b"d2"],
        "https://x",
    )


def test_negative_int64() -> None:
    response = decode_status(ld(2, vint(4, -5)))
    assert response.statuses[0].current == -5


def test_decode_trace_base64() -> None:
    payload = ld(1, ld(3, "[1/1] FROM busybox"))
    response = decode_trace(base64.b64encode(payload).decode())
    assert response.vertexes[0].name == "[1/1] FROM busybox"
    assert decode_trace("").vertexes == []


@pytest.mark.parametrize(
    "bad",
    [
        b"\x0a\x05abc",  # length beyond the end
        b"\x08\xff",  # truncated varint
        b"\x0b",  # wire type 3 (groups) is not used
        b"\x00\x01",  # field number 0
        b"\x09\x00\x00",  # truncated fixed64
        b"\x08" + b"\xff" * 11,  # varint too long
    ],
)
def test_malformed(bad: bytes) -> None:
    with pytest.raises(StreamDecodeError):
        decode_status(bad)


def test_not_base64() -> None:
    with pytest.raises(StreamDecodeError, match="base64"):
        decode_trace("not base64!")
