"""docker.api's container methods (docker-py's ContainerApiMixin) against the daemon: the
shapes docker-py gives, over the managers."""

from __future__ import annotations

import io
import tarfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from aiodock import ContainerNotFound, Docker, ImageNotFound, InvalidArgument, NotSupported
from aiodock.api import APIClient
from aiodock.process import Process
from aiodock.reference import familiar_name

from ..conftest import RUN_ID, RUN_LABEL, TEST_IMAGE
from ..engines import Engine

Create = Callable[..., Awaitable[str]]


@pytest.fixture
def api(docker: Docker) -> APIClient:
    return docker.api


@pytest.fixture
async def create(api: APIClient, labels: dict[str, str]) -> AsyncIterator[Create]:
    """create_container with the test labels; every container made is removed after."""
    made: list[str] = []

    async def make(command: Any = "sleep 30", **kwargs: Any) -> str:
        kwargs.setdefault("labels", labels)
        result = await api.create_container(TEST_IMAGE, command, **kwargs)
        made.append(result["Id"])
        return str(result["Id"])

    yield make
    for ident in made:
        try:
            await api.remove_container(ident, force=True, v=True)
        except ContainerNotFound:
            pass


def _tar(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def test_create_inspect_start_wait_logs(
    api: APIClient, labels: dict[str, str], engine: Engine
) -> None:
    host = api.create_host_config(mem_limit="64m", port_bindings={8080: None})
    result = await api.create_container(
        TEST_IMAGE, ["sh", "-c", "echo out; echo err >&2; exit 3"], ports=[8080],
        host_config=host, labels=labels, environment={"A": "1"},
    )  # fmt: skip
    ident = result["Id"]
    try:
        assert set(result) == {"Id", "Warnings"} and isinstance(result["Warnings"], list)
        attrs = await api.inspect_container({"Id": ident})
        assert attrs["HostConfig"]["Memory"] == 64 << 20
        assert "A=1" in attrs["Config"]["Env"] and "8080/tcp" in attrs["Config"]["ExposedPorts"]
        await api.start(ident)
        waited = await api.wait(ident, timeout=30)  # the daemon's answer, as docker-py gives it
        assert waited["StatusCode"] == 3 and not waited.get("Error")  # Docker 28 sends no Error
        assert sorted((await api.logs(ident)).splitlines()) == [b"err", b"out"]
        assert await api.logs(ident, stderr=False) == b"out\n"
        chunks = [chunk async for chunk in api.logs(ident, stream=True, stdout=False)]
        assert b"".join(chunks) == b"err\n" and all(isinstance(c, bytes) for c in chunks)
        if engine.lacks("attach-logs") is None:
            out, err = await api.attach(ident, logs=True, demux=True)
            assert (out, err) == (b"out\n", b"err\n")
        else:  # one clear error, nothing sent
            with pytest.raises(NotSupported, match="one byte short"):
                await api.attach(ident, logs=True, demux=True)
        assert await api.attach(ident) == b""  # neither stream nor logs: nothing, as docker-py
    finally:
        await api.remove_container(ident, force=True)
    with pytest.raises(ContainerNotFound):
        await api.inspect_container(ident)
    with pytest.raises(ContainerNotFound):
        await api.attach(ident)


async def test_create_errors(api: APIClient) -> None:
    with pytest.raises(ImageNotFound):
        await api.create_container("aiodock-test/no-such-image:none", "true")
    with pytest.raises(InvalidArgument):
        await api.create_container(TEST_IMAGE, "true", working_dir="relative")


async def test_lifecycle_top_diff_rename_update(
    api: APIClient, create: Create, engine: Engine
) -> None:
    ident = await create("sh -c 'touch /made; sleep 30'", stop_signal="SIGKILL")
    await api.start(ident)
    top = await api.top(ident)
    assert "sleep 30" in " ".join(" ".join(p) for p in top["Processes"])
    await api.pause(ident)
    assert (await api.inspect_container(ident))["State"]["Paused"] is True
    await api.unpause(ident)
    assert (await api.inspect_container(ident))["State"]["Paused"] is False
    changes = await api.diff(ident)
    assert {"Path": "/made", "Kind": 1} in changes
    new_name = f"aiodock-test-api-{ident[:8]}"
    await api.rename(ident, new_name)
    assert (await api.inspect_container(new_name))["Id"] == ident
    if engine.lacks("container-update") is not None:  # one clear error, nothing sent
        with pytest.raises(NotSupported, match="has no container update"):
            await api.update_container(ident, mem_limit="96m", memswap_limit=-1)
    else:
        updated = await api.update_container(ident, mem_limit="96m", memswap_limit=-1)
        assert set(updated) == {"Warnings"} and isinstance(updated["Warnings"], list)
        assert (await api.inspect_container(ident))["HostConfig"]["Memory"] == 96 << 20
    await api.restart(ident, timeout=1)
    assert (await api.inspect_container(ident))["State"]["Running"] is True
    await api.kill(ident, "SIGKILL")
    assert (await api.wait(ident, timeout=30))["StatusCode"] == 137
    await api.start(ident)
    await api.stop(ident, timeout=1)
    assert (await api.inspect_container(ident))["State"]["Running"] is False


async def test_containers_lists_entries(api: APIClient, create: Create) -> None:
    ident = await create()
    mine = {"label": f"{RUN_LABEL}={RUN_ID}"}
    listed = await api.containers(all=True, filters=mine)
    entry = next(e for e in listed if e["Id"] == ident)
    # the daemon's own name (Podman's docker.io/...), as the high-level attrs keep it
    assert familiar_name(entry["Image"]) == TEST_IMAGE and "Config" not in entry  # a list entry
    assert {"Id": ident} in await api.containers(all=True, quiet=True, filters=mine)
    assert ident[:12] in [e["Id"] for e in await api.containers(all=True, trunc=True)]
    assert ident not in [e["Id"] for e in await api.containers(filters=mine)]  # not running
    await api.start(ident)
    assert ident in [e["Id"] for e in await api.containers(filters=mine)]


async def test_port_and_stats(api: APIClient, create: Create) -> None:
    host = api.create_host_config(port_bindings={"8081/udp": ("127.0.0.1", None)})
    ident = await create(ports=[(8081, "udp")], host_config=host)
    await api.start(ident)
    [binding] = await api.port(ident, 8081) or [None]
    assert binding is not None and binding["HostIp"] == "127.0.0.1" and binding["HostPort"]
    assert await api.port(ident, "8081/udp") == [binding]
    assert await api.port(ident, 9999) is None
    one = await api.stats(ident, stream=False, one_shot=True)
    assert "memory_stats" in one
    stream = api.stats(ident, decode=True)
    async with stream:
        first = await stream.__anext__()
    assert isinstance(first, dict) and "cpu_stats" in first
    raw = api.stats(ident)
    async with raw:
        line = await raw.__anext__()
    assert isinstance(line, bytes) and line.startswith(b"{")
    with pytest.raises(InvalidArgument):
        api.stats(ident, one_shot=True)


async def test_archives_export_and_commit(
    api: APIClient, create: Create, labels: dict[str, str]
) -> None:
    ident = await create("true")
    assert await api.put_archive(ident, "/tmp", _tar("hello.txt", b"hello")) is True
    assert await api.put_archive(ident, "/tmp", iter([_tar("two.txt", b"2")])) is True
    stream, stat = await api.get_archive(ident, "/tmp/hello.txt", chunk_size=3)
    assert stat is not None and stat["name"] == "hello.txt" and stat["size"] == 5
    chunks = [chunk async for chunk in stream]
    assert all(len(c) == 3 for c in chunks[:-1])
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        member = tar.extractfile("hello.txt")
        assert member is not None and member.read() == b"hello"
    exported = await api.export(ident, chunk_size=None)
    with tarfile.open(fileobj=io.BytesIO(exported)) as tar:
        assert "tmp/two.txt" in tar.getnames()
    committed = await api.commit(ident, conf={"Labels": labels}, changes=["ENV MADE=1"])
    try:
        assert set(committed) == {"Id"}
        image = await api.inspect_image(committed["Id"])
        assert "MADE=1" in image["Config"]["Env"]
    finally:
        await api.remove_image(committed["Id"], force=True)


async def test_attach_socket_and_resize(api: APIClient, create: Create) -> None:
    ident = await create("cat", stdin_open=True, tty=True)
    await api.start(ident)
    await api.resize(ident, 30, 100)
    async with api.attach_socket(ident, params={"stdin": 1, "stdout": 1, "stream": 1}) as process:
        assert isinstance(process, Process) and process.stdin is not None
        process.stdin.write(b"ping\n")
        await process.stdin.drain()
        assert b"ping" in await process.stdout.readline()
    with pytest.raises(InvalidArgument, match="websocket"):
        api.attach_socket(ident, ws=True)
    attached = api.attach(ident, stream=True)
    async with attached:
        await api.kill(ident)
        rest = [chunk async for chunk in attached]
    assert all(isinstance(chunk, bytes) for chunk in rest)


async def test_remove_and_prune(api: APIClient, create: Create) -> None:
    kept = await create("true")
    await api.start(kept)
    await api.wait(kept, timeout=30)
    result = await api.prune_containers(filters={"label": f"{RUN_LABEL}={RUN_ID}"})
    assert kept in result["ContainersDeleted"] and isinstance(result["SpaceReclaimed"], int)
    gone = await create("true")
    await api.remove_container(gone)
    with pytest.raises(ContainerNotFound):
        await api.remove_container(gone)
