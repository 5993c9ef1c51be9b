"""Image reference parsing: registry, repository, tag and digest, and what is rejected."""

from __future__ import annotations

import pytest

from aiodock.errors import InvalidArgument
from aiodock.reference import INDEX_NAME, Reference, parse_reference, split_tag

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("busybox", Reference("docker.io", "library/busybox")),
        ("busybox:1.36", Reference("docker.io", "library/busybox", "1.36")),
        ("user/app", Reference("docker.io", "user/app")),
        ("docker.io/busybox", Reference("docker.io", "library/busybox")),
        ("index.docker.io/user/app:v1", Reference("docker.io", "user/app", "v1")),
        ("localhost/app", Reference("localhost", "app")),
        ("localhost:5000/app:dev", Reference("localhost:5000", "app", "dev")),
        ("127.0.0.1:5000/a/b/c:1", Reference("127.0.0.1:5000", "a/b/c", "1")),
        ("registry.example.com/team/app", Reference("registry.example.com", "team/app")),
        ("Registry.Example.com/app", Reference("Registry.Example.com", "app")),
        ("[::1]:5000/app", Reference("[::1]:5000", "app")),
        (f"busybox@{DIGEST}", Reference("docker.io", "library/busybox", None, DIGEST)),
        (f"r.io:443/x:tag@{DIGEST}", Reference("r.io:443", "x", "tag", DIGEST)),
        ("a_b-c__d/e.f---g:T_1.x-y", Reference("docker.io", "a_b-c__d/e.f---g", "T_1.x-y")),
        ("aiodock-test/busybox:latest", Reference("docker.io", "aiodock-test/busybox", "latest")),
    ],
)
def test_parse(ref: str, expected: Reference) -> None:
    assert parse_reference(ref) == expected


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("", "empty"),
        ("Busybox", "lowercase"),
        ("user/App", "lowercase"),
        ("busybox:", "bad tag"),
        ("busybox:-x", "bad tag"),
        ("busybox:" + "t" * 129, "bad tag"),
        ("busybox@sha256:abc", "bad digest"),
        ("busybox@", "bad digest"),
        ("a//b", "bad repository"),
        ("a/b/", "bad repository"),
        ("_a", "bad repository"),
        ("a__-b", "bad repository"),
        ("my host/app", "bad"),
        ("-bad.com/app", "bad registry"),
        ("a_b.c/app", "bad registry"),
        (":tag", "no repository"),
        ("a" * 64, "hexadecimal"),
        ("r.io/" + "a" * 260, "longer than"),
    ],
)
def test_rejects_malformed(ref: str, reason: str) -> None:
    with pytest.raises(InvalidArgument, match=reason):
        parse_reference(ref)


def test_rejects_non_string() -> None:
    with pytest.raises(InvalidArgument):
        parse_reference(None)  # type: ignore[arg-type]


def test_properties() -> None:
    hub = parse_reference("busybox:1")
    assert (
        hub.is_docker_hub and hub.name == "busybox" and hub.full_name == "docker.io/library/busybox"
    )
    assert hub.auth_key == INDEX_NAME
    assert str(hub) == "busybox:1"
    assert hub.tag_or_digest == "1"
    local = parse_reference(f"127.0.0.1:5000/app@{DIGEST}")
    assert not local.is_docker_hub and local.name == "127.0.0.1:5000/app"
    assert local.auth_key == "127.0.0.1:5000"
    assert str(local) == f"127.0.0.1:5000/app@{DIGEST}"
    assert local.tag_or_digest == DIGEST
    assert parse_reference("user/app").tag_or_digest == "latest"


@pytest.mark.parametrize(
    ("ref", "split"),
    [
        ("busybox", ("busybox", None)),
        ("busybox:1", ("busybox", "1")),
        ("localhost:5000/app", ("localhost:5000/app", None)),
        ("localhost:5000/app:2", ("localhost:5000/app", "2")),
        (f"app@{DIGEST}", ("app", DIGEST)),
    ],
)
def test_split_tag(ref: str, split: tuple[str, str | None]) -> None:
    assert split_tag(ref) == split
