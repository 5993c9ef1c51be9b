"""The client against the real daemon: system calls, version negotiation, errors, events."""

from __future__ import annotations

import asyncio
import time

import pytest

from aiodock import MAX_API_VERSION, Docker, DockerConnectionError, DockerError, Event, NotFound
from aiodock.errors import ContainerNotFound, InvalidArgument
from aiodock.utils import version_tuple


async def test_ping_version_info_df(docker: Docker) -> None:
    assert await docker.ping() is True
    version = await docker.version()
    assert version["ApiVersion"]
    assert docker.api_version == min(version["ApiVersion"], MAX_API_VERSION, key=version_tuple)
    info = await docker.info()
    assert info["ID"] and "Containers" in info
    df = await docker.df()
    assert {"Images", "Containers", "Volumes"} <= df.keys()


async def test_version_negotiated_once_under_concurrency() -> None:
    async with Docker() as docker:
        results = await asyncio.gather(*(docker.info() for _ in range(10)))
        assert all(r["ID"] == results[0]["ID"] for r in results)
        assert docker.api_version is not None


async def test_pinned_api_version_is_used() -> None:
    async with Docker(api_version="1.40") as docker:
        assert await docker.transport.request_target("/info") == "/v1.40/info"
        assert (await docker.info())["ID"]


async def test_missing_socket_names_the_path_quickly() -> None:
    started = time.monotonic()
    async with Docker("unix:///nonexistent.sock") as docker:
        with pytest.raises(DockerConnectionError, match=r"/nonexistent\.sock") as info:
            await docker.ping()
    assert info.value.address == "unix:///nonexistent.sock"
    assert time.monotonic() - started < 5


async def test_refused_tcp_connection() -> None:
    async with Docker("tcp://127.0.0.1:1", connect_timeout=3) as docker:
        with pytest.raises(DockerConnectionError, match=r"127\.0\.0\.1:1"):
            await docker.version()


async def test_daemon_error_maps_to_not_found_with_message(docker: Docker) -> None:
    with pytest.raises(NotFound) as info:
        await docker.transport.json("GET", "/containers/aiodock-no-such-container/json")
    assert isinstance(info.value, ContainerNotFound)
    assert info.value.status == 404
    assert "aiodock-no-such-container" in info.value.message


async def test_events_between_two_times(
    docker: Docker, labels: dict[str, str], test_image: str
) -> None:
    since = time.time() - 1
    created = await docker.transport.json(
        "POST",
        "/containers/create",
        json={"Image": test_image, "Cmd": ["true"], "Labels": labels},
    )
    await docker.transport.call("DELETE", f"/containers/{created['Id']}", params={"force": True})
    seen: list[Event] = []
    async with docker.events(
        since=since, until=time.time() + 1, filters={"container": created["Id"]}
    ) as events:
        async for event in events:
            seen.append(event)
    actions = [e.action for e in seen]
    assert actions[0] == "create" and "destroy" in actions
    assert all(e.actor.id == created["Id"] and e.type == "container" for e in seen)
    assert seen[0].actor.attributes["aiodock.test"] == "1"
    assert seen[0].time_nano > since * 1e9


async def test_events_filter_validated_locally(docker: Docker) -> None:
    with pytest.raises(InvalidArgument):
        docker.events(filters={"type": [object()]})  # type: ignore[list-item]


async def test_client_left_open_warns(daemon: None) -> None:
    client = Docker()
    await client.ping()
    with pytest.warns(ResourceWarning, match="unclosed <Docker"):
        client.__del__()
    await client.close()


async def test_closed_client_refuses_requests() -> None:
    client = Docker()
    await client.close()
    with pytest.raises(DockerError, match="closed"):
        await client.ping()
