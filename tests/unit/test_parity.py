"""docker-py's high-level behaviour, against the fake daemon of ``conftest.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from aiodock import ContainerNotFound, Docker

from .conftest import FakeAnswer, FakeDaemon, FakeRequest

FakeDocker = Callable[..., Awaitable[tuple[Docker, FakeDaemon]]]

IDS = [f"{n:064x}" for n in range(1, 41)]


def _containers(removed: set[str] = frozenset()) -> Callable[[FakeRequest], FakeAnswer]:  # type: ignore[assignment]
    def answer(request: FakeRequest) -> FakeAnswer:
        if request.path == "/containers/json":
            return FakeAnswer(json=[{"Id": i, "Names": [f"/c{i[-2:]}"]} for i in IDS])
        container_id = request.path.split("/")[2]
        if container_id in removed:
            return FakeAnswer(404, json={"message": f"No such container: {container_id}"})
        return FakeAnswer(
            json={"Id": container_id, "Name": f"/c{container_id[-2:]}", "Config": {"Env": []}}
        )

    return answer


async def test_list_inspects_each_container(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(_containers())
    listed = await docker.containers.list(all=True)
    assert [c.id for c in listed] == IDS
    assert all(c.attrs["Config"] == {"Env": []} for c in listed)
    assert {r.path for r in daemon.requests if r.path != "/containers/json"} >= {
        f"/containers/{i}/json" for i in IDS
    }


async def test_list_sparse_keeps_the_entries(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(_containers())
    listed = await docker.containers.list(all=True, sparse=True)
    assert [c.id for c in listed] == IDS
    assert all("Config" not in c.attrs for c in listed)
    assert [r.path for r in daemon.requests if r.path != "/_ping"] == ["/containers/json"]


async def test_list_inspects_a_bounded_number_at_once(
    fake_docker: FakeDocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    docker, _ = await fake_docker(_containers())
    running = peak = 0
    get = docker.containers.get

    async def counting_get(container_id: str):  # type: ignore[no-untyped-def]
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            await asyncio.sleep(0.001)
            return await get(container_id)
        finally:
            running -= 1

    monkeypatch.setattr(docker.containers, "get", counting_get)
    assert len(await docker.containers.list(all=True)) == len(IDS)
    assert 1 < peak <= 16


async def test_list_with_a_removed_container(fake_docker: FakeDocker) -> None:
    docker, _ = await fake_docker(_containers(removed={IDS[3]}))
    with pytest.raises(ContainerNotFound):
        await docker.containers.list(all=True)
    kept = await docker.containers.list(all=True, ignore_removed=True)
    assert [c.id for c in kept] == IDS[:3] + IDS[4:]
