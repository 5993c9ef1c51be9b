"""The client knows its engine, against the real one: ``docker.engine()``, version-aware
keywords (used where the daemon's API version has them, refused before the request where
it does not) and the capabilities Podman lacks. Each test takes the branch of the engine
it runs on, so the same file checks Docker 20.10, Docker 28 and Podman."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from aiodock import Docker, InvalidArgument, NotSupported, ServiceUnavailable
from aiodock.containers import Container
from aiodock.engine import EngineInfo
from aiodock.types import Healthcheck, Mount
from aiodock.versions import FEATURES, PODMAN_IGNORES
from tests.conftest import force_remove


def refused(engine: EngineInfo, key: str) -> pytest.RaisesExc[Exception]:
    """What using the feature ``key`` raises where ``engine`` does not take it."""
    feature = FEATURES[key]
    if engine.is_podman and key in PODMAN_IGNORES and feature.available(engine.api_version):
        return pytest.raises(NotSupported, match=rf"^Podman {re.escape(engine.version)} ignores")
    where = re.escape(feature.since or feature.until or "")
    speaks = re.escape(f"the daemon speaks API {engine.api_version}")
    return pytest.raises(InvalidArgument, match=rf"^{re.escape(feature.name)} .*{where}.*{speaks}$")


@pytest.fixture
async def engine(docker: Docker) -> EngineInfo:
    return await docker.engine()


@pytest.fixture
async def sleeper(
    docker: Docker, test_image: str, labels: dict[str, str]
) -> AsyncIterator[Container]:
    script = 'trap "echo got-int; exit 3" INT; while true; do sleep 0.1; done'
    container = await docker.containers.run(
        test_image, ["sh", "-c", script], detach=True, labels=labels, network_mode="none"
    )
    try:
        yield container
    finally:
        await force_remove(container)


async def test_engine_matches_the_version_answer(docker: Docker, engine: EngineInfo) -> None:
    version = await docker.version()
    names = {part["Name"] for part in version.get("Components") or ()}
    assert engine.is_podman == ("Podman Engine" in names)
    assert engine.name == ("podman" if engine.is_podman else "docker")
    if not engine.is_podman:
        assert engine.version == version["Version"]
    assert engine.api_version == docker.api_version
    assert engine.max_api_version == version["ApiVersion"]
    assert (engine.os, engine.arch) == (version["Os"], version["Arch"])
    assert engine.swarm in (
        "inactive", "pending", "active/worker", "active/manager", "locked", "error",
        "unsupported",
    )  # fmt: skip
    assert (engine.swarm == "unsupported") == engine.is_podman
    assert engine.builder_version in (None, "1", "2")
    assert await docker.engine() is engine


async def test_stop_signal(docker: Docker, engine: EngineInfo, sleeper: Container) -> None:
    if not engine.target.supports("stop.signal"):
        with refused(engine, "stop.signal"):
            await sleeper.stop(signal="SIGINT", timeout=5)
        await sleeper.reload()
        assert sleeper.status == "running"  # nothing was sent
        return
    await sleeper.stop(signal="SIGINT", timeout=20)
    await sleeper.reload()
    assert sleeper.attrs["State"]["ExitCode"] == 3  # the trap ran: SIGINT, not SIGKILL
    assert b"got-int" in await sleeper.logs().read()


async def test_healthcheck_start_interval(
    docker: Docker, engine: EngineInfo, test_image: str, labels: dict[str, str]
) -> None:
    check = Healthcheck("true", interval="30s", start_period="60s", start_interval="2s")
    if not engine.target.supports("create.healthcheck.start_interval"):
        with refused(engine, "create.healthcheck.start_interval"):
            await docker.containers.create(test_image, healthcheck=check, labels=labels)
        return
    container = await docker.containers.create(test_image, healthcheck=check, labels=labels)
    try:
        assert container.attrs["Config"]["Healthcheck"]["StartInterval"] == 2_000_000_000
    finally:
        await container.remove(force=True)


async def test_exec_console_size(docker: Docker, engine: EngineInfo, sleeper: Container) -> None:
    def create() -> Any:
        return docker.exec.create(sleeper.id, ["stty", "size"], tty=True, console_size=(33, 111))

    if not engine.target.supports("exec.console_size"):
        with refused(engine, "exec.console_size"):
            await create()
        return
    exec_id = await create()
    process = await docker.exec.start(exec_id)
    async with process:
        output = await process.output.read()
    assert output.strip() == b"33 111"


async def test_volume_subpath(
    docker: Docker, engine: EngineInfo, test_image: str, labels: dict[str, str]
) -> None:
    name = f"aiodock-subpath-{uuid.uuid4().hex[:8]}"
    volume = await docker.volumes.create(name, labels=labels)
    try:
        await docker.containers.run(
            test_image,
            ["sh", "-c", "mkdir -p /v/sub && echo inside > /v/sub/file"],
            mounts=[Mount("/v", name)],
            remove=True,
            labels=labels,
            network_mode="none",
        )
        mount = Mount("/data", name, subpath="sub")
        if not engine.target.supports("create.mounts.subpath"):
            with refused(engine, "create.mounts.subpath"):
                await docker.containers.create(test_image, mounts=[mount], labels=labels)
            return
        output = await docker.containers.run(
            test_image, ["cat", "/data/file"], mounts=[mount], remove=True, labels=labels,
            network_mode="none",
        )  # fmt: skip
        assert output == b"inside\n"
    finally:
        await volume.remove(force=True)


async def test_image_inspect_platform(docker: Docker, engine: EngineInfo, test_image: str) -> None:
    platform = engine.platform
    if not engine.target.supports("images.get.platform"):
        with refused(engine, "images.get.platform"):
            await docker.images.get(test_image, platform=platform)
        return
    image = await docker.images.get(test_image, platform=platform)
    assert (image.attrs["Os"], image.attrs["Architecture"]) == (engine.os, engine.arch)


async def test_kernel_memory(
    docker: Docker, engine: EngineInfo, test_image: str, labels: dict[str, str]
) -> None:
    if engine.target.supports("create.kernel_memory"):
        container = await docker.containers.create(test_image, kernel_memory="64m", labels=labels)
        await container.remove(force=True)
        return
    with refused(engine, "create.kernel_memory"):
        await docker.containers.create(test_image, kernel_memory="64m", labels=labels)


async def test_every_gate_has_a_range() -> None:
    assert all(f.since or f.until for f in FEATURES.values())


async def test_capabilities_podman_lacks(docker: Docker, engine: EngineInfo) -> None:
    keep_all = {"until": "87600h"}  # nothing in the build cache is ten years old
    if engine.is_podman:
        for call in (
            docker.swarm.inspect(),
            docker.services.list(),
            docker.plugins.list(),
            docker.images.prune_builds(filters=keep_all),
        ):
            with pytest.raises(NotSupported, match=rf"^Podman {engine.version} has no"):
                await call
        return
    assert isinstance(await docker.plugins.list(), list)
    assert "CachesDeleted" in await docker.images.prune_builds(filters=keep_all)
    if engine.swarm == "active/manager":
        assert (await docker.swarm.inspect())["ID"]
    else:
        with pytest.raises(ServiceUnavailable):
            await docker.swarm.inspect()
