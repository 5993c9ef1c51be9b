"""docker.api's image and build methods (docker-py's ImageApiMixin and BuildApiMixin)
against the daemon, push and pull against a private registry."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from aiodock import BuildError, Docker, ImageNotFound, InvalidArgument, NotSupported
from aiodock.api import APIClient
from aiodock.reference import familiar_name

from ..conftest import RUN_ID, RUN_LABEL, TEST_IMAGE
from ..engines import Engine
from .registry import LocalRegistry, free_port


@pytest.fixture
def api(docker: Docker) -> APIClient:
    return docker.api


@pytest.fixture(scope="module")
def registry() -> Iterator[LocalRegistry]:
    with LocalRegistry() as running:
        yield running


@pytest.fixture
async def names(api: APIClient) -> AsyncIterator[list[str]]:
    """Image names (or ids) a test made; removed afterwards."""
    made: list[str] = []
    yield made
    for name in made:
        try:
            await api.remove_image(name, force=True)
        except ImageNotFound:
            pass


def unique(prefix: str = "aiodock-test/api") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def _rootfs_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    return buffer.getvalue()


async def test_inspect_history_images_tag_remove(api: APIClient, names: list[str]) -> None:
    attrs = await api.inspect_image(TEST_IMAGE)
    # the daemon's own names (Podman's docker.io/...), as the high-level attrs keep them
    tags = [familiar_name(tag) for tag in attrs["RepoTags"]]
    assert attrs["Id"].startswith("sha256:") and TEST_IMAGE in tags
    history = await api.history(TEST_IMAGE)
    assert history and {"Id", "Created", "CreatedBy"} <= set(history[0])
    name = unique()
    names.append(f"{name}:one")
    assert await api.tag(TEST_IMAGE, name, "one") is True
    listed = await api.images(name)
    assert [entry["Id"] for entry in listed] == [attrs["Id"]] and "Config" not in listed[0]
    assert await api.images(name, quiet=True) == [attrs["Id"]]
    assert attrs["Id"] in await api.images(quiet=True, all=True)
    removed = await api.remove_image(f"{name}:one")
    assert {"Untagged": f"{name}:one"} in removed
    with pytest.raises(ImageNotFound):
        await api.inspect_image(f"{name}:one")


async def test_get_image_and_load_image(api: APIClient, names: list[str]) -> None:
    name = unique()
    await api.tag(TEST_IMAGE, name, "saved")
    names.append(f"{name}:saved")
    chunks = [chunk async for chunk in api.get_image(f"{name}:saved", chunk_size=4096)]
    assert all(len(chunk) == 4096 for chunk in chunks[:-1])
    data = b"".join(chunks)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert "manifest.json" in tar.getnames() or "index.json" in tar.getnames()
    await api.remove_image(f"{name}:saved")
    progress = [item async for item in api.load_image(data)]
    assert any("Loaded image" in str(item.get("stream", "")) for item in progress)
    assert (await api.inspect_image(f"{name}:saved"))["Id"]


@pytest.mark.needs("import-tag")
async def test_import_image_forms(
    api: APIClient, names: list[str], tmp_path: Path, labels: dict[str, str]
) -> None:
    tar = _rootfs_tar()
    name = unique()
    text = await api.import_image_from_data(tar, repository=name, tag="data")
    names.append(f"{name}:data")
    assert isinstance(text, str) and "sha256:" in json.loads(text.splitlines()[-1])["status"]
    path = tmp_path / "rootfs.tar"
    path.write_bytes(tar)
    await api.import_image_from_file(str(path), repository=name, tag="file")
    names.append(f"{name}:file")
    await api.import_image(str(path), repository=name, tag="src", changes=["ENV FROM_SRC=1"])
    names.append(f"{name}:src")
    lines = [line async for line in api.import_image_from_stream(iter([tar]), name, "stream")]
    names.append(f"{name}:stream")
    assert lines and all(isinstance(line, bytes) for line in lines)
    for tag in ("data", "file", "src", "stream"):
        assert (await api.inspect_image(f"{name}:{tag}"))["RootFS"]["Layers"]
    src = await api.inspect_image(f"{name}:src")
    assert "FROM_SRC=1" in (src["Config"]["Env"] or [])


async def test_pull_push_and_distribution(
    api: APIClient, registry: LocalRegistry, names: list[str], engine: Engine
) -> None:
    repo = f"{registry.host}/aiodock/api-{secrets.token_hex(4)}"
    await api.tag(TEST_IMAGE, repo, "v1")
    names.append(f"{repo}:v1")
    pushed = [item async for item in api.push(repo, "v1", auth_config=registry.auth_config,
                                              stream=True, decode=True)]  # fmt: skip
    assert pushed and all(isinstance(item, dict) for item in pushed)
    if engine.lacks("push-digest") is None:
        assert any(isinstance(item.get("aux"), dict) and item["aux"].get("Tag") == "v1"
                   for item in pushed)  # fmt: skip
    if engine.lacks("registry-data") is None:
        distribution = await api.inspect_distribution(f"{repo}:v1", registry.auth_config)
        assert distribution["Descriptor"]["digest"].startswith("sha256:")
    await api.remove_image(f"{repo}:v1")
    text = await api.pull(f"{repo}:v1", auth_config=registry.auth_config)
    assert isinstance(text, str) and all(json.loads(line) for line in text.splitlines())
    assert (await api.inspect_image(f"{repo}:v1"))["Id"]
    raw = [line async for line in api.pull(repo, "v1", auth_config=registry.auth_config)]
    assert raw and all(isinstance(line, bytes) and json.loads(line) for line in raw)
    pushed_text = await api.push(f"{repo}:v1", auth_config=registry.auth_config)
    assert "v1" in pushed_text


async def test_prune_images_with_a_filter(api: APIClient) -> None:
    pruned = await api.prune_images(filters={"label": f"{RUN_LABEL}={RUN_ID}-none"})
    assert not pruned.get("ImagesDeleted") and pruned["SpaceReclaimed"] == 0


@pytest.mark.needs("registry-v1-search")
async def test_search_a_registry_index(api: APIClient) -> None:
    """A local index (the daemon trusts loopback registries over plain HTTP)."""
    queries: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        queries.append(request.path_qs)
        if request.path == "/v1/search":
            found = {"name": "team/app", "description": "", "star_count": 1,
                     "is_official": False, "is_automated": False}  # fmt: skip
            return web.json_response({"num_results": 1, "results": [found]})
        return web.json_response(True) if request.path == "/v1/_ping" else web.Response(status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", free_port()).start()
    try:
        port = runner.addresses[0][1]
        results = await api.search(f"127.0.0.1:{port}/app", limit=2)
    finally:
        await runner.cleanup()
    assert [r["name"] for r in results] == ["team/app"]
    assert "/v1/search?q=app&n=2" in queries


async def test_build_streams_docker_py_s_output(
    api: APIClient, names: list[str], tmp_path: Path, labels: dict[str, str], engine: Engine
) -> None:
    name = unique()
    dockerfile = f"FROM {TEST_IMAGE}\nRUN echo built > /built\n"
    items = [item async for item in api.build(fileobj=io.BytesIO(dockerfile.encode()),
                                              tag=name, labels=labels, decode=True)]  # fmt: skip
    names.append(name)
    assert any("Successfully built" in str(i.get("stream", "")) or "aux" in i for i in items)
    assert (await api.inspect_image(name))["Config"]["Labels"][RUN_LABEL] == RUN_ID
    (tmp_path / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nCOPY a.txt /a.txt\n")
    (tmp_path / "a.txt").write_text("a")
    lines = [line async for line in api.build(str(tmp_path), tag=f"{name}:dir", labels=labels)]
    names.append(f"{name}:dir")
    assert lines and all(isinstance(line, bytes) for line in lines)
    failing = f"FROM {TEST_IMAGE}\nRUN exit 7\n".encode()
    # Buildah words a failed step its own way (docs/engines.md)
    failed = "non-zero code: 7" if engine.kind == "docker" else "exit status 7"
    with pytest.raises(BuildError, match=failed):
        await api.build(fileobj=io.BytesIO(failing), labels=labels, forcerm=True)
    with pytest.raises(InvalidArgument, match="path or fileobj"):
        api.build()


async def test_prune_builds(api: APIClient, engine: Engine) -> None:
    if engine.lacks("build-prune") is not None:  # one clear error, nothing sent
        with pytest.raises(NotSupported, match="has no build-cache prune"):
            await api.prune_builds(filters={"until": "87600h"})
        return
    result = await api.prune_builds(filters={"until": "87600h"})
    assert "SpaceReclaimed" in result
