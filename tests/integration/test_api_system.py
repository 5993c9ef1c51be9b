"""``docker.api``'s network, volume and system calls against the real daemon: docker-py's
answers (dicts, ``None``, ``True``) of requests that really ran."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from aiodock import APIClient, Docker, NotFound
from aiodock.utils import version_tuple

from ..conftest import RUN_ID, RUN_LABEL
from ..engines import Engine
from .registry import LocalRegistry


def unique(prefix: str) -> str:
    return f"aiodock-api-{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def api(docker: Docker) -> AsyncIterator[APIClient]:
    yield docker.api


async def test_network_calls(
    api: APIClient, docker: Docker, labels: dict[str, str], test_image: str, engine: Engine
) -> None:
    name = unique("net")
    created = await api.create_network(
        name, driver="bridge", labels=labels, internal=True, options={"com.example.x": "1"}
    )
    assert set(created) >= {"Id"} and len(created["Id"]) == 64
    network_id = created["Id"]
    container = await docker.containers.create(test_image, command=["sleep", "30"], labels=labels)
    try:
        inspected = await api.inspect_network(network_id)
        assert inspected["Name"] == name and inspected["Internal"] is True
        assert inspected["Labels"] == labels
        if engine.lacks("network-options-readback") is None:
            assert inspected["Options"] == {"com.example.x": "1"}
        assert [n["Id"] for n in await api.networks(names=[name])] == [network_id]
        assert [n["Name"] for n in await api.networks(ids=[network_id])] == [name]
        by_label = await api.networks(filters={"label": f"{RUN_LABEL}={RUN_ID}", "name": name})
        assert [n["Id"] for n in by_label] == [network_id]

        assert (
            await api.connect_container_to_network(container.id, network_id, aliases=["web"])
            is None
        )
        await container.reload()  # a created container: the network lists running ones only
        assert "web" in container.attrs["NetworkSettings"]["Networks"][name]["Aliases"]
        await api.disconnect_container_from_network(container.id, network_id, force=True)
        await container.reload()
        assert name not in container.attrs["NetworkSettings"]["Networks"]
    finally:
        await container.remove(force=True)
    assert await api.remove_network(network_id) is None
    with pytest.raises(NotFound):
        await api.inspect_network(network_id)

    unused = await api.create_network(unique("prune"), labels=labels)
    pruned = await api.prune_networks(filters={"label": f"{RUN_LABEL}={RUN_ID}"})
    assert any(n.startswith("aiodock-api-prune") for n in pruned["NetworksDeleted"])
    with pytest.raises(NotFound):
        await api.inspect_network(unused["Id"])


async def test_volume_calls(api: APIClient, labels: dict[str, str], engine: object) -> None:
    name = unique("vol")
    created = await api.create_volume(name, driver="local", labels=labels)
    assert created["Name"] == name and created["Driver"] == "local"
    assert created["Labels"] == labels
    inspected = await api.inspect_volume(name)
    assert inspected["Mountpoint"] == created["Mountpoint"]
    listed = await api.volumes(filters={"name": name})
    assert [v["Name"] for v in listed["Volumes"]] == [name]
    assert "Warnings" in listed
    assert await api.remove_volume(name) is None
    with pytest.raises(NotFound):
        await api.inspect_volume(name)
    await api.remove_volume(name, force=True)  # force: a missing volume is no error

    marker = uuid.uuid4().hex
    unused = await api.create_volume(unique("prune"), labels={**labels, "aiodock.api": marker})
    filters: dict[str, object] = {"label": f"aiodock.api={marker}"}
    if version_tuple(api.api_version or "1.41") >= (1, 42):
        filters["all"] = True  # named volumes too (docker-py sends what it is given)
    pruned = await api.prune_volumes(filters)
    assert pruned["VolumesDeleted"] == [unused["Name"]]
    assert "SpaceReclaimed" in pruned


async def test_system_calls(
    api: APIClient, docker: Docker, labels: dict[str, str], engine: Engine
) -> None:
    assert await api.ping() is True
    version = await api.version()
    assert version["ApiVersion"] and version == await api.version(api_version=False)
    info = await api.info()
    same = await docker.info()
    assert info["Name"] == same["Name"] and info["DockerRootDir"] == same["DockerRootDir"]
    if engine.lacks("info-id") is None:
        assert info["ID"] == same["ID"]
    df = await api.df()
    assert {"Images", "Containers", "Volumes"} <= set(df)
    assert api.api_version == docker.api_version
    assert api.base_url == docker.address.display
    assert api.timeout == docker.transport.timeout


@pytest.mark.needs("network-events", "network-event-filter")
async def test_events_decoded_and_raw(api: APIClient, labels: dict[str, str]) -> None:
    name = unique("ev")
    decoded = api.events(decode=True, filters={"type": "network", "network": name})
    raw = api.events(filters={"type": "network", "network": name})
    async with decoded, raw:
        first = asyncio.ensure_future(decoded.__anext__())
        second = asyncio.ensure_future(raw.__anext__())
        await asyncio.sleep(0.5)  # both requests on their way
        created = await api.create_network(name, labels=labels)
        try:
            event = await asyncio.wait_for(first, 20)
            chunk = await asyncio.wait_for(second, 20)
        finally:
            await api.remove_network(created["Id"])
    assert event["Type"] == "network" and event["Action"] == "create"
    assert event["Actor"]["ID"] == created["Id"]
    assert isinstance(chunk, bytes) and chunk.endswith(b"\n")
    assert created["Id"].encode() in chunk


@pytest.mark.needs("network-events")
async def test_events_since_until_end(api: APIClient, labels: dict[str, str]) -> None:
    created = await api.create_network(unique("window"), labels=labels)
    await api.remove_network(created["Id"])
    info = await api.info()
    now = info["SystemTime"]
    window = api.events(since="1m", until=now, decode=True, filters={"type": "network"})
    seen = [event async for event in window]  # ends at ``until``
    actions = [e["Action"] for e in seen if e["Actor"]["ID"] == created["Id"]]
    assert actions[:1] == ["create"] and "destroy" in actions


@pytest.mark.needs("plain-http-login")
async def test_login_against_a_registry(docker: Docker) -> None:
    with LocalRegistry() as registry:
        api = docker.api
        answer = await api.login(registry.username, registry.password, registry=registry.host)
        assert answer["Status"] == "Login Succeeded"
        with pytest.raises(Exception, match=r"unauthorized|401|incorrect"):
            await api.login(registry.username, "wrong", registry=registry.host, reauth=True)


async def test_standalone_client_closes_its_own_docker(docker: Docker, engine: Engine) -> None:
    async with APIClient(timeout=30) as api:
        assert api.api_version
        info, same = await api.info(), await docker.info()
        assert info["Name"] == same["Name"] and info["DockerRootDir"] == same["DockerRootDir"]
        if engine.lacks("info-id") is None:
            assert info["ID"] == same["ID"]
    assert api.docker.transport.closed
    assert not docker.transport.closed
