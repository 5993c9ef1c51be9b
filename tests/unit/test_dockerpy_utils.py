"""aiodock.utils: docker-py's public helpers, under their names and with their answers."""

from __future__ import annotations

import base64
import json
import tarfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import aiodock
from aiodock import InvalidArgument, utils


def test_every_helper_is_exported() -> None:
    for name in (
        "parse_bytes parse_env_file split_command parse_repository_tag parse_host "
        "parse_devices split_port build_port_bindings convert_port_bindings "
        "convert_volume_binds convert_filters format_environment normalize_links "
        "kwargs_from_env compare_version version_lt version_gte datetime_to_timestamp "
        "decode_json_header resolve_repository_name resolve_authconfig load_config tar "
        "exclude_paths mkbuildcontext"
    ).split():
        assert name in utils.__all__
        assert callable(getattr(utils, name))
    namespace: dict[str, object] = {}
    exec("from aiodock.utils import *", namespace)
    assert set(utils.__all__) <= set(namespace)
    with pytest.raises(AttributeError):
        _ = utils.no_such_helper  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512m", 512 * 1024**2), ("1g", 1024**3), ("64k", 65536), ("100", 100), (123, 123)],
)
def test_parse_bytes(text: str | int, expected: int) -> None:
    assert utils.parse_bytes(text) == expected


def test_parse_bytes_refuses_junk() -> None:
    with pytest.raises(InvalidArgument):
        utils.parse_bytes("12 parsecs")


def test_parse_env_file(tmp_path: Path) -> None:
    env = tmp_path / "env"
    env.write_text("# comment\nUSER=jdoe\n\n  PASS=se=cret  \nEMPTY=\n")
    assert utils.parse_env_file(env) == {"USER": "jdoe", "PASS": "se=cret", "EMPTY": ""}
    env.write_text("USER jdoe\n")
    with pytest.raises(InvalidArgument, match="KEY=value"):
        utils.parse_env_file(str(env))


def test_split_command() -> None:
    assert utils.split_command("sh -c 'echo a b'") == ["sh", "-c", "echo a b"]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("root", ("root", None)),
        ("root:tag", ("root", "tag")),
        ("user/repo:tag", ("user/repo", "tag")),
        ("localhost:5000/root", ("localhost:5000/root", None)),
        ("localhost:5000/root:tag", ("localhost:5000/root", "tag")),
        ("root@sha256:" + "a" * 64, ("root", "sha256:" + "a" * 64)),
    ],
)
def test_parse_repository_tag(ref: str, expected: tuple[str, str | None]) -> None:
    assert utils.parse_repository_tag(ref) == expected


@pytest.mark.parametrize(
    ("addr", "tls", "expected"),
    [
        (None, False, "http+unix:///var/run/docker.sock"),
        ("", False, "http+unix:///var/run/docker.sock"),
        ("unix://", False, "http+unix:///var/run/docker.sock"),
        ("unix:///tmp/d.sock", False, "http+unix:///tmp/d.sock"),
        ("tcp://127.0.0.1:2375", False, "http://127.0.0.1:2375"),
        ("tcp://127.0.0.1:2376", True, "https://127.0.0.1:2376"),
        ("127.0.0.1:2375", False, "http://127.0.0.1:2375"),
        ("https://example.com:2376", False, "https://example.com:2376"),
        ("tcp://[fd12::82d1]:2375", False, "http://[fd12::82d1]:2375"),
        ("ssh://user@host", False, "ssh://user@host:22"),
        ("ssh://host:2222", False, "ssh://host:2222"),
    ],
)
def test_parse_host(addr: str | None, tls: bool, expected: str) -> None:
    assert utils.parse_host(addr, tls=tls) == expected


def test_parse_host_refuses_unknown_schemes() -> None:
    with pytest.raises(InvalidArgument):
        utils.parse_host("ftp://example.com")


def test_parse_devices() -> None:
    assert utils.parse_devices(["/dev/sda", "/dev/sdb:/dev/xvdb:r"]) == [
        {"PathOnHost": "/dev/sda", "PathInContainer": "/dev/sda", "CgroupPermissions": "rwm"},
        {"PathOnHost": "/dev/sdb", "PathInContainer": "/dev/xvdb", "CgroupPermissions": "r"},
    ]
    raw = {"PathOnHost": "/dev/a", "PathInContainer": "/dev/b", "CgroupPermissions": "rw"}
    assert utils.parse_devices([raw]) == [raw]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("80", (["80"], None)),
        (80, (["80"], None)),
        ("80/udp", (["80/udp"], None)),
        ("8000:80", (["80"], ["8000"])),
        (":80", (["80"], None)),
        ("127.0.0.1:8000:80", (["80"], [("127.0.0.1", "8000")])),
        ("127.0.0.1::80", (["80"], [("127.0.0.1", None)])),
        ("80-81", (["80", "81"], None)),
        ("8000-8001:80-81/tcp", (["80/tcp", "81/tcp"], ["8000", "8001"])),
        ("8000-8010:80", (["80"], ["8000-8010"])),
        ("[::1]:8000:80", (["80"], [("::1", "8000")])),
    ],
)
def test_split_port(spec: str | int, expected: object) -> None:
    assert utils.split_port(spec) == expected


@pytest.mark.parametrize("spec", ["", "abc", "80/tcp:80", "8000-8002:80-81", "80/icmp"])
def test_split_port_refuses(spec: str) -> None:
    with pytest.raises(InvalidArgument):
        utils.split_port(spec)


def test_build_port_bindings() -> None:
    assert utils.build_port_bindings(["1000:1000", "2000:1000", "127.0.0.1:1001:1001", "90"]) == {
        "1000": ["1000", "2000"],
        "1001": [("127.0.0.1", "1001")],
        "90": [None],
    }


def test_convert_port_bindings() -> None:
    assert utils.convert_port_bindings(
        {1111: 4567, "2222/udp": ("127.0.0.1", 3333), 3333: None, 4444: [5555, 6666]}
    ) == {
        "1111/tcp": [{"HostIp": "", "HostPort": "4567"}],
        "2222/udp": [{"HostIp": "127.0.0.1", "HostPort": "3333"}],
        "3333/tcp": [{"HostIp": "", "HostPort": ""}],
        "4444/tcp": [{"HostIp": "", "HostPort": "5555"}, {"HostIp": "", "HostPort": "6666"}],
    }


def test_convert_volume_binds() -> None:
    assert utils.convert_volume_binds(["/a:/b:ro"]) == ["/a:/b:ro"]
    assert utils.convert_volume_binds(
        {
            "/data": {"bind": "/mnt", "mode": "ro"},
            "/logs": {"bind": "/var/log", "ro": True},
            "/cache": {"bind": "/c", "ro": False, "propagation": "rslave"},
            "vol": "/v",
        }
    ) == ["/data:/mnt:ro", "/logs:/var/log:ro", "/cache:/c:rw,rslave", "vol:/v:rw"]
    with pytest.raises(InvalidArgument, match="not both"):
        utils.convert_volume_binds({"/a": {"bind": "/b", "ro": True, "mode": "rw"}})


def test_convert_filters() -> None:
    assert json.loads(utils.convert_filters({"dangling": True, "label": ["a=b", "c"]})) == {
        "dangling": ["true"],
        "label": ["a=b", "c"],
    }
    assert utils.convert_filters({"id": "abc"}) == '{"id": ["abc"]}'


def test_format_environment() -> None:
    assert utils.format_environment({"A": "1", "B": None, "C": b"bytes"}) == [
        "A=1",
        "B",
        "C=bytes",
    ]


def test_normalize_links() -> None:
    assert utils.normalize_links({"web": "site", "db": None}) == ["db", "web:site"]
    assert utils.normalize_links([("b", "x"), ("a", None)]) == ["a", "b:x"]


def test_kwargs_from_env_feeds_docker(tmp_path: Path) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("x")
    env = {
        "DOCKER_HOST": "tcp://192.0.2.1:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(tmp_path),
    }
    kwargs = utils.kwargs_from_env(env)
    assert kwargs["url"] == "tcp://192.0.2.1:2376"
    tls = kwargs["tls"]
    assert isinstance(tls, aiodock.TLSConfig) and tls.verify
    assert Path(tls.ca_cert) == tmp_path / "ca.pem"  # type: ignore[arg-type]
    assert Path(tls.client_cert) == tmp_path / "cert.pem"  # type: ignore[arg-type]
    assert utils.kwargs_from_env({"DOCKER_HOST": "unix:///x.sock"}) == {"url": "unix:///x.sock"}
    cert_only = utils.kwargs_from_env({"DOCKER_CERT_PATH": str(tmp_path)})
    assert cert_only["tls"].verify is False


async def test_kwargs_from_env_is_accepted_by_docker() -> None:
    async with aiodock.Docker(**utils.kwargs_from_env({"DOCKER_HOST": "tcp://127.0.0.1:1"})):
        pass


def test_compare_version() -> None:
    assert utils.compare_version("1.9", "1.10") == 1
    assert utils.compare_version("1.10", "1.9") == -1
    assert utils.compare_version("1.41", "1.41") == 0
    assert utils.compare_version("1.4", "1.4.0") == 0
    assert utils.version_lt("1.40", "1.41") and not utils.version_lt("1.41", "1.41")
    assert utils.version_gte("1.41", "1.41") and not utils.version_gte("1.9", "1.10")


def test_datetime_to_timestamp() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 30, 900000, tzinfo=timezone.utc)
    assert utils.datetime_to_timestamp(moment) == 1714564830
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert utils.datetime_to_timestamp(epoch + timedelta(hours=1, seconds=5)) == 3605


def test_decode_json_header() -> None:
    header = base64.b64encode(json.dumps({"name": "x", "size": 3}).encode())
    assert utils.decode_json_header(header) == {"name": "x", "size": 3}
    assert utils.decode_json_header(header.decode()) == {"name": "x", "size": 3}
    with pytest.raises(InvalidArgument):
        utils.decode_json_header("not base64!")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("image", ("docker.io", "image")),
        ("user/image", ("docker.io", "user/image")),
        ("index.docker.io/user/image", ("docker.io", "user/image")),
        ("localhost/image", ("localhost", "image")),
        ("localhost:5000/a/b", ("localhost:5000", "a/b")),
        ("registry.example.com/image", ("registry.example.com", "image")),
    ],
)
def test_resolve_repository_name(name: str, expected: tuple[str, str]) -> None:
    assert utils.resolve_repository_name(name) == expected


@pytest.mark.parametrize("name", ["https://example.com/image", "-bad.example.com/image"])
def test_resolve_repository_name_refuses(name: str) -> None:
    with pytest.raises(InvalidArgument):
        utils.resolve_repository_name(name)


async def test_load_and_resolve_authconfig(tmp_path: Path) -> None:
    auth = base64.b64encode(b"user:secret").decode()
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "auths": {
                    "https://index.docker.io/v1/": {"auth": auth},
                    "https://registry.example.com/v2/": {"auth": auth, "email": "u@x"},
                }
            }
        )
    )
    config = utils.load_config(path)
    assert set(config["auths"]) == {
        "https://index.docker.io/v1/",
        "https://registry.example.com/v2/",
    }
    assert utils.load_config(config_dict={"auths": {}}) == {"auths": {}}
    hub = await utils.resolve_authconfig(config)
    assert hub is not None and (hub["username"], hub["password"]) == ("user", "secret")
    other = await utils.resolve_authconfig(config, "registry.example.com")
    assert other is not None and other["username"] == "user" and other["email"] == "u@x"
    assert await utils.resolve_authconfig(config, "elsewhere.example.com") is None


def _context(root: Path) -> None:
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "app.py").write_text("print()\n")
    (root / "build").mkdir()
    (root / "build" / "out.o").write_text("o")
    (root / "docs").mkdir()
    (root / "docs" / "keep.md").write_text("k")
    (root / "docs" / "drop.md").write_text("d")


def test_exclude_paths(tmp_path: Path) -> None:
    _context(tmp_path)
    assert utils.exclude_paths(str(tmp_path), ["build", "docs/*", "!docs/keep.md"]) == {
        "Dockerfile",
        "app.py",
        "docs",
        "docs/keep.md",
    }
    # the Dockerfile stays even when a pattern names it
    assert "Dockerfile" in utils.exclude_paths(str(tmp_path), ["Dockerfile", "*.py"])


def test_tar(tmp_path: Path) -> None:
    _context(tmp_path)
    with utils.tar(tmp_path, exclude=["build"]) as fh, tarfile.open(fileobj=fh) as archive:
        names = set(archive.getnames())
    assert names == {"Dockerfile", "app.py", "docs", "docs/keep.md", "docs/drop.md"}
    with utils.tar(tmp_path, dockerfile=("Dockerfile.alt", "FROM busybox\n"), gzip=True) as fh:
        with tarfile.open(fileobj=fh, mode="r:gz") as archive:
            member = archive.extractfile("Dockerfile.alt")
            assert member is not None and member.read() == b"FROM busybox\n"


def test_mkbuildcontext() -> None:
    with tarfile.open(fileobj=utils.mkbuildcontext("FROM scratch\n")) as archive:
        member = archive.extractfile("Dockerfile")
        assert member is not None and member.read() == b"FROM scratch\n"
