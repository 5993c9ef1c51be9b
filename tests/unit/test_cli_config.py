"""What ``config.json`` says besides credentials, as the requests carry it: ``proxies`` in
created containers' environment and in build arguments, ``HttpHeaders`` on every
request, ``detachKeys`` as the default of attach and exec."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from aiodock import Docker, InvalidArgument, NotFound
from aiodock.cli_config import ProxyConfig, with_proxy_environment
from aiodock.process import attach_container

from .conftest import FakeAnswer, FakeDaemon, FakeRequest

FakeDocker = Callable[..., Awaitable[tuple[Docker, FakeDaemon]]]
PROXIES = {"httpProxy": "http://proxy:3128", "noProxy": "localhost,.internal"}
CID = "c" * 64


@pytest.fixture
def cli_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], None]:
    """Write ``$DOCKER_CONFIG/config.json`` (a directory of this test's own)."""
    directory = tmp_path / "docker-config"
    directory.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(directory))

    def write(config: Any) -> None:
        (directory / "config.json").write_text(json.dumps(config))

    return write


def daemon_answers(request: FakeRequest) -> FakeAnswer:
    if request.path == "/containers/create":
        return FakeAnswer(201, json={"Id": CID, "Warnings": []})
    if request.path == f"/containers/{CID}/json":
        return FakeAnswer(json={"Id": CID, "Config": {"Tty": False}})
    if request.path == f"/containers/{CID}/exec":
        return FakeAnswer(201, json={"Id": "e" * 64})
    if request.path == "/build":
        return FakeAnswer(body=b'{"stream":"Step 1/1"}\n')
    return FakeAnswer(404, json={"message": f"no such thing: {request.path}"})


def test_proxy_config_entries() -> None:
    config = {"proxies": {"default": PROXIES, "tcp://docker:2376": {"httpsProxy": "https://p"}}}
    assert ProxyConfig.from_config(config, "tcp://other:2376").environment() == {
        "HTTP_PROXY": "http://proxy:3128",
        "http_proxy": "http://proxy:3128",
        "NO_PROXY": "localhost,.internal",
        "no_proxy": "localhost,.internal",
    }
    assert ProxyConfig.from_config(config, "tcp://docker:2376") == ProxyConfig(https="https://p")
    assert ProxyConfig.from_config({}).environment() == {}
    assert ProxyConfig.from_config({"proxies": "junk"}) == ProxyConfig()
    assert with_proxy_environment(["http_proxy=mine"], {"http_proxy": "x", "HTTP_PROXY": "x"}) == [
        "HTTP_PROXY=x",
        "http_proxy=mine",
    ]
    assert with_proxy_environment(None, {}) is None


async def test_created_containers_get_the_proxies(
    fake_docker: FakeDocker, cli_config: Callable[[Any], None]
) -> None:
    docker, daemon = await fake_docker(daemon_answers)
    cli_config({"proxies": {"default": PROXIES}})
    await docker.containers.create("img", environment={"HTTP_PROXY": "http://mine", "A": "1"})
    await docker.containers.create("img", use_config_proxy=False)
    first, second = daemon.sent("/containers/create")
    assert first.json()["Env"] == [
        "http_proxy=http://proxy:3128",
        "NO_PROXY=localhost,.internal",
        "no_proxy=localhost,.internal",
        "HTTP_PROXY=http://mine",  # an explicit entry wins
        "A=1",
    ]
    assert "Env" not in second.json()
    with pytest.raises(InvalidArgument, match="use_config_proxy"):
        await docker.containers.create("img", use_config_proxy="yes")

    # the entry of the daemon's own address wins over the default one
    cli_config({"proxies": {"default": PROXIES, docker.address.display: {"ftpProxy": "ftp://p"}}})
    await docker.containers.create("img")
    assert daemon.sent("/containers/create")[-1].json()["Env"] == [
        "FTP_PROXY=ftp://p",
        "ftp_proxy=ftp://p",
    ]


async def test_builds_get_the_proxies_as_build_arguments(
    fake_docker: FakeDocker, cli_config: Callable[[Any], None]
) -> None:
    docker, daemon = await fake_docker(daemon_answers)
    cli_config({"proxies": {"default": PROXIES}})
    dockerfile = b"FROM scratch\n"
    assert [p async for p in docker.images.build(fileobj=dockerfile, buildargs={"no_proxy": "x"})]
    assert [p async for p in docker.images.build(fileobj=dockerfile, use_config_proxy=False)]
    first, second = daemon.sent("/build")
    assert json.loads(first.param("buildargs") or "") == {
        "HTTP_PROXY": "http://proxy:3128",
        "http_proxy": "http://proxy:3128",
        "NO_PROXY": "localhost,.internal",
        "no_proxy": "x",  # given explicitly
    }
    assert second.param("buildargs") is None


async def test_the_low_level_client_applies_the_proxies_too(
    fake_docker: FakeDocker, cli_config: Callable[[Any], None]
) -> None:
    docker, daemon = await fake_docker(daemon_answers)
    cli_config({"proxies": {"default": {"ftpProxy": "ftp://p"}}})
    await docker.api.create_container("img", environment={"A": "1"})
    await docker.api.create_container("img", use_config_proxy=False)
    await docker.api.create_container_from_config({"Image": "img"})  # a ready body: as given
    first, second, third = daemon.sent("/containers/create")
    assert first.json()["Env"] == ["FTP_PROXY=ftp://p", "ftp_proxy=ftp://p", "A=1"]
    assert second.json().get("Env") is None and third.json().get("Env") is None
    assert await docker.api.build(fileobj=io.BytesIO(b"FROM scratch\n"))
    assert json.loads(daemon.sent("/build")[-1].param("buildargs") or "") == {
        "FTP_PROXY": "ftp://p",
        "ftp_proxy": "ftp://p",
    }


async def test_http_headers_go_with_every_request(
    fake_docker: FakeDocker, cli_config: Callable[[Any], None]
) -> None:
    cli_config({"HttpHeaders": {"X-Meta-Source": "cli", "X-Other": "1"}})
    docker, daemon = await fake_docker(daemon_answers, headers={"X-Other": "mine"})
    with pytest.raises(NotFound):
        await docker.info()
    [info] = daemon.sent("/info")
    assert info.headers["X-Meta-Source"] == "cli"
    assert info.headers["X-Other"] == "mine"  # the client's own headers win
    with pytest.raises(NotFound):  # connections of our own carry them too
        async with attach_container(docker, CID):
            pass
    [attach] = daemon.sent(f"/containers/{CID}/attach")
    assert attach.headers["X-Meta-Source"] == "cli"


async def test_detach_keys_default_to_the_configs(
    fake_docker: FakeDocker, cli_config: Callable[[Any], None]
) -> None:
    cli_config({"detachKeys": "ctrl-x,x"})
    docker, daemon = await fake_docker(daemon_answers)
    await docker.exec.create(CID, ["true"])
    await docker.exec.create(CID, ["true"], detach_keys="ctrl-a")
    first, second = daemon.sent(f"/containers/{CID}/exec")
    assert first.json()["DetachKeys"] == "ctrl-x,x"
    assert second.json()["DetachKeys"] == "ctrl-a"
    for keys in (None, "ctrl-b"):
        with pytest.raises(NotFound):
            async with attach_container(docker, CID, detach_keys=keys):
                pass
    sent = [r.param("detachKeys") for r in daemon.sent(f"/containers/{CID}/attach")]
    assert sent == ["ctrl-x,x", "ctrl-b"]

    cli_config({})
    await docker.exec.create(CID, ["true"])
    assert "DetachKeys" not in daemon.sent(f"/containers/{CID}/exec")[-1].json()


async def test_an_unreadable_config_is_ignored_here(
    fake_docker: FakeDocker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.json").write_text("{not json")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    docker, daemon = await fake_docker(daemon_answers)
    await docker.containers.create("img")
    assert "Env" not in daemon.sent("/containers/create")[0].json()
