"""BuildKit builds through a build session: registry logins for the build's own pulls,
the context sent over the session (a rebuild sends only what changed), ``local`` and
``tar`` exports compared with the docker CLI's, and the clear error where an engine has
no BuildKit.

RUN steps use ``network_mode="none"``: the daemon here has no usable default bridge.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from aiodock import BuildError, Docker, NotSupported
from aiodock.build.buildkit import StatusResponse
from aiodock.images import Image

from ..conftest import TEST_IMAGE
from .registry import LocalRegistry, install_credential_helper
from .test_build import image_files, remove_image, write


@pytest.fixture(scope="module")
def registry() -> Iterator[LocalRegistry]:
    with LocalRegistry() as running:
        yield running


@pytest.fixture
async def built(docker: Docker) -> AsyncIterator[list[Image]]:
    images: list[Image] = []
    yield images
    for image in images:
        await remove_image(docker, image.id)


@pytest.fixture
async def private_base(
    docker: Docker, registry: LocalRegistry, test_image: str
) -> AsyncIterator[str]:
    """An image that exists only in the authenticated registry (a fresh name each test,
    so that no daemon cache has resolved it)."""
    name = f"{registry.host}/aiodock/base-{secrets.token_hex(4)}:v1"
    image = await docker.images.get(test_image)
    await image.tag(name)
    try:
        await docker.images.push(name, auth_config=registry.auth_config)
    finally:
        await docker.images.remove(name)
    yield name


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty DOCKER_CONFIG directory for this test."""
    directory = tmp_path / "docker-config"
    directory.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(directory))
    return directory


def vertexes(log: list[dict[str, Any]]) -> list[Any]:
    return [
        vertex
        for item in log
        if isinstance(item.get("aux"), StatusResponse)
        for vertex in item["aux"].vertexes
    ]


def shows_no_secret(password: str, *things: object) -> None:
    for thing in things:
        assert password not in repr(thing)
        assert password not in str(thing)


# --- registry logins for the build's own pulls ------------------------------------------


async def test_from_a_private_registry_with_auth_config(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    docker_config: Path,
) -> None:
    stream = docker.images.build(
        path=write_from(tmp_path, private_base),
        version="2",
        labels=labels,
        network_mode="none",
        auth_config={registry.host: registry.auth_config},
    )
    image = await stream
    built.append(image)
    files = await image_files(docker, image)
    assert files["built"] == b"built\n"
    names = [vertex.name for vertex in vertexes(stream.log)]
    assert any(private_base.rsplit(":", 1)[0] in name for name in names)
    shows_no_secret(registry.password, stream, stream.session, stream.log, image)


def write_from(tmp_path: Path, base: str) -> Path:
    context = tmp_path / "ctx"
    write(context, {"Dockerfile": f"FROM {base}\nRUN echo built > /built\n"})
    return context


async def test_from_a_private_registry_with_config_json(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    docker_config: Path,
) -> None:
    token = f"{registry.username}:{registry.password}".encode()
    (docker_config / "config.json").write_text(
        json.dumps({"auths": {registry.host: {"auth": base64.b64encode(token).decode()}}})
    )
    image = await docker.images.build(
        path=write_from(tmp_path, private_base), version="2", labels=labels,
        network_mode="none",
    )  # fmt: skip
    built.append(image)
    assert (await image_files(docker, image))["built"] == b"built\n"


async def test_from_a_private_registry_with_a_credential_helper(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    built: list[Image],
    docker_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    install_credential_helper(str(bindir), registry.host, registry.username, registry.password)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    (docker_config / "config.json").write_text(json.dumps({"credHelpers": {registry.host: "test"}}))
    image = await docker.images.build(
        path=write_from(tmp_path, private_base), version="2", labels=labels,
        network_mode="none",
    )  # fmt: skip
    built.append(image)
    assert (await image_files(docker, image))["built"] == b"built\n"


@pytest.mark.parametrize("given", ["none", "wrong"])
async def test_from_a_private_registry_without_credentials_fails_clearly(
    docker: Docker,
    registry: LocalRegistry,
    private_base: str,
    tmp_path: Path,
    labels: dict[str, str],
    docker_config: Path,
    given: str,
) -> None:
    wrong = {"username": registry.username, "password": "wrong-" + registry.password[:6]}
    auth = {registry.host: wrong} if given == "wrong" else None
    stream = docker.images.build(
        path=write_from(tmp_path, private_base), version="2", labels=labels,
        network_mode="none", auth_config=auth,
    )  # fmt: skip
    with pytest.raises(BuildError) as failed:
        await stream
    message = failed.value.reason.lower()
    assert registry.host in message
    assert "401 unauthorized" in message
    if given == "none":  # says where credentials would come from
        assert f"no credentials for {registry.host}" in message
        assert "auth_config" in message
    shows_no_secret(registry.password, failed.value, stream, stream.session, stream.log)
    shows_no_secret(wrong["password"], failed.value, stream, stream.session, stream.log)


# --- the context over the session -------------------------------------------------------

IGNORE_DOCKERFILE = f"""\
FROM {TEST_IMAGE}
COPY . /ctx/
"""


async def test_context_over_the_session_honours_dockerignore(
    docker: Docker, tmp_path: Path, labels: dict[str, str], built: list[Image]
) -> None:
    context = tmp_path / "ctx"
    write(
        context,
        {
            "Dockerfile": IGNORE_DOCKERFILE,
            ".dockerignore": "# comment\n*.log\n!keep.log\nbuild/\n**/*.tmp\nDockerfile\n",
            "app.py": "print('app')\n",
            "debug.log": "dropped\n",
            "keep.log": "kept\n",
            "build/out.bin": "dropped\n",
            "src/a/b.tmp": "dropped\n",
            "src/a/c.txt": "kept\n",
            "weird name [1].txt": "kept\n",
        },
    )
    (context / "link").symlink_to("app.py")
    stream = docker.images.build(path=context, version="2", labels=labels)
    image = await stream
    built.append(image)
    assert stream.session is not None and stream.session.bytes_sent > 0
    files = await image_files(docker, image)
    sent = {name[len("ctx/") :]: data for name, data in files.items() if name.startswith("ctx/")}
    # What the docker CLI sends for this .dockerignore: the Dockerfile is fetched on its
    # own and, being excluded, is not in the context; .dockerignore itself is.
    assert sent == {
        ".dockerignore": (context / ".dockerignore").read_bytes(),
        "app.py": b"print('app')\n",
        "keep.log": b"kept\n",
        "link": None,
        "src": None,
        "src/a": None,
        "src/a/c.txt": b"kept\n",
        "weird name [1].txt": b"kept\n",
    }


async def test_a_dockerfile_outside_the_context(
    docker: Docker, tmp_path: Path, labels: dict[str, str], built: list[Image]
) -> None:
    write(tmp_path / "ctx", {"file.txt": "in context\n"})
    write(tmp_path / "elsewhere", {"Build.df": f"FROM {TEST_IMAGE}\nCOPY file.txt /copied\n"})
    image = await docker.images.build(
        path=tmp_path / "ctx", dockerfile=tmp_path / "elsewhere" / "Build.df", version="2",
        labels=labels,
    )  # fmt: skip
    built.append(image)
    assert (await image_files(docker, image))["copied"] == b"in context\n"


# --- where BuildKit is missing ---------------------------------------------------------


async def test_buildkit_turned_off_is_refused_before_any_upload(tmp_path: Path) -> None:
    from .private_daemon import PrivateDaemon

    daemon = PrivateDaemon()
    (daemon.root / "daemon.json").write_text(json.dumps({"features": {"buildkit": False}}))
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\n"})
    uploaded: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        uploaded.append(b"")
        yield b""

    try:
        await daemon.start()
        await daemon.load_image()
        async with daemon.client() as docker:
            attempts: list[dict[str, Any]] = [
                {"path": tmp_path, "version": "2"},
                {"path": tmp_path, "version": "2", "secrets": {"a": "b"}},
                {"path": tmp_path, "version": "2", "ssh": {}, "outputs": [{"type": "cacheonly"}]},
                {"custom_context": body(), "version": "2"},
            ]
            for kwargs in attempts:
                with pytest.raises(NotSupported) as refused:
                    await docker.images.build(**kwargs)
                assert "Docker Engine 20.10" in str(refused.value)
                assert "BuildKit" in str(refused.value)
            assert uploaded == []
            # The classic builder still works there.
            image = await docker.images.build(fileobj=f"FROM {TEST_IMAGE}\n", version="1")
            assert image.id
    finally:
        await daemon.close()


REBUILD_DOCKERFILE = f"""\
FROM {TEST_IMAGE}
RUN --mount=type=bind,target=/ctx cat /ctx/version.txt > /version && du -sk /ctx/data > /size
"""


async def test_a_rebuild_sends_only_what_changed(
    docker: Docker, tmp_path: Path, labels: dict[str, str], built: list[Image]
) -> None:
    context = tmp_path / "ctx"
    (context / "data").mkdir(parents=True)
    for index in range(100):
        (context / "data" / f"blob{index:03d}.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    (context / "Dockerfile").write_text(REBUILD_DOCKERFILE)
    sent = []
    for version in ("one", "two"):
        (context / "version.txt").write_text(f"{version}\n")
        stream = docker.images.build(path=context, version="2", labels=labels, network_mode="none")
        image = await stream
        built.append(image)
        assert stream.session is not None
        sent.append(stream.session.bytes_sent)
        files = await image_files(docker, image)
        assert files["version"] == f"{version}\n".encode()  # the build saw the change
        assert files["size"] == b"204804\t/ctx/data\n"
    assert sent[0] > 200 * 1024 * 1024  # the first build had all of it
    assert sent[1] < 1024 * 1024  # the rebuild only the changed file, and the listing
