"""Builds: contexts we tar (with .dockerignore), Dockerfile objects, ready tars, parameters,
failures, and BuildKit with decoded progress.

The files an image holds are read from its ``save`` tar, so no container has to run.
RUN steps use ``network_mode="none"``: the daemon here has no usable default bridge.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from aiodock import APIError, BuildError, Docker, InvalidArgument
from aiodock.build.buildkit import StatusResponse
from aiodock.images import Image

from ..conftest import TEST_IMAGE
from ..engines import Engine, own_labels

Build = Callable[..., Awaitable[Image]]


@pytest.fixture
async def build(docker: Docker, labels: dict[str, str]) -> AsyncIterator[Build]:
    """Build with this run's labels; every image built is removed afterwards."""
    built: list[str] = []

    async def run(**kwargs: Any) -> Image:
        kwargs.setdefault("labels", labels)
        kwargs.setdefault("network_mode", "none")
        image = await docker.images.build(**kwargs)
        built.append(image.id)
        return image

    yield run
    for image_id in reversed(built):
        await remove_image(docker, image_id)


async def remove_image(docker: Docker, image_id: str) -> None:
    """Remove an image and its untagged parents, tolerating a concurrent removal of one
    of them (other tests prune at the same time)."""
    try:
        await docker.images.remove(image_id, force=True)
    except APIError:
        if await docker.images.exists(image_id):
            raise


async def image_files(docker: Docker, image: Image) -> dict[str, bytes | None]:
    """Every path in the image (``None`` for directories) with its content, from ``save``."""
    data = await image.save().read()
    files: dict[str, bytes | None] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as outer:
        manifest_file = outer.extractfile("manifest.json")
        assert manifest_file is not None
        (manifest,) = json.load(manifest_file)
        for layer_name in manifest["Layers"]:
            layer_file = outer.extractfile(layer_name)
            assert layer_file is not None
            with tarfile.open(fileobj=io.BytesIO(layer_file.read())) as layer:
                for member in layer.getmembers():
                    name = member.name.rstrip("/")
                    if member.isfile():
                        content = layer.extractfile(member)
                        files[name] = content.read() if content is not None else b""
                    else:
                        files[name] = None
    return files


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


DOCKERFILE = f"""\
FROM {TEST_IMAGE} AS base
ARG GREETING=unset
COPY . /ctx/
RUN echo "$GREETING" > /greeting
FROM base AS final
RUN echo final > /stage
"""


async def test_dockerignore_buildargs_and_target(
    docker: Docker, build: Build, tmp_path: Path, labels: dict[str, str]
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": DOCKERFILE,
            ".dockerignore": "*.key\nlogs/*\n!logs/important.log\n",
            "app.txt": "app",
            "secret.key": "root key: ignored",
            "sub/nested.key": "nested key: sent, *.key is for the root only",
            "logs/debug.log": "ignored",
            "logs/important.log": "kept by the exception",
            "logs/old/x.log": "ignored with its directory",
        },
    )
    image = await build(
        path=str(tmp_path),
        tag="aiodock-test/build:args",
        buildargs={"GREETING": "hello"},
        target="base",
    )
    assert image.tags == ["aiodock-test/build:args"]
    assert own_labels(image.labels) == labels
    files = await image_files(docker, image)
    sent = {name[len("ctx/") :] for name in files if name.startswith("ctx/")}
    # What the docker CLI sends for this context.
    assert sent == {
        ".dockerignore",
        "Dockerfile",
        "app.txt",
        "logs",
        "logs/important.log",
        "sub",
        "sub/nested.key",
    }
    assert files["ctx/logs/important.log"] == b"kept by the exception"
    assert files["greeting"] == b"hello\n"
    assert "stage" not in files  # the target stopped at "base"

    final = await build(
        path=tmp_path, tag=["aiodock-test/build:final", "aiodock-test/build:final2"]
    )
    assert sorted(final.tags) == ["aiodock-test/build:final", "aiodock-test/build:final2"]
    final_files = await image_files(docker, final)
    assert final_files["stage"] == b"final\n" and final_files["greeting"] == b"unset\n"


async def test_failing_run_raises_build_error_with_log(build: Build, tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\nRUN echo boom-output && exit 3\n"})
    with pytest.raises(BuildError) as failed:
        await build(path=tmp_path, forcerm=True)  # remove the failed step's container too
    error = failed.value
    assert "3" in error.reason
    output = "".join(str(item.get("stream", "")) for item in error.build_log)
    assert "boom-output" in output


async def test_progress_iteration_and_quiet(
    docker: Docker, labels: dict[str, str], build: Build, tmp_path: Path
) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\nLABEL stage=progress\n"})
    stream = docker.images.build(path=tmp_path, labels=labels, nocache=True)
    events = [event async for event in stream]
    # Docker's "Step 1/2 : FROM ...", Buildah's (Podman's) "STEP 1/2: FROM ..."
    assert any(str(e.get("stream", "")).upper().startswith("STEP 1/") for e in events)
    image = await stream.result()
    try:
        assert image.labels["stage"] == "progress"
    finally:
        await remove_image(docker, image.id)
    quiet = await build(path=tmp_path, quiet=True)
    assert quiet.labels["stage"] == "progress"


async def test_fileobj_and_custom_contexts(
    docker: Docker, build: Build, tmp_path: Path, engine: Engine
) -> None:
    dockerfile = f"FROM {TEST_IMAGE}\nLABEL origin=fileobj\n"
    from_file = await build(fileobj=io.BytesIO(dockerfile.encode()))
    assert from_file.labels["origin"] == "fileobj"
    from_text = await build(fileobj=dockerfile.replace("fileobj", "text"))
    assert from_text.labels["origin"] == "text"

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, content in {
            "build/Containerfile": f"FROM {TEST_IMAGE}\nCOPY data.txt /data.txt\n",
            "data.txt": "from a ready tar",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content.encode()))
    plain = buf.getvalue()
    image = await build(custom_context=plain, dockerfile="build/Containerfile")
    assert (await image_files(docker, image))["data.txt"] == b"from a ready tar"

    gz_path = tmp_path / "context.tar.gz"
    gz_path.write_bytes(gzip.compress(plain))

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(plain), 1000):
            yield plain[i : i + 1000]

    with gz_path.open("rb") as fh:
        again = [
            await build(custom_context=str(gz_path), dockerfile="build/Containerfile"),
            await build(custom_context=chunks(), dockerfile="build/Containerfile"),
            await build(custom_context=True, fileobj=fh, dockerfile="build/Containerfile"),
        ]
    for built in again:  # the same context in each form ...
        assert (await image_files(docker, built))["data.txt"] == b"from a ready tar"
        if engine.lacks("layer-cache") is None:
            assert built.id == image.id  # ... gives the same image, from the cache


async def test_dockerfile_paths_and_gzip(docker: Docker, build: Build, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    write(
        ctx,
        {
            "docker/Dockerfile.dev": f"FROM {TEST_IMAGE}\nCOPY hello.txt /hello.txt\n",
            "hello.txt": "hi",
            ".dockerignore": "docker\n",
        },
    )
    inside = await build(path=ctx, dockerfile="docker/Dockerfile.dev", gzip=True)
    assert (await image_files(docker, inside))["hello.txt"] == b"hi"
    outside = tmp_path / "Dockerfile.outside"
    outside.write_text(f"FROM {TEST_IMAGE}\nCOPY hello.txt /outside.txt\n")
    image = await build(path=ctx, dockerfile=str(outside))
    files = await image_files(docker, image)
    assert files["outside.txt"] == b"hi"


async def test_build_parameters(
    docker: Docker, build: Build, tmp_path: Path, engine: Engine
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": f"FROM {TEST_IMAGE}\n"
            "RUN cat /etc/hosts > /hosts && df -k /dev/shm | tail -1 > /shm\n"
        },
    )
    # Docker's cache_from names images; Buildah's (Podman's) a registry repository of
    # cached layers, without a tag
    cache_from = [TEST_IMAGE] if engine.kind == "docker" else None
    image = await build(
        path=tmp_path,
        extra_hosts={"aiodock-extra.test": "10.1.2.3"},
        shm_size="32m",
        container_limits={"memory": "256m", "cpushares": 512},
        nocache=True,
        pull=False,
        forcerm=True,
        cache_from=cache_from,
        platform="linux/amd64",
    )
    files = await image_files(docker, image)
    hosts = files["hosts"]
    assert hosts is not None and b"10.1.2.3\taiodock-extra.test" in hosts
    shm = files["shm"]
    assert shm is not None and shm.split()[1] == b"32768"


async def test_invalid_arguments_fail_before_any_request(docker: Docker, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="exactly one"):
        docker.images.build()
    with pytest.raises(InvalidArgument, match="exactly one"):
        docker.images.build(path=tmp_path, fileobj="FROM x")
    with pytest.raises(InvalidArgument, match="container_limits"):
        docker.images.build(fileobj="FROM x", container_limits={"cpu": 1})
    with pytest.raises(InvalidArgument, match="version"):
        docker.images.build(fileobj="FROM x", version="3")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="extra_hosts"):
        docker.images.build(fileobj="FROM x", extra_hosts=["nocolon"])
    with pytest.raises(InvalidArgument, match="buildargs"):
        docker.images.build(fileobj="FROM x", buildargs={"A": True})  # type: ignore[dict-item]
    with pytest.raises(InvalidArgument, match="lowercase"):
        docker.images.build(fileobj="FROM x", tag="Bad/Name")
    with pytest.raises(InvalidArgument, match="shm_size"):
        docker.images.build(fileobj="FROM x", shm_size="lots")
    with pytest.raises(InvalidArgument, match="path"):
        docker.images.build(path=tmp_path / "missing")


async def test_leaving_a_build_early_closes_it(
    docker: Docker, labels: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    # BuildKit where there is one, so that the cancelled build leaves no intermediate
    # image behind (Podman builds with Buildah).
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\nRUN sleep 20\n"})
    version = "2" if engine.lacks("buildkit-session") is None else None
    stream = docker.images.build(
        path=tmp_path, labels=labels, network_mode="none", version=version, nocache=True
    )
    async with stream:
        async for _event in stream:
            break
    assert repr(stream).endswith("finished>")
    # The connection went back: the client still works normally.
    assert await docker.ping()


# --- BuildKit ------------------------------------------------------------------------------


@pytest.mark.needs("buildkit-session")
async def test_buildkit_build_with_decoded_progress(
    docker: Docker, labels: dict[str, str], tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": f"FROM {TEST_IMAGE}\nARG NAME\nCOPY a.txt /a.txt\n"
            'RUN echo "bk-$NAME" > /bk\n',
            "a.txt": "buildkit",
            "skip.key": "",
            ".dockerignore": "*.key\n",
        },
    )
    stream = docker.images.build(
        path=tmp_path,
        version="2",
        labels=labels,
        network_mode="none",
        tag="aiodock-test/buildkit:1",
        buildargs={"NAME": "x"},
        nocache=True,
    )
    traces: list[StatusResponse] = []
    async for event in stream:
        if event.get("id") == "moby.buildkit.trace":
            assert isinstance(event["aux"], StatusResponse)
            traces.append(event["aux"])
    image = await stream.result()
    try:
        names = {v.name for t in traces for v in t.vertexes}
        assert any("FROM" in name and TEST_IMAGE.split(":")[0] in name for name in names)
        assert any("RUN echo" in name and "/bk" in name for name in names), names
        assert all(v.digest.startswith("sha256:") for t in traces for v in t.vertexes)
        assert any(v.completed is not None for t in traces for v in t.vertexes)
        assert image.tags == ["aiodock-test/buildkit:1"]
        assert image.labels == labels
        files = await image_files(docker, image)
        assert files["bk"] == b"bk-x\n" and files["a.txt"] == b"buildkit"
    finally:
        await remove_image(docker, image.id)


@pytest.mark.needs("buildkit-session")
async def test_buildkit_failure_raises_with_logs(
    docker: Docker, labels: dict[str, str], tmp_path: Path
) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {TEST_IMAGE}\nRUN echo bk-boom-output && exit 7\n"})
    with pytest.raises(BuildError) as failed:
        await docker.images.build(
            path=tmp_path, version="2", labels=labels, network_mode="none", nocache=True
        )
    error = failed.value
    assert "7" in error.reason
    logs = b"".join(
        log.data
        for item in error.build_log
        if isinstance(item.get("aux"), StatusResponse)
        for log in item["aux"].logs
    )
    assert b"bk-boom-output" in logs
    errors = [
        v.error
        for item in error.build_log
        if isinstance(item.get("aux"), StatusResponse)
        for v in item["aux"].vertexes
    ]
    assert any("7" in e for e in errors)


async def test_squash_is_refused_by_a_daemon_without_experimental_features(
    docker: Docker, labels: dict[str, str]
) -> None:
    info = await docker.info()
    dockerfile = f"FROM {TEST_IMAGE}\nLABEL squashed=1\n"
    if info.get("ExperimentalBuild"):
        image = await docker.images.build(fileobj=dockerfile, squash=True, labels=labels)
        await remove_image(docker, image.id)
        return
    with pytest.raises(APIError, match="experimental"):
        await docker.images.build(fileobj=dockerfile, squash=True, labels=labels)
