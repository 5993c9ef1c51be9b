"""Push, pull, login and registry data against a real authenticated registry.

The registry is Debian's ``docker-registry`` with an htpasswd user (see ``registry.py``);
credentials are given by argument, by ``config.json`` (``auths``), through a credential
helper program, or remembered by ``docker.login``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from aiodock import APIError, Docker, ImageNotFound
from aiodock.images import Image

from ..engines import Engine
from .registry import LocalRegistry, install_credential_helper

WRONG = {"username": "aiodock", "password": "definitely-wrong"}


@pytest.fixture(scope="module")
def registry() -> Iterator[LocalRegistry]:
    with LocalRegistry() as running:
        yield running


@pytest.fixture
async def repo(docker: Docker, registry: LocalRegistry, test_image: str) -> AsyncIterator[str]:
    """A fresh repository name in the registry, tagged locally from the test image; every
    local tag of it is removed afterwards."""
    name = f"{registry.host}/aiodock/{secrets.token_hex(4)}"
    image = await docker.images.get(test_image)
    await image.tag(name, "v1")
    try:
        yield name
    finally:
        for img in await docker.images.list(name, sparse=True):
            for tag in img.tags:
                if tag.startswith(name + ":"):
                    await docker.images.remove(tag)


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty DOCKER_CONFIG directory for this test."""
    directory = tmp_path / "docker-config"
    directory.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(directory))
    return directory


async def untag(docker: Docker, ref: str) -> None:
    await docker.images.remove(ref)
    assert not await docker.images.exists(ref)


async def test_push_and_pull_with_auth_config(
    docker: Docker,
    registry: LocalRegistry,
    repo: str,
    test_image: str,
    docker_config: Path,
    engine: Engine,
) -> None:
    events = [
        event async for event in docker.images.push(repo, "v1", auth_config=registry.auth_config)
    ]
    pushed = [e["aux"] for e in events if isinstance(e.get("aux"), dict)]
    if engine.lacks("push-digest") is None:
        assert pushed and pushed[-1]["Tag"] == "v1" and pushed[-1]["Digest"].startswith("sha256:")

    await untag(docker, f"{repo}:v1")
    image = await docker.images.pull(repo, "v1", auth_config=registry.auth_config)
    original = await docker.images.get(test_image)
    assert isinstance(image, Image) and image.id == original.id
    assert f"{repo}:v1" in image.tags
    digests = [d for d in image.attrs["RepoDigests"] if d.startswith(f"{repo}@sha256:")]
    assert digests  # what the registry holds now
    digest = digests[0].partition("@")[2]
    if pushed:
        assert pushed[-1]["Digest"] == digest

    # By digest, and the awaited push gives the image.
    if engine.lacks("repo-digest-readback") is None:
        by_digest = await docker.images.pull(f"{repo}@{digest}", auth_config=registry.auth_config)
        assert by_digest.id == original.id
    again = await docker.images.push(f"{repo}:v1", auth_config=registry.auth_config)
    assert again.id == original.id


async def test_wrong_or_missing_credentials_raise(
    docker: Docker, registry: LocalRegistry, repo: str, docker_config: Path
) -> None:
    with pytest.raises(APIError) as pushed:
        await docker.images.push(repo, "v1", auth_config=WRONG)
    assert "definitely-wrong" not in str(pushed.value)
    with pytest.raises(APIError):
        await docker.images.push(repo, "v1")  # no credentials anywhere

    await docker.images.push(repo, "v1", auth_config=registry.auth_config)
    await untag(docker, f"{repo}:v1")
    with pytest.raises(APIError) as pulled:
        await docker.images.pull(repo, "v1", auth_config=WRONG)
    assert "definitely-wrong" not in str(pulled.value)
    with pytest.raises(APIError):
        await docker.images.pull(repo, "v1")
    with pytest.raises(ImageNotFound):
        await docker.images.get(f"{repo}:v1")


async def test_credentials_from_config_json(
    docker: Docker, registry: LocalRegistry, repo: str, docker_config: Path
) -> None:
    token = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    (docker_config / "config.json").write_text(
        json.dumps({"auths": {f"http://{registry.host}": {"auth": token}}})
    )
    await docker.images.push(repo, "v1")
    await untag(docker, f"{repo}:v1")
    image = await docker.images.pull(f"{repo}:v1")
    assert f"{repo}:v1" in image.tags

    # A wrong entry is sent as well, and refused.
    bad = base64.b64encode(b"aiodock:nope").decode()
    (docker_config / "config.json").write_text(
        json.dumps({"auths": {registry.host: {"auth": bad}}})
    )
    with pytest.raises(APIError):
        await docker.images.push(repo, "v1")


@pytest.mark.parametrize("key", ["credHelpers", "credsStore"])
async def test_credentials_from_credential_helper(
    docker: Docker,
    engine: Engine,
    registry: LocalRegistry,
    repo: str,
    docker_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    install_credential_helper(str(bindir), registry.host, registry.username, registry.password)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    setting: object = {registry.host: "test"} if key == "credHelpers" else "test"
    (docker_config / "config.json").write_text(json.dumps({key: setting}))

    await docker.images.push(repo, "v1")
    await untag(docker, f"{repo}:v1")
    image = await docker.images.pull(repo, "v1")
    assert f"{repo}:v1" in image.tags
    if engine.lacks("registry-data") is None:
        data = await docker.images.get_registry_data(f"{repo}:v1")
        assert data.id.startswith("sha256:")


@pytest.mark.needs("plain-http-login")
async def test_login_checks_and_remembers(
    docker: Docker, registry: LocalRegistry, repo: str, docker_config: Path
) -> None:
    with pytest.raises(APIError) as failed:
        await docker.login(registry.username, "definitely-wrong", registry=registry.host)
    assert "definitely-wrong" not in str(failed.value)
    with pytest.raises(APIError):
        await docker.images.push(repo, "v1")  # the failed login was not remembered

    answer = await docker.login(registry.username, registry.password, registry=registry.host)
    assert answer["Status"] == "Login Succeeded"
    assert registry.password not in repr(answer)
    # Remembered on this client: no auth_config needed any more.
    await docker.images.push(repo, "v1")
    await untag(docker, f"{repo}:v1")
    await docker.images.pull(repo, "v1")
    # Same user again without reauth: answered from memory.
    assert await docker.login(registry.username, "ignored", registry=registry.host) == answer
    # Another client does not know it.
    async with Docker() as other:
        with pytest.raises(APIError):
            await other.images.push(repo, "v1")


@pytest.mark.needs("registry-data")
async def test_registry_data_and_all_tags(
    docker: Docker, registry: LocalRegistry, repo: str, docker_config: Path
) -> None:
    auth = registry.auth_config
    image = await docker.images.get(f"{repo}:v1")
    await image.tag(repo, "v2")
    await docker.images.push(repo, auth_config=auth)  # every local tag

    data = await docker.images.get_registry_data(f"{repo}:v2", auth_config=auth)
    assert data.id.startswith("sha256:") and len(data.short_id) == 12
    assert data.has_platform("linux/amd64") or data.platforms
    assert f"{repo}@{data.id}" in (await docker.images.get(f"{repo}:v2")).attrs["RepoDigests"]
    with pytest.raises(APIError):
        await docker.images.get_registry_data(f"{repo}:v2", auth_config=WRONG)

    await untag(docker, f"{repo}:v1")
    await untag(docker, f"{repo}:v2")
    pulled = await docker.images.pull(repo, all_tags=True, auth_config=auth)
    assert sorted(t for img in pulled for t in img.tags if t.startswith(repo)) == [
        f"{repo}:v1",
        f"{repo}:v2",
    ]
    by_data = await data.pull()
    assert by_data.id == image.id


@pytest.mark.needs("plain-http-login")
async def test_import_from_registry_image(
    docker: Docker, registry: LocalRegistry, repo: str, docker_config: Path
) -> None:
    await docker.login(registry.username, registry.password, registry=registry.host)
    await docker.images.push(repo, "v1")
    await untag(docker, f"{repo}:v1")
    imported = await docker.images.import_image(image=f"{repo}:v1")
    assert f"{repo}:v1" in imported.tags
