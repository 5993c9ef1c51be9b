"""The pure parts of build sessions: protobuf fields, gRPC framing, secret checks, fsutil
packets and trees, BuildKit detection, cache_from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiodock.build.buildkit import proto_bytes, proto_fields, proto_varint
from aiodock.build.dockerignore import PatternMatcher
from aiodock.build.filesync import (
    PACKET_DATA,
    PACKET_REQ,
    Packet,
    Stat,
    TreeWriter,
    go_mode,
    tree_entries,
    unix_mode,
)
from aiodock.build.request import _cache_from
from aiodock.build.session import _grpc_message, _grpc_payload, check_secrets
from aiodock.build.support import buildkit_missing
from aiodock.engine import EngineInfo
from aiodock.errors import DockerError, InvalidArgument


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


# --- fsutil packets, the trees we send and receive --------------------------------------


@given(
    path=st.text(min_size=1, max_size=40),
    mode=st.integers(0, (1 << 32) - 1),
    size=st.integers(0, 1 << 40),
    mod_time=st.integers(-(1 << 62), 1 << 62),
    linkname=st.text(max_size=20),
    data=st.binary(max_size=100),
    ident=st.integers(0, (1 << 32) - 1),
)
def test_packets_round_trip(
    path: str, mode: int, size: int, mod_time: int, linkname: str, data: bytes, ident: int
) -> None:
    stat = Stat(path, mode, size=size, mod_time=mod_time, linkname=linkname, xattrs={"k": b"v"})
    packet = Packet(PACKET_DATA, stat, ident, data)
    assert Packet.decode(packet.encode()) == packet


def test_go_file_modes() -> None:
    import stat as s

    assert go_mode(s.S_IFDIR | 0o755) == 1 << 31 | 0o755
    assert go_mode(s.S_IFLNK | 0o777) == 1 << 27 | 0o777
    assert go_mode(s.S_IFREG | s.S_ISUID | 0o4755 & 0o777) == 1 << 23 | 0o755
    for kind in (s.S_IFREG, s.S_IFDIR, s.S_IFLNK, s.S_IFCHR, s.S_IFBLK, s.S_IFIFO):
        for extra in (0, s.S_ISGID, s.S_ISVTX):
            assert unix_mode(go_mode(kind | extra | 0o640)) == kind | extra | 0o640
    # The empty STAT that ends a walk, a request for file 7: as fsutil encodes them.
    assert Packet(0).encode() == b""
    assert Packet(PACKET_REQ, id=7).encode() == b"\x08\x01\x18\x07"


def make_tree(root: Path, names: list[str]) -> None:
    for name in names:
        target = root / name
        if name.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(name)


def test_tree_order_and_excluded_parents(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a-b", "a/x", "a/y/z", "logs/old.log", "logs/keep.log", "b.txt"])
    excludes = PatternMatcher(["logs", "!logs/keep.log", "a/y"])
    paths = [stat.path for stat, _full in tree_entries(str(tmp_path), excludes)]
    # fsutil's order ("a" and what is in it before "a-b"); the excluded "logs" directory
    # still comes before the file re-included in it.
    assert paths == ["a", "a/x", "a-b", "b.txt", "logs", "logs/keep.log"]


def test_tree_includes_and_follow_paths(tmp_path: Path) -> None:
    make_tree(tmp_path, ["Dockerfile", "Dockerfile.dockerignore", "src/app.py", "src/t/x.py"])
    (tmp_path / "df").symlink_to("Dockerfile")
    none = PatternMatcher([])
    followed = tree_entries(str(tmp_path), none, follow_paths=["df", "missing"])
    assert [stat.path for stat, _ in followed] == ["Dockerfile", "df"]
    included = tree_entries(str(tmp_path), none, includes=["src/t"])
    assert [stat.path for stat, _ in included] == ["src", "src/t", "src/t/x.py"]


def test_tree_writer_writes_what_it_is_sent(tmp_path: Path) -> None:
    import stat as s

    writer = TreeWriter(str(tmp_path / "out"))
    assert writer.stat(Stat("d", go_mode(s.S_IFDIR | 0o750), mod_time=10**18)) is None
    file_id = writer.stat(Stat("d/f", go_mode(s.S_IFREG | 0o640), size=5, mod_time=2 * 10**18))
    assert file_id == 1
    assert writer.stat(Stat("d/h", go_mode(s.S_IFREG | 0o640), linkname="d/f")) is None
    assert writer.stat(Stat("l", go_mode(s.S_IFLNK | 0o777), linkname="d/f")) is None
    assert writer.stat(None) is None and not writer.complete
    writer.data(file_id, b"hello")
    writer.data(file_id, b"")
    assert writer.complete
    writer.finish()
    out = tmp_path / "out"
    assert (out / "d" / "f").read_bytes() == b"hello"
    assert (out / "d" / "f").stat().st_mode & 0o777 == 0o640
    assert (out / "d" / "f").stat().st_mtime_ns == 2 * 10**18
    assert (out / "d" / "h").stat().st_ino == (out / "d" / "f").stat().st_ino
    assert os.readlink(out / "l") == "d/f"
    assert (out / "d").stat().st_mode & 0o777 == 0o750


@pytest.mark.parametrize(
    "entries",
    [
        ["../escape"],
        ["/etc/passwd"],
        ["missing-parent/file"],
        ["link", "link/through"],  # a file through a symlink the sender made
    ],
)
def test_tree_writer_refuses_paths_outside(tmp_path: Path, entries: list[str]) -> None:
    import stat as s

    writer = TreeWriter(str(tmp_path / "out"))
    with pytest.raises(DockerError, match="local export"):
        for name in entries:
            kind = s.S_IFLNK if name == "link" else s.S_IFREG
            writer.stat(Stat(name, go_mode(kind | 0o644), linkname=str(tmp_path)))
    assert sorted(os.listdir(tmp_path)) == ["out"]
    writer.close()


def _engine(name: str, version: str, builder: str | None, os: str = "linux") -> EngineInfo:
    return EngineInfo(
        name=name,  # type: ignore[arg-type]
        version=version, api_version="1.41", max_api_version="1.41", min_api_version=None,
        builder_version=builder, swarm="inactive", os=os, arch="amd64", kernel_version="6",
        experimental=False, components={},
    )  # fmt: skip


def test_buildkit_missing_names_the_engine() -> None:
    assert buildkit_missing(_engine("docker", "20.10.24", None)) is None
    assert buildkit_missing(_engine("docker", "28.5.2", "2")) is None
    off = buildkit_missing(_engine("docker", "20.10.24", "1"))
    assert off is not None and "Docker 20.10.24" in off and "turned off" in off
    assert buildkit_missing(_engine("podman", "4.3.1", None)) == "Podman 4.3.1 has no BuildKit"
    windows = buildkit_missing(_engine("docker", "20.10.9", None, os="windows"))
    assert windows is not None and "Windows" in windows


def test_cache_from_forms() -> None:
    assert _cache_from(None) is None
    expected = '["reg:5000/app:cache", "reg:5000/app:cache", "app"]'
    given = ["reg:5000/app:cache", "type=registry,ref=reg:5000/app:cache", {"ref": "app"}]
    assert _cache_from(given) == expected
    with pytest.raises(InvalidArgument, match="registry caches only"):
        _cache_from(["type=local,src=dir"])
    with pytest.raises(InvalidArgument):
        _cache_from(["Not A Reference"])
