"""Container operations against the daemon: lifecycle, inspection, files, stats, health."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tarfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from aiodock import Docker, DockerTimeoutError, InvalidArgument, NotFound, NotSupported
from aiodock.containers import (
    ByteStream,
    Container,
    HealthTimeoutError,
    StatsSummary,
    UnhealthyError,
)
from aiodock.errors import Conflict, ContainerNotFound
from aiodock.images import Image
from aiodock.types import Healthcheck

from ..engines import Engine

Make = Callable[..., Awaitable[Container]]


@pytest.fixture
async def make(docker: Docker, labels: dict[str, str], test_image: str) -> AsyncIterator[Make]:
    """Create (and by default start) labelled containers, removed after the test.

    The default bridge is not relied on: containers get no network unless asked."""
    created: list[Container] = []

    async def make(command: Any = "sleep 300", *, start: bool = True, **kwargs: Any) -> Container:
        kwargs.setdefault("network_mode", "none")
        kwargs["labels"] = {**labels, **kwargs.get("labels", {})}
        container = await docker.containers.create(test_image, command, **kwargs)
        created.append(container)
        if start:
            await container.start()
        return container

    yield make
    for container in created:
        try:
            await container.remove(force=True, volumes=True)
        except NotFound:
            pass


def tar_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o640
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def test_create_get_inspect_and_remove(docker: Docker, make: Make) -> None:
    container = await make(start=False, name=f"aiodock-{uuid.uuid4().hex[:8]}")
    assert container.status == "created"
    assert container.attrs["Config"]["Cmd"] == ["sleep", "300"]
    fetched = await docker.containers.get(container.name)
    assert fetched == container and fetched.id == container.id
    assert fetched.image == "aiodock-test/busybox:latest"
    assert fetched.image_id.startswith("sha256:")
    await container.remove()
    with pytest.raises(ContainerNotFound):
        await docker.containers.get(container.id)
    with pytest.raises(ContainerNotFound):
        await container.remove()


async def test_start_stop_restart_kill_pause(make: Make) -> None:
    container = await make(init=True)
    await container.reload()
    assert container.status == "running"
    await container.start()  # already running: a no-op
    await container.pause()
    await container.reload()
    assert container.status == "paused"
    await container.unpause()
    await container.restart(timeout=0.5)  # fractions are rounded up to whole seconds
    await container.reload()
    assert container.status == "running" and container.attrs["RestartCount"] == 0
    await container.stop(timeout=5.0)
    await container.reload()
    assert container.status == "exited" and container.exit_code == 143  # SIGTERM via init
    await container.stop()  # already stopped: a no-op


@pytest.mark.parametrize(("signal", "code"), [("SIGKILL", 137), ("HUP", 129), (15, 143)])
async def test_kill_with_signal_names_and_numbers(make: Make, signal: Any, code: int) -> None:
    container = await make(init=True)
    # PID 1 ignores signals it has no handler for: wait until the init forwards them (it
    # has started the command by then), or a signal sent early under load is lost.
    for _ in range(100):
        if len((await container.top())["Processes"]) >= 2:
            break
        await asyncio.sleep(0.05)
    # Even then a signal can reach the child before it handles signals (between the init's
    # fork and its exec): sent again while the container still runs, it ends it.
    await container.kill(signal=signal)
    for _ in range(5):
        try:
            result = await container.wait(timeout=2)
            break
        except DockerTimeoutError:
            with contextlib.suppress(Conflict):  # it ended meanwhile
                await container.kill(signal=signal)
    else:
        result = await container.wait(timeout=10)
    assert result["StatusCode"] == code


async def test_kill_refuses_bad_signals_before_any_request(make: Make) -> None:
    container = await make(start=False)
    with pytest.raises(InvalidArgument, match="signal"):
        await container.kill(signal="not a signal")
    with pytest.raises(Conflict):
        await container.kill()  # not running: the daemon says so


async def test_wait_conditions_and_typed_timeout(make: Make) -> None:
    # The exit comes a second after the start: time for the wait, sent first, to reach the
    # daemon under load (an exit before it arrives is not the "next" one).
    container = await make("sh -c 'sleep 1; exit 3'", start=False)
    waiter = asyncio.ensure_future(container.wait(condition="next-exit", timeout=20))
    await asyncio.sleep(0)
    await container.start()
    assert (await waiter)["StatusCode"] == 3
    sleeper = await make()
    with pytest.raises(DockerTimeoutError) as info:
        await sleeper.wait(timeout=0.3)
    assert isinstance(info.value, asyncio.TimeoutError)
    await sleeper.reload()
    assert sleeper.status == "running"
    removed = asyncio.ensure_future(sleeper.wait(condition="removed", timeout=20))
    await asyncio.sleep(0.1)
    await sleeper.remove(force=True)
    assert (await removed)["StatusCode"] == 137
    with pytest.raises(InvalidArgument, match="condition"):
        await sleeper.wait(condition="gone")  # type: ignore[arg-type]


async def test_list_from_the_list_answer(docker: Docker, make: Make) -> None:
    tag = uuid.uuid4().hex
    first = await make(start=False, labels={"aiodock.list": tag})
    second = await make(labels={"aiodock.list": tag})
    third = await make(start=False, labels={"aiodock.list": tag})
    label = {"label": f"aiodock.list={tag}"}

    inspected = await docker.containers.list(filters=label)  # docker-py's default
    assert inspected == [second] and inspected[0].attrs["Config"]["Labels"]["aiodock.list"] == tag
    running = await docker.containers.list(filters=label, sparse=True)
    assert running == [second]
    assert "Names" in running[0].attrs and "Config" not in running[0].attrs  # no inspect
    assert running[0].status == "running" and running[0].labels["aiodock.list"] == tag
    assert running[0].name == (await docker.containers.get(second.id)).name

    everything = await docker.containers.list(all=True, filters=label)
    assert everything == [third, second, first]  # newest first
    assert await docker.containers.list(all=True, filters={**label, "status": "created"}) == [
        third,
        first,
    ]
    assert await docker.containers.list(all=True, filters=label, since=first.id) == [
        third,
        second,
    ]
    assert await docker.containers.list(all=True, filters=label, before=third.id) == [
        second,
        first,
    ]
    assert len(await docker.containers.list(all=True, limit=1, filters=label)) == 1
    sized = await docker.containers.list(all=True, size=True, filters=label, sparse=True)
    assert all("SizeRootFs" in c.attrs for c in sized)
    with pytest.raises(InvalidArgument, match="nosuch"):
        await docker.containers.list(filters={"nosuch": "x"})


async def test_rename_update_top_diff_resize(docker: Docker, make: Make, engine: Engine) -> None:
    container = await make(tty=True, stdin_open=True, restart_policy="no")
    new_name = f"aiodock-renamed-{uuid.uuid4().hex[:8]}"
    await container.rename(new_name)
    assert container.name == new_name
    assert (await docker.containers.get(new_name)).id == container.id

    if engine.lacks("container-update") is not None:  # one clear error, nothing sent
        with pytest.raises(NotSupported, match="has no container update"):
            await container.update(mem_limit="64m")
    else:
        warnings = await container.update(
            mem_limit="64m", memswap_limit="128m", cpu_shares=512, restart_policy="on-failure:2"
        )
        assert isinstance(warnings, list)
        await container.reload()
        config = container.attrs["HostConfig"]
        assert config["Memory"] == 64 * 1024**2 and config["CpuShares"] == 512
        assert config["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    with pytest.raises(InvalidArgument, match="hostname"):
        await container.update(hostname="x")

    top = await container.top()
    assert "PID" in top["Titles"] and any("sleep" in " ".join(p) for p in top["Processes"])
    assert (await container.top(ps_args="-o pid,comm"))["Titles"] == ["PID", "COMMAND"]

    await container.put_archive("/tmp", tar_of("added.txt", b"x"))
    changes = await container.changes()
    assert {"Path": "/tmp/added.txt", "Kind": 1} in changes
    assert changes == await container.diff()

    await container.resize(height=40, width=100)
    with pytest.raises(InvalidArgument, match="height"):
        await container.resize(height=-1, width=100)


async def test_port_lookup(docker: Docker, make: Make, labels: dict[str, str]) -> None:
    network = await docker.transport.json(
        "POST",
        "/networks/create",
        json={"Name": f"aiodock-ports-{uuid.uuid4().hex[:8]}", "Labels": labels},
    )
    try:
        container = await make(
            network_mode=None,
            network=network["Id"],
            # Two bindings of one port on two addresses (Docker 28 refuses two on the same
            # address: both take 0.0.0.0 and [::] on one ephemeral port).
            ports={
                "80/tcp": ("127.0.0.1", None),
                "53/udp": None,
                81: [("127.0.0.1", None), ("127.0.0.2", None)],
            },
        )
        bindings = await container.port(80)
        assert bindings is not None and bindings[0]["HostIp"] == "127.0.0.1"
        assert int(bindings[0]["HostPort"]) > 0
        udp = await container.port("53/udp")
        assert udp is not None and int(udp[0]["HostPort"]) > 0
        assert len(await container.port("81") or []) >= 2
        assert await container.port(9999) is None
        listed = await docker.containers.list(filters={"id": container.id}, sparse=True)
        assert listed[0].ports["80/tcp"] == [
            {"HostIp": "127.0.0.1", "HostPort": bindings[0]["HostPort"]}
        ]
    finally:
        for c in await docker.containers.list(all=True, filters={"network": network["Id"]}):
            await c.remove(force=True)
        await docker.transport.call("DELETE", f"/networks/{network['Id']}")


async def test_archive_round_trip_is_byte_exact(make: Make) -> None:
    container = await make()
    payload = os.urandom(3 * 1024 * 1024 + 17) + bytes(range(256))
    await container.put_archive("/tmp", tar_of("blob.bin", payload))

    stat = await container.stat_archive("/tmp/blob.bin")
    assert stat["name"] == "blob.bin" and stat["size"] == len(payload)

    stream, stat = await container.get_archive("/tmp/blob.bin")
    assert isinstance(stream, ByteStream) and stat["size"] == len(payload)
    chunks = [chunk async for chunk in stream]
    assert len(chunks) > 1  # streamed, not handed over whole
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        member = tar.extractfile("blob.bin")
        assert member is not None and member.read() == payload

    async def pieces() -> AsyncIterator[bytes]:
        data = tar_of("streamed.bin", payload)
        for start in range(0, len(data), 65536):
            yield data[start : start + 65536]

    await container.put_archive("/tmp", pieces())
    await container.put_archive("/tmp", io.BytesIO(tar_of("file.bin", b"from a file")))
    for name, expected in (("streamed.bin", payload), ("file.bin", b"from a file")):
        stream, _ = await container.get_archive(f"/tmp/{name}")
        with tarfile.open(fileobj=io.BytesIO(await stream.read())) as tar:
            member = tar.extractfile(name)
            assert member is not None and member.read() == expected

    with pytest.raises(NotFound):
        await container.get_archive("/no/such/path")
    with pytest.raises(NotFound):
        await container.stat_archive("/no/such/path")
    with pytest.raises(InvalidArgument, match="binary"):
        await container.put_archive("/tmp", io.StringIO("text"))  # type: ignore[arg-type]


async def test_export_streams_the_filesystem(make: Make) -> None:
    container = await make("true", start=False)
    sink = io.BytesIO()
    async with container.export() as stream:
        written = await stream.write_to(sink)
    assert written == len(sink.getvalue()) > 1024 * 1024
    with tarfile.open(fileobj=io.BytesIO(sink.getvalue())) as tar:
        assert "bin/busybox" in tar.getnames()


async def test_commit_makes_an_image(docker: Docker, make: Make) -> None:
    container = await make(start=False, labels={"aiodock.commit": "1"})
    repository = f"aiodock-test/commit-{uuid.uuid4().hex[:8]}"
    image = await container.commit(
        repository, tag="v1", message="a test", author="aiodock", changes=["ENV COMMITTED=1"]
    )
    assert isinstance(image, Image)
    image_id = image.id
    try:
        details = await docker.transport.json("GET", f"/images/{repository}:v1/json")
        assert details["Id"] == image_id
        assert details["Comment"] == "a test" and details["Author"] == "aiodock"
        assert "COMMITTED=1" in details["Config"]["Env"]
    finally:
        await docker.transport.call("DELETE", f"/images/{image_id}", params={"force": True})


async def test_prune_removes_only_matching_stopped_containers(docker: Docker, make: Make) -> None:
    tag = uuid.uuid4().hex
    stopped = await make(start=False, labels={"aiodock.prune": tag})
    running = await make(labels={"aiodock.prune": tag})
    result = await docker.containers.prune(filters={"label": f"aiodock.prune={tag}"})
    assert result["ContainersDeleted"] == [stopped.id]
    assert isinstance(result["SpaceReclaimed"], int)
    await running.reload()
    assert (await docker.containers.prune(filters={"label": f"aiodock.prune={tag}"}))[
        "ContainersDeleted"
    ] == []


async def test_remove_with_volumes(docker: Docker, make: Make) -> None:
    container = await make(start=False, volumes=["/anonymous"])
    volume = container.attrs["Mounts"][0]["Name"]
    await container.remove(volumes=True)
    with pytest.raises(NotFound):
        await docker.transport.json("GET", f"/volumes/{volume}")


async def test_stats_stream_and_single(make: Make) -> None:
    container = await make()
    one = await container.stats(stream=False)
    assert one["id"] == container.id and "memory_stats" in one
    summary = StatsSummary.from_stats(one)
    assert summary.memory_usage > 0 and summary.pids == 1 and summary.cpu_percent >= 0
    quick = await container.stats(stream=False, one_shot=True)
    assert quick["id"] == container.id
    samples = []
    async with container.stats() as stream:
        async for sample in stream:
            samples.append(sample)
            if len(samples) == 2:
                break
    assert all(s["id"] == container.id for s in samples)
    assert samples[1]["precpu_stats"]["cpu_usage"] == samples[0]["cpu_stats"]["cpu_usage"]


@pytest.mark.needs("healthcheck")
async def test_health_waits_and_reports(make: Make) -> None:
    healthy = await make(healthcheck=Healthcheck("true", interval="200ms", timeout="2s"))
    assert healthy.health == "none"  # inspected at creation, before the first check
    await healthy.reload()
    assert healthy.health in ("starting", "healthy")
    await healthy.wait_healthy(timeout=20, interval=0.1)
    await healthy.reload()
    assert healthy.health == "healthy"

    failing = await make(
        healthcheck=Healthcheck("echo broken-check; exit 1", interval="200ms", retries=1)
    )
    with pytest.raises(UnhealthyError, match="broken-check") as info:
        await failing.wait_healthy(timeout=20, interval=0.1)
    assert info.value.status == "unhealthy" and "broken-check" in info.value.output

    slow = await make(healthcheck=Healthcheck("true", interval="60s", start_period="60s"))
    with pytest.raises(HealthTimeoutError) as timeout_info:
        await slow.wait_healthy(timeout=0.5, interval=0.1)
    assert isinstance(timeout_info.value, asyncio.TimeoutError)

    plain = await make()
    assert plain.health == "none"
    with pytest.raises(InvalidArgument, match="no health check"):
        await plain.wait_healthy(timeout=1)
