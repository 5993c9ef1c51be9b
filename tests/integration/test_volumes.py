"""Volumes against the real daemon: create, get, list, remove, prune, data that outlives
the container that wrote it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import suppress

import pytest

from aiodock import Conflict, Docker, DockerError, InvalidArgument, NotFound
from aiodock.utils import version_tuple
from aiodock.volumes import Volume


@pytest.fixture
async def volumes(docker: Docker) -> AsyncIterator[list[Volume]]:
    """Volumes to remove after the test."""
    made: list[Volume] = []
    yield made
    for volume in made:
        with suppress(DockerError):
            await volume.remove(force=True)


def _name() -> str:
    return f"adk-vol-{uuid.uuid4().hex[:12]}"


async def test_create_get_list_remove(
    docker: Docker, labels: dict[str, str], volumes: list[Volume]
) -> None:
    mark = uuid.uuid4().hex
    name = _name()
    volume = await docker.volumes.create(
        name,
        driver="local",
        driver_opts={"type": "tmpfs", "device": "tmpfs", "o": "nodev"},
        labels={**labels, "adk.mark": mark},
    )
    volumes.append(volume)
    assert isinstance(volume, Volume)
    assert volume.id == volume.name == name and volume.short_id == name[:12]
    assert volume.driver == "local" and volume.scope == "local"
    assert volume.labels["adk.mark"] == mark
    assert volume.options == {"type": "tmpfs", "device": "tmpfs", "o": "nodev"}
    assert volume.mountpoint.endswith(f"/volumes/{name}/_data")

    fetched = await docker.volumes.get(name)
    assert fetched == volume and fetched.attrs["CreatedAt"]
    await fetched.reload()
    assert fetched.labels == volume.labels

    listed = await docker.volumes.list(filters={"label": f"adk.mark={mark}"})
    assert [v.name for v in listed] == [name]
    assert [v.name for v in await docker.volumes.list(filters={"name": name})] == [name]
    assert await docker.volumes.list(filters={"label": f"adk.mark={uuid.uuid4().hex}"}) == []

    await volume.remove()
    with pytest.raises(NotFound):
        await docker.volumes.get(name)
    await volume.remove(force=True)  # force: a missing volume is fine
    with pytest.raises(NotFound):
        await docker.volumes.remove(name)


async def test_anonymous_volume_is_named_by_daemon(
    docker: Docker, labels: dict[str, str], volumes: list[Volume]
) -> None:
    volume = await docker.volumes.create(labels=labels)
    volumes.append(volume)
    assert len(volume.name) == 64
    await docker.volumes.remove(volume.name)
    with pytest.raises(NotFound):
        await volume.reload()


async def test_named_volume_data_survives_its_writer(
    docker: Docker, labels: dict[str, str], test_image: str, volumes: list[Volume]
) -> None:
    volume = await docker.volumes.create(_name(), labels=labels)
    volumes.append(volume)
    payload = uuid.uuid4().hex
    await docker.containers.run(
        test_image,
        ["sh", "-c", f"echo {payload} > /data/file"],
        volumes={volume.name: {"bind": "/data", "mode": "rw"}},
        network_mode="none",
        labels=labels,
        remove=True,
    )
    assert await docker.containers.list(all=True, filters={"volume": volume.name}) == []
    out = await docker.containers.run(
        test_image,
        ["cat", "/data/file"],
        volumes={volume.name: {"bind": "/data", "mode": "ro"}},
        network_mode="none",
        labels=labels,
        remove=True,
    )
    assert out.decode().strip() == payload


async def test_remove_in_use_conflicts(
    docker: Docker, labels: dict[str, str], test_image: str, volumes: list[Volume]
) -> None:
    volume = await docker.volumes.create(_name(), labels=labels)
    volumes.append(volume)
    holder = await docker.containers.create(
        test_image, ["true"], volumes={volume.name: {"bind": "/v"}}, labels=labels
    )
    try:
        with pytest.raises(Conflict):
            await volume.remove()
        with pytest.raises(Conflict):
            await volume.remove(force=True)
        in_use = await docker.volumes.list(filters={"dangling": False, "name": volume.name})
        assert [v.name for v in in_use] == [volume.name]
    finally:
        await holder.remove(force=True)
    dangling = await docker.volumes.list(filters={"dangling": True, "name": volume.name})
    assert [v.name for v in dangling] == [volume.name]


async def test_prune_only_labelled(
    docker: Docker, labels: dict[str, str], volumes: list[Volume]
) -> None:
    mark = uuid.uuid4().hex
    doomed = await docker.volumes.create(_name(), labels={**labels, "adk.prune": mark})
    kept = await docker.volumes.create(_name(), labels=labels)
    volumes.extend([doomed, kept])
    result = await docker.volumes.prune(filters={"label": f"adk.prune={mark}"})
    assert result["VolumesDeleted"] == [doomed.name]
    assert isinstance(result["SpaceReclaimed"], int)
    with pytest.raises(NotFound):
        await doomed.reload()
    await kept.reload()


async def test_invalid_arguments(docker: Docker) -> None:
    with pytest.raises(InvalidArgument, match="unknown filter 'status'"):
        await docker.volumes.list(filters={"status": "x"})
    with pytest.raises(InvalidArgument, match="unknown filter 'until'"):
        await docker.volumes.prune(filters={"until": "1h"})
    with pytest.raises(InvalidArgument, match="driver_opts"):
        await docker.volumes.create(_name(), driver_opts=["type=tmpfs"])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="name"):
        await docker.volumes.create("")
    if version_tuple(await docker.negotiate_version()) < (1, 42):
        # Named volumes are pruned anyway there; anonymous ones alone cannot be asked for.
        with pytest.raises(InvalidArgument, match=r"'all' needs API 1\.42"):
            await docker.volumes.prune(filters={"all": False, "label": "adk.none=1"})
