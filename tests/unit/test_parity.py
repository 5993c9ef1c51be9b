"""docker-py's high-level behaviour, against the fake daemon of ``conftest.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from aiodock import (
    APIError,
    ContainerNotFound,
    Docker,
    Image,
    ImageLoadError,
    InvalidArgument,
    NotFound,
)
from aiodock.configs import Config
from aiodock.types import SecretReference

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


def _creating(request: FakeRequest) -> FakeAnswer:
    if request.path == "/containers/create":
        return FakeAnswer(201, json={"Id": "c" * 64, "Warnings": []})
    if request.path == "/services/create":
        return FakeAnswer(201, json={"ID": "s1"})
    if request.path == "/services/s1":
        return FakeAnswer(json={"ID": "s1", "Spec": {"Name": "web"}, "Version": {"Index": 1}})
    return FakeAnswer(json={"Id": "c" * 64, "Name": "/c", "Config": {}})


async def test_create_accepts_detach_and_image_handles(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(_creating)
    image = Image(docker, {"Id": "sha256:" + "e" * 64, "RepoTags": ["app:1"]})
    await docker.containers.create("busybox", ["true"], detach=True)
    await docker.containers.create(image, ["true"])
    first, second = daemon.sent("/containers/create")
    assert first.json()["Image"] == "busybox" and "Detach" not in first.json()
    assert second.json()["Image"] == image.id


async def test_run_takes_an_image_handle(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(
        lambda r: FakeAnswer(204) if r.path.endswith("/start") else _creating(r)
    )
    image = Image(docker, {"Id": "sha256:" + "e" * 64, "RepoTags": []})
    container = await docker.containers.run(image, ["true"], detach=True)
    assert container.id == "c" * 64
    assert daemon.sent("/containers/create")[0].json()["Image"] == image.id


async def test_services_create_takes_an_image_handle(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(_creating)
    tagged = Image(docker, {"Id": "sha256:" + "e" * 64, "RepoTags": ["registry:5000/app:1"]})
    await docker.services.create(tagged, name="web")
    spec = daemon.sent("/services/create")[0].json()
    assert spec["TaskTemplate"]["ContainerSpec"]["Image"] == "registry:5000/app:1"


SERVICE = {
    "ID": "s1",
    "Version": {"Index": 7},
    "Spec": {"Name": "web", "TaskTemplate": {"ContainerSpec": {"Image": "busybox"}}},
}


def _answers(request: FakeRequest) -> FakeAnswer:
    if request.path == "/services/s1/update":
        return FakeAnswer(json={})  # what Docker 20.10 answers: no Warnings at all
    if request.path == "/services/s1":
        return FakeAnswer(json=SERVICE)
    if request.path == "/images/busybox/json":
        return FakeAnswer(json={"Id": "sha256:" + "b" * 64, "RepoTags": ["busybox:latest"]})
    return FakeAnswer(200, body=b"")


async def test_answers_as_docker_py(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(_answers)
    image = await docker.images.get("busybox")
    assert await image.tag("example/busybox", "v1") is True
    assert daemon.sent(f"/images/{image.id}/tag")[0].param("repo") == "example/busybox"
    assert await docker.swarm.leave(force=True) is True
    service = await docker.services.get("s1")
    updated = await service.update(env={"A": "1"})
    assert updated and updated == {"Warnings": []}
    assert await service.force_update() == {"Warnings": []}
    body = daemon.sent("/services/s1/update")[-1].json()
    assert body["TaskTemplate"]["ForceUpdate"] >= 1


async def test_images_load_refuses_a_str_before_sending(fake_docker: FakeDocker) -> None:
    docker, daemon = await fake_docker(lambda r: FakeAnswer(200, json={}))
    with pytest.raises(InvalidArgument, match=r"pathlib\.Path"):
        docker.images.load("image.tar")  # type: ignore[arg-type]
    assert [r.path for r in daemon.requests if r.path != "/_ping"] == []


@pytest.mark.parametrize(
    "answer",
    [
        FakeAnswer(
            500, json={"message": "Error processing tar file(exit status 1): unexpected EOF"}
        ),
        FakeAnswer(200, body=b'{"errorDetail":{"message":"bad tar"},"error":"bad tar"}\n'),
    ],
)
async def test_a_failed_load_raises_image_load_error(
    fake_docker: FakeDocker, tmp_path: Path, answer: FakeAnswer
) -> None:
    docker, daemon = await fake_docker(lambda r: answer)
    archive = tmp_path / "image.tar"
    archive.write_bytes(b"not a tar")
    with pytest.raises(ImageLoadError) as caught:
        await docker.images.load(archive)
    assert isinstance(caught.value, APIError) and caught.value.message
    assert daemon.sent("/images/load")[0].body == b"not a tar"


def _swarm_objects(request: FakeRequest) -> FakeAnswer:
    if request.path == "/services/create":
        return FakeAnswer(201, json={"ID": "s1"})
    if request.path == "/services/s1":
        return FakeAnswer(json=SERVICE)
    if request.path in ("/secrets/db-pass", "/secrets/sec1"):
        return FakeAnswer(json={"ID": "sec1", "Spec": {"Name": "db-pass"}})
    if request.path == "/secrets/missing":
        return FakeAnswer(404, json={"message": "secret missing not found"})
    return FakeAnswer(404, json={"message": "page not found"})


async def test_services_take_secrets_and_configs_by_name_id_or_handle(
    fake_docker: FakeDocker,
) -> None:
    docker, daemon = await fake_docker(_swarm_objects)
    config = Config(docker, {"ID": "cfg1", "Spec": {"Name": "app.conf"}})
    typed = SecretReference("sec9", "other", filename="other.txt")
    await docker.services.create(
        "busybox", name="web", secrets=["db-pass", "sec1", typed], configs=[config]
    )
    container = daemon.sent("/services/create")[0].json()["TaskTemplate"]["ContainerSpec"]
    by_name = {"SecretID": "sec1", "SecretName": "db-pass"}
    assert [{k: s[k] for k in ("SecretID", "SecretName")} for s in container["Secrets"]] == [
        by_name,
        by_name,
        {"SecretID": "sec9", "SecretName": "other"},
    ]
    assert container["Secrets"][0]["File"]["Name"] == "db-pass"  # /run/secrets/db-pass
    assert [(c["ConfigID"], c["File"]["Name"]) for c in container["Configs"]] == [
        ("cfg1", "app.conf")
    ]
    service = await docker.services.get("s1")
    with pytest.raises(NotFound):
        await service.update(secrets=["missing"])
    with pytest.raises(InvalidArgument, match="list of names"):
        await docker.services.create("busybox", secrets="db-pass")
