"""docker.images and Image: inspect, list, tag, remove, history, prune, search, save/load,
import, commit, and argument checking."""

from __future__ import annotations

import io
import secrets
import tarfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from aiodock import Docker, ImageNotFound, InvalidArgument
from aiodock.images import ByteStream, Image

from ..conftest import RUN_ID, RUN_LABEL, TEST_IMAGE
from ..engines import Engine
from .registry import free_port

MakeImage = Callable[..., Awaitable[Image]]


@pytest.fixture
async def made(docker: Docker, labels: dict[str, str]) -> AsyncIterator[MakeImage]:
    """Build small labelled images of our own (FROM the test image); removed afterwards."""
    created: list[str] = []

    async def make(tag: str | None = None, content: str | None = None) -> Image:
        content = content or secrets.token_hex(8)
        dockerfile = f"FROM {TEST_IMAGE}\nLABEL content={content}\n"
        image = await docker.images.build(fileobj=dockerfile, tag=tag, labels=labels)
        created.append(image.id)
        return image

    yield make
    for image_id in created:
        try:
            await docker.images.remove(image_id, force=True)
        except ImageNotFound:
            pass


def unique(prefix: str = "aiodock-test/img") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


async def test_get_and_handle_properties(docker: Docker) -> None:
    image = await docker.images.get(TEST_IMAGE)
    assert image.id.startswith("sha256:") and len(image.short_id) == 12
    assert TEST_IMAGE in image.tags
    assert (
        image.attrs["Config"]["Cmd"] is not None or image.attrs["Config"]["Entrypoint"] is not None
    )
    assert image.labels == (image.attrs["Config"].get("Labels") or {})
    assert repr(image) == f"<Image: {TEST_IMAGE!r}>"
    same = await docker.images.get(image.short_id)
    assert same == image and hash(same) == hash(image)
    image.attrs = {"Id": image.id}
    await image.reload()
    assert TEST_IMAGE in image.tags
    history = await image.history()
    assert history and {"Id", "Created", "CreatedBy", "Size"} <= set(history[0])
    assert await docker.images.exists(TEST_IMAGE)
    assert not await docker.images.exists("aiodock-test/no-such-image:nope")


async def test_get_missing_and_bad_names(docker: Docker) -> None:
    with pytest.raises(ImageNotFound):
        await docker.images.get("aiodock-test/no-such-image:nope")
    with pytest.raises(InvalidArgument):
        await docker.images.get("")


async def test_list(docker: Docker, made: MakeImage, labels: dict[str, str]) -> None:
    name = unique()
    image = await made(f"{name}:one")
    await image.tag(name, "two")
    listed = await docker.images.list(name)
    assert [i.id for i in listed] == [image.id]
    assert sorted(listed[0].tags) == [f"{name}:one", f"{name}:two"]
    assert listed[0].attrs["Config"]["Labels"]["content"]  # full inspect data
    assert [i.id for i in await docker.images.list(f"{name}:two")] == [image.id]
    sparse = await docker.images.list(filters={"label": f"{RUN_LABEL}={RUN_ID}"}, sparse=True)
    assert image.id in {i.id for i in sparse}
    assert all(i.labels[RUN_LABEL] == RUN_ID for i in sparse)  # summaries carry labels
    everything = await docker.images.list(all=True)
    assert {image.id, (await docker.images.get(TEST_IMAGE)).id} <= {i.id for i in everything}
    with pytest.raises(InvalidArgument, match="unknown filter"):
        await docker.images.list(filters={"colour": "red"})


async def test_tag_and_remove(docker: Docker, made: MakeImage) -> None:
    name = unique()
    image = await made()
    await image.tag(f"{name}:a")
    await image.tag(name)  # latest
    await image.tag(name, "b")
    await image.reload()
    assert sorted(image.tags) == [f"{name}:a", f"{name}:b", f"{name}:latest"]
    with pytest.raises(InvalidArgument, match="lowercase"):
        await image.tag("Upper/Case")
    with pytest.raises(InvalidArgument, match="already has a tag"):
        await image.tag(f"{name}:a", "b")

    untagged = await docker.images.remove(f"{name}:a")
    assert untagged == [{"Untagged": f"{name}:a"}]
    await docker.images.remove(f"{name}:latest", noprune=True)
    with pytest.raises(ImageNotFound):
        await docker.images.get(f"{name}:a")
    # The last tag with force: the image itself goes.
    deleted = await image.remove(force=True)
    assert {"Deleted": image.id} in deleted
    assert not await docker.images.exists(image.id)
    with pytest.raises(ImageNotFound):
        await docker.images.remove(image.id)


async def test_save_and_load_round_trip(docker: Docker, made: MakeImage, tmp_path: Path) -> None:
    name = unique()
    first = await made(f"{name}:first")
    second = await made(f"{name}:second")

    stream = first.save(named=True)
    assert isinstance(stream, ByteStream)
    data = await stream.read()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert "manifest.json" in tar.getnames()
    by_id = await first.save().read()
    both = tmp_path / "both.tar"
    written = await docker.images.save([f"{name}:first", f"{name}:second"]).write_to(both)
    assert written == both.stat().st_size > 0

    async def gone() -> None:
        for image in (first, second):
            if await docker.images.exists(image.id):
                await docker.images.remove(image.id, force=True)
        assert not await docker.images.exists(first.id)

    # From bytes: the tag comes back with the image.
    await gone()
    loaded = await docker.images.load(data)
    assert [i.id for i in loaded] == [first.id] and f"{name}:first" in loaded[0].tags

    # Saved by id: loaded without a name.
    await gone()
    (unnamed,) = await docker.images.load(by_id)
    assert unnamed.id == first.id and unnamed.tags == []

    # From a path, a binary file and an async iterator, with progress events.
    await gone()
    assert {i.id for i in await docker.images.load(both)} == {first.id, second.id}
    await gone()
    with both.open("rb") as fh:
        events = [event async for event in docker.images.load(fh)]
    assert any("Loaded image" in str(e.get("stream", "")) for e in events)
    await gone()

    result = await docker.images.load(_file_chunks(both))
    assert sorted(t for i in result for t in i.tags) == [f"{name}:first", f"{name}:second"]


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(64 * 1024):
            yield chunk


def fs_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


@pytest.fixture
async def imported(docker: Docker) -> AsyncIterator[list[str]]:
    ids: list[str] = []
    yield ids
    for image_id in ids:
        try:
            await docker.images.remove(image_id, force=True)
        except ImageNotFound:
            pass


@pytest.mark.needs("import-tag")
async def test_import_from_bytes_file_and_url(
    docker: Docker, imported: list[str], labels: dict[str, str], tmp_path: Path
) -> None:
    tar = fs_tar({"hello.txt": b"imported"})
    label_changes = [f"LABEL {key}={value}" for key, value in labels.items()]
    name = unique()
    image = await docker.images.import_image(
        tar,
        repository=name,
        tag="bytes",
        changes=['CMD ["/hello.txt"]', "ENV IMPORTED=1", *label_changes],
        message="from aiodock",
    )
    imported.append(image.id)
    assert image.tags == [f"{name}:bytes"]
    assert image.attrs["Config"]["Cmd"] == ["/hello.txt"]
    assert "IMPORTED=1" in image.attrs["Config"]["Env"]
    assert image.labels == labels
    assert image.attrs["Comment"] == "from aiodock"

    path = tmp_path / "fs.tar"
    path.write_bytes(tar)
    events = [
        event async for event in docker.images.import_image(str(path), repository=name, tag="file")
    ]
    assert any(str(e.get("status", "")).startswith("sha256:") for e in events)
    from_file = await docker.images.get(f"{name}:file")
    imported.append(from_file.id)

    # From a URL the daemon downloads (served here on the loopback interface).
    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=tar, content_type="application/x-tar")

    app = web.Application()
    app.router.add_get("/fs.tar", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    # a port engines know as a plain-HTTP registry (Docker trusts any loopback one)
    site = web.TCPSite(runner, "127.0.0.1", free_port())
    await site.start()
    try:
        port = runner.addresses[0][1]
        from_url = await docker.images.import_image(
            f"http://127.0.0.1:{port}/fs.tar", repository=name, tag="url", changes=label_changes
        )
        imported.append(from_url.id)
        assert from_url.tags == [f"{name}:url"]
    finally:
        await runner.cleanup()


async def test_commit_a_container(
    docker: Docker, imported: list[str], labels: dict[str, str], engine: Engine
) -> None:
    created = await docker.transport.json(
        "POST",
        "/containers/create",
        json={
            "Image": TEST_IMAGE,
            "Cmd": ["true"],
            "Labels": labels,
            "HostConfig": {"NetworkMode": "none"},
        },
    )
    try:
        name = unique()
        image = await docker.images.commit(
            created["Id"],
            repository=name,
            tag="c1",
            message="committed",
            author="aiodock tests",
            changes=["ENV COMMITTED=yes", 'CMD ["sh"]'],
            conf={"Labels": {**labels, "committed": "1"}},
        )
        imported.append(image.id)
        assert image.tags == [f"{name}:c1"]
        assert image.attrs["Comment"] == "committed" and image.attrs["Author"] == "aiodock tests"
        assert "COMMITTED=yes" in image.attrs["Config"]["Env"]
        if engine.lacks("commit-config") is None:
            assert image.labels["committed"] == "1"
    finally:
        await docker.transport.call(
            "DELETE", f"/containers/{created['Id']}", params={"force": True}
        )
    with pytest.raises(InvalidArgument, match="repository"):
        await docker.images.commit("x", tag="only-a-tag")


async def test_prune_only_our_images(
    docker: Docker, made: MakeImage, labels: dict[str, str]
) -> None:
    dangling = await made()  # built without a tag: dangling
    tagged = await made(f"{unique()}:keep")
    answer = await docker.images.prune(filters={"label": f"{RUN_LABEL}={RUN_ID}", "dangling": True})
    deleted = {entry.get("Deleted") for entry in answer.get("ImagesDeleted") or []}
    assert dangling.id in deleted and tagged.id not in deleted
    assert isinstance(answer["SpaceReclaimed"], int)
    with pytest.raises(InvalidArgument, match="unknown filter"):
        await docker.images.prune(filters={"reference": "x"})


@pytest.mark.needs("build-prune")
async def test_prune_builds_answers(docker: Docker) -> None:
    # A filter that matches nothing: the call is real, the shared build cache untouched.
    answer = await docker.images.prune_builds(
        filters={"id": "aiodock-no-such-cache-record"}, keep_storage="1g"
    )
    assert answer["SpaceReclaimed"] == 0 and not answer.get("CachesDeleted")


@pytest.mark.needs("registry-v1-search")
async def test_search_a_registry_index() -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.path_qs)
        if request.path == "/v1/_ping":
            return web.json_response(True)
        if request.path == "/v1/search":
            result = {
                "name": "team/app",
                "description": "found",
                "star_count": 3,
                "is_official": False,
                "is_automated": False,
            }
            return web.json_response(
                {"num_results": 1, "query": request.query["q"], "results": [result]}
            )
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    # a port engines know as a plain-HTTP registry (Docker trusts any loopback one)
    site = web.TCPSite(runner, "127.0.0.1", free_port())
    await site.start()
    try:
        port = runner.addresses[0][1]
        async with Docker() as docker:
            results = await docker.images.search(f"127.0.0.1:{port}/app", limit=5)
            with pytest.raises(InvalidArgument, match="limit"):
                await docker.images.search("app", limit=0)
    finally:
        await runner.cleanup()
    assert results == [
        {
            "name": "team/app",
            "description": "found",
            "star_count": 3,
            "is_official": False,
            "is_automated": False,
        }
    ]
    assert "/v1/search?q=app&n=5" in seen


async def test_invalid_arguments_fail_before_any_request(docker: Docker) -> None:
    with pytest.raises(InvalidArgument, match="lowercase"):
        docker.images.pull("Bad/Name")
    with pytest.raises(InvalidArgument, match="already has a tag"):
        docker.images.pull("busybox:1", "2")
    with pytest.raises(InvalidArgument, match="all_tags"):
        docker.images.pull("busybox", "1", all_tags=True)
    with pytest.raises(InvalidArgument, match="unknown key"):
        docker.images.pull("busybox", auth_config={"user": "x"})
    with pytest.raises(InvalidArgument, match="bad tag"):
        docker.images.push("app:bad tag")
    with pytest.raises(InvalidArgument, match="data"):
        docker.images.load(12345)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="exactly one"):
        docker.images.import_image()
    with pytest.raises(InvalidArgument, match="names"):
        docker.images.save([])
    with pytest.raises(InvalidArgument):
        await docker.images.get_registry_data("Not A Name")


async def test_progress_stream_left_early_releases_connection(docker: Docker) -> None:
    stream = docker.images.save(TEST_IMAGE)
    async with stream:
        async for chunk in stream:
            assert chunk
            break
    assert repr(stream).endswith("finished>")
    assert await docker.ping()
