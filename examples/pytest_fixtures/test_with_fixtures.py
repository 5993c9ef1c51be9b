"""A test suite that uses only aiodock's pytest fixtures.

Every container, network, volume and image made through the fixtures is removed after
its test, passed or failed. Run it with ``pytest examples/pytest_fixtures``; it needs a
Docker daemon and the image named by AIODOCK_DEMO_IMAGE (``make demo`` builds the default,
a busybox image).
"""

from __future__ import annotations

import os
import uuid

import pytest

from aiodock import Docker
from aiodock.pytest_plugin import (
    ContainerFactory,
    ImageFactory,
    NetworkFactory,
    VolumeFactory,
)
from aiodock.types import Healthcheck

# Marked for pytest-asyncio's strict mode; in auto mode the mark changes nothing.
pytestmark = pytest.mark.asyncio

IMAGE = os.environ.get("AIODOCK_DEMO_IMAGE", "aiodock-test/busybox:latest")
# Containers that need no network run without one: they start faster and stay hermetic.
OFFLINE = {"network_mode": "none"}


async def test_a_health_check_gates_readiness(docker_container: ContainerFactory) -> None:
    # The factory returns once the health check passes: no sleeps in the test.
    server = await docker_container(
        IMAGE,
        ["sh", "-c", "sleep 0.5; touch /tmp/ready; exec sleep 600"],
        healthcheck=Healthcheck(test="test -f /tmp/ready", interval="100ms", retries=50),
        **OFFLINE,
    )
    assert server.health == "healthy"
    result = await server.exec_run(["ls", "/tmp/ready"])
    assert result.exit_code == 0


async def test_containers_find_each_other_on_a_private_network(
    docker: Docker,
    docker_container: ContainerFactory,
    docker_network: NetworkFactory,
    docker_labels: dict[str, str],
) -> None:
    network = await docker_network()
    name = f"web-{uuid.uuid4().hex[:8]}"
    await docker_container(
        IMAGE,
        ["sh", "-c", "mkdir /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www"],
        name=name,
        network=network.name,
        healthcheck=Healthcheck(test="wget -q -O- http://127.0.0.1:8080/", interval="100ms"),
    )
    # A one-off client made without the factory: docker_labels gets it cleaned up too,
    # should `remove=True` not get the chance.
    page = await docker.containers.run(
        IMAGE,
        ["wget", "-q", "-O-", f"http://{name}:8080/"],
        network=network.name,
        labels=docker_labels,
        remove=True,
    )
    assert page == b"hello\n"


async def test_a_volume_outlives_its_containers(
    docker_container: ContainerFactory, docker_volume: VolumeFactory
) -> None:
    volume = await docker_volume()
    mount = {volume.name: {"bind": "/data", "mode": "rw"}}
    writer = await docker_container(
        IMAGE, ["sh", "-c", "echo kept > /data/file"], volumes=mount, **OFFLINE
    )
    assert (await writer.wait())["StatusCode"] == 0
    reader = await docker_container(IMAGE, ["cat", "/data/file"], volumes=mount, **OFFLINE)
    assert (await reader.wait())["StatusCode"] == 0
    assert await reader.logs().read() == b"kept\n"


async def test_an_image_built_for_the_test(
    docker_image: ImageFactory, docker_container: ContainerFactory
) -> None:
    image = await docker_image(
        f'FROM {IMAGE}\nCOPY greeting /greeting\nCMD ["cat", "/greeting"]\n',
        files={"greeting": "hello from a throwaway image\n"},
    )
    container = await docker_container(image.id, **OFFLINE)
    await container.wait()
    assert await container.logs().read() == b"hello from a throwaway image\n"
