"""Requests as the daemon receives them, against the fake daemon of ``conftest.py``: the
query and body a call sends, version gates checked before sending, and error mapping."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest

from aiodock import Conflict, ContainerNotFound, Docker, InvalidArgument, NotFound

from .conftest import FakeAnswer, FakeDaemon, FakeRequest

FakeDocker = Callable[..., Awaitable[tuple[Docker, FakeDaemon]]]


async def test_container_list_sends_its_filters_as_json(fake_docker: FakeDocker) -> None:
    def answer(request: FakeRequest) -> FakeAnswer:
        if request.path == "/containers/json":
            return FakeAnswer(json=[{"Id": "a" * 64, "Names": ["/one"], "Labels": {}}])
        return FakeAnswer(404)

    docker, daemon = await fake_docker(answer, api_version="1.41")
    found = await docker.containers.list(
        all=True, filters={"label": ["a=1", "b"], "status": "exited"}, sparse=True
    )
    assert [c.id for c in found] == ["a" * 64]
    [sent] = daemon.sent("/containers/json")
    assert sent.method == "GET" and sent.api_version == "1.41"
    assert sent.param("all") == "1"
    assert json.loads(sent.param("filters") or "") == {"label": ["a=1", "b"], "status": ["exited"]}


async def test_version_is_negotiated_once_and_capped(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(
        lambda r: FakeAnswer(json={"Containers": 0}), api_version="9.99"
    )
    await docker.info()
    await docker.info()
    assert docker.api_version == "1.55"
    assert [r.path for r in daemon.requests] == ["/_ping", "/info", "/info"]
    assert {r.api_version for r in daemon.sent("/info")} == {"1.55"}


async def test_a_version_gate_fails_before_anything_is_sent(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(lambda r: FakeAnswer(json={}), api_version="1.41")
    with pytest.raises(InvalidArgument, match=r"needs API 1\.42"):
        await docker.volumes.prune(filters={"all": False})  # anonymous volumes only
    assert daemon.sent("/volumes/prune") == []


async def test_daemon_errors_map_to_typed_exceptions(fake_docker: FakeDocker) -> None:
    def answer(request: FakeRequest) -> FakeAnswer:
        if request.path.endswith("/json") and request.path.startswith("/containers/"):
            return FakeAnswer(404, json={"message": "No such container: nope"})
        if request.path == "/networks/create":
            return FakeAnswer(409, json={"message": "network with name x already exists"})
        return FakeAnswer(500, body=b"plain text failure\n")

    docker, _daemon = await fake_docker(answer)
    with pytest.raises(ContainerNotFound, match="No such container: nope") as missing:
        await docker.containers.get("nope")
    assert isinstance(missing.value, NotFound) and missing.value.status == 404
    with pytest.raises(Conflict) as conflict:
        await docker.networks.create("x")
    assert conflict.value.status == 409 and "already exists" in conflict.value.message
    with pytest.raises(Exception, match="plain text failure") as other:
        await docker.info()
    assert getattr(other.value, "status", None) == 500


async def test_client_headers_go_with_every_request(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(
        lambda r: FakeAnswer(json={}), headers={"X-Meta": "yes"}, api_version="1.41"
    )
    await docker.info()
    assert all(r.headers.get("X-Meta") == "yes" for r in daemon.requests)
    assert all(r.headers.get("User-Agent", "").startswith("aiodock/") for r in daemon.requests)


async def test_logs_over_our_own_connection_read_a_sized_body(fake_docker: FakeDocker) -> None:
    frames = b"\x01\x00\x00\x00\x00\x00\x00\x03out\x02\x00\x00\x00\x00\x00\x00\x03err"

    def answer(request: FakeRequest) -> FakeAnswer:
        if request.path == "/containers/c1/json":
            return FakeAnswer(json={"Id": "c1", "Config": {"Tty": False}})
        if request.path == "/containers/c1/logs":
            return FakeAnswer(
                body=frames, headers={"Content-Type": "application/vnd.docker.multiplexed-stream"}
            )
        return FakeAnswer(404)

    docker, daemon = await fake_docker(answer)
    container = await docker.containers.get("c1")
    assert await container.logs(stdout=True, stderr=True).demux() == (b"out", b"err")
    [sent] = daemon.sent("/containers/c1/logs")
    assert sent.param("stdout") == "1" and sent.param("stderr") == "1"
