"""The TypedDicts of ``aiodock.shapes`` cover what the real daemon answers: every key of
real inspect, list, stats, wait and event objects is declared, all the way down."""

from __future__ import annotations

import asyncio
import random
import time
import types
import typing
import uuid
from contextlib import suppress
from typing import Any, Union, get_args, get_origin, is_typeddict

from aiodock import Docker, DockerError, shapes
from aiodock.types import Healthcheck, IPAMConfig, IPAMPool

from ..engines import Engine


def uncovered(value: Any, annotation: Any, where: str) -> list[str]:
    """The paths of keys in ``value`` that ``annotation`` (a shape) does not declare."""
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    if value is None:
        return []
    origin = get_origin(annotation)
    if is_typeddict(annotation):
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        hints = typing.get_type_hints(annotation)
        missing = [f"{where}.{key}" for key in value if key not in hints]
        for key, hint in hints.items():
            if key in value:
                missing += uncovered(value[key], hint, f"{where}.{key}")
        return missing
    if origin is list:
        assert isinstance(value, list), f"{where}: {value!r} is not a list"
        return [m for item in value for m in uncovered(item, get_args(annotation)[0], where)]
    if origin is dict:
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        hint = get_args(annotation)[1]
        return [m for k, item in value.items() for m in uncovered(item, hint, f"{where}[{k}]")]
    return []


def assert_covered(value: Any, shape: Any) -> None:
    assert isinstance(value, dict) and value, f"{shape.__name__}: empty answer {value!r}"
    assert uncovered(value, shape, shape.__name__) == []


async def test_real_answers_are_covered_by_the_shapes(
    docker: Docker, engine: Engine, labels: dict[str, str], test_image: str
) -> None:
    health_checks_run = engine.lacks("healthcheck") is None
    started = time.time()
    subnet = f"10.{random.randint(100, 159)}.{random.randint(0, 255)}.0/24"
    network = await docker.networks.create(
        f"adk-shapes-{uuid.uuid4().hex[:10]}",
        labels=labels,
        ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)]),
    )
    volume = await docker.volumes.create(labels=labels)
    container = None
    try:
        container = await docker.containers.create(
            test_image,
            ["sleep", "300"],
            labels=labels,
            network=network.name,
            ports={"80/tcp": None},
            volumes={volume.name: {"bind": "/data", "mode": "rw"}},
            tmpfs={"/scratch": "size=1m"},
            healthcheck=Healthcheck(test=["CMD", "true"], interval="50ms", retries=1),
        )
        await container.start()
        for _ in range(200 if health_checks_run else 1):  # until the first check has run
            await container.reload()
            if (container.state.get("Health") or {}).get("Log"):
                break
            await asyncio.sleep(0.05)

        # Container inspect, and the typed views of its parts.
        assert_covered(container.attrs, shapes.ContainerInspectResponse)
        assert container.state["Running"] is True
        if health_checks_run:
            assert (container.state.get("Health") or {}).get("Log"), "no health check ran"
        assert container.config.get("Labels") == labels
        # Podman reports the mode ("bridge") where Docker names the network.
        assert container.host_config["NetworkMode"] in (
            (network.name, "bridge") if engine.kind == "podman" else (network.name,)
        )
        assert (container.network_settings.get("Ports") or {}).get("80/tcp")
        assert network.name in (container.network_settings.get("Networks") or {})
        assert [m.get("Name") for m in container.mounts] == [volume.name]
        assert container.state is container.attrs["State"]  # a view, not a copy

        listed = await docker.containers.list(filters={"id": [container.id]}, sparse=True)
        assert [c.id for c in listed] == [container.id]
        assert_covered(listed[0].attrs, shapes.ContainerSummary)
        assert listed[0].state == {} and listed[0].mounts  # list entries: no State object

        image = await docker.images.get(test_image)
        assert_covered(image.attrs, shapes.ImageInspect)
        assert image.config.get("Cmd")
        for summary in await docker.images.list(sparse=True):
            assert_covered(summary.attrs, shapes.ImageSummary)

        await network.reload()
        assert_covered(network.attrs, shapes.Network)
        assert container.id in (network.attrs.get("Containers") or {})
        await volume.reload()
        assert_covered(volume.attrs, shapes.Volume)

        assert_covered(await docker.version(), shapes.SystemVersion)
        assert_covered(await docker.info(), shapes.SystemInfo)
        stats = await container.stats(stream=False, one_shot=True)
        assert_covered(stats, shapes.ContainerStats)
        assert stats["networks"]  # the container has an interface on our network

        exec_id = await docker.exec.create(container.id, ["sh", "-c", "exit 3"])
        assert_covered(await docker.exec.inspect(exec_id), shapes.ExecInspectResponse)
        async with await docker.exec.start(exec_id) as proc:
            assert await proc.wait() == 3
        finished = await docker.exec.inspect(exec_id)
        assert_covered(finished, shapes.ExecInspectResponse)
        assert finished["ExitCode"] == 3

        await container.kill()
        waited = await container.wait(timeout=20)
        assert_covered(waited, shapes.ContainerWaitResponse)
        assert waited["StatusCode"] == 137

        events = [
            event
            async for event in docker.events(
                since=started,
                until=time.time(),
                filters={"container": [container.id]},
                decode=False,
            )
        ]
        assert {"start", "kill", "die"} <= {e.get("Action") for e in events}
        for event in events:
            assert_covered(event, shapes.EventMessage)
    finally:
        if container is not None:
            with suppress(DockerError):
                await container.remove(force=True)
        with suppress(DockerError):
            await volume.remove(force=True)
        with suppress(DockerError):
            await network.remove()
