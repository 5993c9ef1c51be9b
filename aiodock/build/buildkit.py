"""Decoding BuildKit progress (``moby.buildkit.trace``) without a protobuf dependency.

With ``version="2"`` the daemon reports build progress as JSON objects
``{"id": "moby.buildkit.trace", "aux": "<base64>"}`` whose payload is a protobuf
``moby.buildkit.v1.StatusResponse`` (BuildKit's ``api/services/control/control.proto``)::

    StatusResponse { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2;
                     repeated VertexLog logs = 3; repeated VertexWarning warnings = 4; }
    Vertex        { string digest = 1; repeated string inputs = 2; string name = 3;
                    bool cached = 4; Timestamp started = 5; Timestamp completed = 6;
                    string error = 7; }
    VertexStatus  { string ID = 1; string vertex = 2; string name = 3; int64 current = 4;
                    int64 total = 5; Timestamp timestamp = 6; Timestamp started = 7;
                    Timestamp completed = 8; }
    VertexLog     { string vertex = 1; Timestamp timestamp = 2; int64 stream = 3;
                    bytes msg = 4; }
    VertexWarning { string vertex = 1; int64 level = 2; bytes short = 3;
                    repeated bytes detail = 4; string url = 5; }
    Timestamp     { int64 seconds = 1; int32 nanos = 2; }

Only the protobuf wire format's varint, 64-bit, length-delimited and 32-bit fields are
needed; unknown fields are skipped, as protobuf requires. The same few helpers encode and
decode the messages of a build session (:mod:`aiodock.build.session`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import StreamDecodeError

__all__ = [
    "StatusResponse",
    "Vertex",
    "VertexLog",
    "VertexStatus",
    "VertexWarning",
    "decode_status",
    "decode_trace",
]

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    length = len(data)
    while True:
        if pos >= length:
            raise StreamDecodeError("BuildKit status: truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise StreamDecodeError("BuildKit status: varint too long")


def proto_fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """Yield ``(field number, wire type, value)`` of a message: ints for varint and fixed
    fields, bytes for length-delimited ones."""
    pos = 0
    length = len(data)
    while pos < length:
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise StreamDecodeError("BuildKit status: field number 0")
        value: Any
        if wire == _VARINT:
            value, pos = _read_varint(data, pos)
        elif wire == _LEN:
            size, pos = _read_varint(data, pos)
            end = pos + size
            if end > length:
                raise StreamDecodeError("BuildKit status: truncated field")
            value = data[pos:end]
            pos = end
        elif wire == _I64:
            if pos + 8 > length:
                raise StreamDecodeError("BuildKit status: truncated field")
            value = int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
        elif wire == _I32:
            if pos + 4 > length:
                raise StreamDecodeError("BuildKit status: truncated field")
            value = int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        else:
            raise StreamDecodeError(f"BuildKit status: unsupported wire type {wire}")
        yield number, wire, value


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def proto_varint(number: int, value: int) -> bytes:
    """A varint field (``value`` >= 0) in protobuf wire format."""
    return _varint(number << 3 | _VARINT) + _varint(value)


def proto_bytes(number: int, value: bytes) -> bytes:
    """A length-delimited field (bytes, string or message) in protobuf wire format."""
    return _varint(number << 3 | _LEN) + _varint(len(value)) + value


def _int64(value: int) -> int:
    """A varint read as a two's complement int64."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: Any) -> str:
    return bytes(value).decode("utf-8", "replace")


def _timestamp(data: bytes) -> datetime:
    seconds = 0
    nanos = 0
    for number, wire, value in proto_fields(data):
        if wire != _VARINT:
            continue
        if number == 1:
            seconds = _int64(value)
        elif number == 2:
            nanos = _int64(value)
    return datetime.fromtimestamp(seconds + nanos / 1e9, tz=timezone.utc)


@dataclass
class Vertex:
    """A step of the build graph (``[2/3] RUN make``) and its state."""

    digest: str = ""
    inputs: list[str] = field(default_factory=list)
    name: str = ""
    cached: bool = False
    started: datetime | None = None
    completed: datetime | None = None
    error: str = ""


@dataclass
class VertexStatus:
    """Progress of one task of a vertex (a transfer, an extraction): ``current/total``."""

    id: str = ""
    vertex: str = ""
    name: str = ""
    current: int = 0
    total: int = 0
    timestamp: datetime | None = None
    started: datetime | None = None
    completed: datetime | None = None


@dataclass
class VertexLog:
    """Output of a vertex's process: ``stream`` 1 is stdout, 2 stderr."""

    vertex: str = ""
    timestamp: datetime | None = None
    stream: int = 0
    data: bytes = b""


@dataclass
class VertexWarning:
    """A warning about a vertex (newer BuildKit versions)."""

    vertex: str = ""
    level: int = 0
    short: bytes = b""
    detail: list[bytes] = field(default_factory=list)
    url: str = ""


@dataclass
class StatusResponse:
    """One BuildKit progress update."""

    vertexes: list[Vertex] = field(default_factory=list)
    statuses: list[VertexStatus] = field(default_factory=list)
    logs: list[VertexLog] = field(default_factory=list)
    warnings: list[VertexWarning] = field(default_factory=list)


def _vertex(data: bytes) -> Vertex:
    vertex = Vertex()
    for number, wire, value in proto_fields(data):
        if number == 1 and wire == _LEN:
            vertex.digest = _text(value)
        elif number == 2 and wire == _LEN:
            vertex.inputs.append(_text(value))
        elif number == 3 and wire == _LEN:
            vertex.name = _text(value)
        elif number == 4 and wire == _VARINT:
            vertex.cached = bool(value)
        elif number == 5 and wire == _LEN:
            vertex.started = _timestamp(value)
        elif number == 6 and wire == _LEN:
            vertex.completed = _timestamp(value)
        elif number == 7 and wire == _LEN:
            vertex.error = _text(value)
    return vertex


def _status(data: bytes) -> VertexStatus:
    status = VertexStatus()
    for number, wire, value in proto_fields(data):
        if number == 1 and wire == _LEN:
            status.id = _text(value)
        elif number == 2 and wire == _LEN:
            status.vertex = _text(value)
        elif number == 3 and wire == _LEN:
            status.name = _text(value)
        elif number == 4 and wire == _VARINT:
            status.current = _int64(value)
        elif number == 5 and wire == _VARINT:
            status.total = _int64(value)
        elif number == 6 and wire == _LEN:
            status.timestamp = _timestamp(value)
        elif number == 7 and wire == _LEN:
            status.started = _timestamp(value)
        elif number == 8 and wire == _LEN:
            status.completed = _timestamp(value)
    return status


def _log(data: bytes) -> VertexLog:
    log = VertexLog()
    for number, wire, value in proto_fields(data):
        if number == 1 and wire == _LEN:
            log.vertex = _text(value)
        elif number == 2 and wire == _LEN:
            log.timestamp = _timestamp(value)
        elif number == 3 and wire == _VARINT:
            log.stream = _int64(value)
        elif number == 4 and wire == _LEN:
            log.data = bytes(value)
    return log


def _warning(data: bytes) -> VertexWarning:
    warning = VertexWarning()
    for number, wire, value in proto_fields(data):
        if number == 1 and wire == _LEN:
            warning.vertex = _text(value)
        elif number == 2 and wire == _VARINT:
            warning.level = _int64(value)
        elif number == 3 and wire == _LEN:
            warning.short = bytes(value)
        elif number == 4 and wire == _LEN:
            warning.detail.append(bytes(value))
        elif number == 5 and wire == _LEN:
            warning.url = _text(value)
    return warning


def decode_status(data: bytes) -> StatusResponse:
    """Decode a serialised ``StatusResponse``."""
    response = StatusResponse()
    for number, wire, value in proto_fields(data):
        if wire != _LEN:
            continue
        if number == 1:
            response.vertexes.append(_vertex(value))
        elif number == 2:
            response.statuses.append(_status(value))
        elif number == 3:
            response.logs.append(_log(value))
        elif number == 4:
            response.warnings.append(_warning(value))
    return response


def decode_trace(aux: str) -> StatusResponse:
    """Decode the base64 ``aux`` of a ``moby.buildkit.trace`` progress object."""
    try:
        raw = base64.b64decode(aux, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StreamDecodeError(f"BuildKit status is not base64: {exc}") from None
    return decode_status(raw)
