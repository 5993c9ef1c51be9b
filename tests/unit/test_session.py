"""The pure parts of build sessions: protobuf fields, gRPC framing, secret checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiodock.build.buildkit import proto_bytes, proto_fields, proto_varint
from aiodock.build.session import _grpc_message, _grpc_payload, check_secrets
from aiodock.errors import InvalidArgument


@given(
    number=st.integers(1, 1 << 20),
    value=st.integers(0, (1 << 64) - 1),
    data=st.binary(max_size=300),
)
def test_protobuf_fields_round_trip(number: int, value: int, data: bytes) -> None:
    message = proto_varint(number, value) + proto_bytes(number + 1, data)
    assert list(proto_fields(message)) == [(number, 0, value), (number + 1, 2, data)]


def test_known_encodings() -> None:
    assert proto_varint(1, 1) == b"\x08\x01"  # HealthCheckResponse{status: SERVING}
    assert proto_bytes(1, b"abc") == b"\x0a\x03abc"  # GetSecretResponse{data: "abc"}
    assert proto_varint(1, 300) == b"\x08\xac\x02"


@given(payload=st.binary(max_size=2000))
def test_grpc_framing_round_trip(payload: bytes) -> None:
    assert _grpc_payload(_grpc_message(payload)) == payload


@pytest.mark.parametrize(
    "body", [b"", b"\x00\x00\x00", b"\x01\x00\x00\x00\x00", b"\x00\x00\x00\x00\x05ab"]
)
def test_grpc_framing_refuses_bad_bodies(body: bytes) -> None:
    with pytest.raises(ValueError):
        _grpc_payload(body)


def test_secret_sources(tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_bytes(b"k")
    checked = check_secrets({"a": "text", "b": b"bytes", "c": secret_file})
    assert checked == {"a": "text", "b": b"bytes", "c": secret_file}
    with pytest.raises(InvalidArgument, match="no file"):
        check_secrets({"c": tmp_path / "missing"})
    with pytest.raises(InvalidArgument, match="str or bytes"):
        check_secrets({"d": 1.5})  # type: ignore[dict-item]
