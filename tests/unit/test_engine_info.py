"""``docker.engine()`` and the Podman capability errors, against a fake engine."""

from __future__ import annotations

import pytest

from aiodock import EngineInfo, NotSupported
from aiodock.networks import Network
from tests.unit.fake_engine import Start, fake_engine

__all__ = ["fake_engine"]


async def test_docker_engine_from_ping_and_version(fake_engine: Start) -> None:
    docker, engine = await fake_engine(
        api="1.51", ping_extra={"Swarm": "active/manager", "Builder-Version": "2"}
    )
    info = await docker.engine()
    assert info == EngineInfo(
        name="docker",
        version="28.5.2",
        api_version="1.51",
        max_api_version="1.51",
        min_api_version="1.24",
        builder_version="2",
        swarm="active/manager",
        os="linux",
        arch="amd64",
        kernel_version="6.1.0",
        experimental=False,
        components={"Engine": "28.5.2", "runc": "1.1.5"},
    )
    assert str(info) == "Docker 28.5.2" and info.platform == "linux/amd64"
    assert not info.is_podman and info.supports("swarm") and info.api_at_least("1.44")
    # One ping (the negotiation's), one /version; the Swarm header spares /info.
    assert engine.paths() == ["/_ping", "/version"]
    assert await docker.engine() is info
    assert engine.paths() == ["/_ping", "/version"]  # cached
    await docker.engine(refresh=True)
    assert engine.paths()[2:] == ["/_ping", "/version"]


async def test_docker_without_swarm_header_reads_info_once(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", version="20.10.24")
    info = await docker.engine()
    assert (info.swarm, info.builder_version, info.version) == ("inactive", None, "20.10.24")
    assert engine.paths() == ["/_ping", "/version", "/info"]


async def test_podman_engine(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    info = await docker.engine()
    assert (info.name, info.version, info.swarm) == ("podman", "4.3.1", "unsupported")
    assert str(info) == "Podman 4.3.1" and info.is_podman
    assert info.components["Podman Engine"] == "4.3.1"
    assert not info.supports("swarm") and not info.supports("build prune")
    with pytest.raises(NotSupported, match=r"^Podman 4\.3\.1 has no swarm mode"):
        info.require("swarm")
    assert "/info" not in engine.paths()


@pytest.mark.parametrize("pinned", [None, "1.41"])
async def test_podman_lacks_are_refused_before_the_request(
    fake_engine: Start, pinned: str | None
) -> None:
    docker, engine = await fake_engine(api="1.41", podman="4.3.1", pinned=pinned)
    cases = [
        ("has no swarm mode", docker.swarm.inspect()),
        ("has no swarm mode", docker.services.list()),
        ("has no swarm mode", docker.nodes.list()),
        ("has no swarm mode", docker.tasks.list()),
        ("has no swarm mode", docker.configs.list()),
        ("has no Docker plugins", docker.plugins.list()),
        ("has no build-cache prune", docker.images.prune_builds()),
        ("has no BuildKit build sessions", docker.transport.upgrade("POST", "/session")),
    ]
    for message, call in cases:
        with pytest.raises(NotSupported, match=rf"^Podman 4\.3\.1 {message}"):
            await call
    assert set(engine.paths()) == {"/_ping"}  # nothing else was sent
    # What Podman has still goes through.
    await docker.images.prune()
    await Network(docker, {"Id": "n1"}).reload()
    assert engine.paths()[-2:] == ["/images/prune", "/networks/n1"]


async def test_docker_capabilities_are_not_refused(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.44")
    engine.answers[("GET", "/plugins")] = []
    assert await docker.plugins.list() == []
    await docker.images.prune_builds()
    assert engine.paths() == ["/_ping", "/plugins", "/build/prune"]


async def test_system_prune_leaves_the_build_cache_out_on_podman(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.41", podman="5.4.2")
    result = await docker.prune()
    assert "build_cache" not in result
    assert "/build/prune" not in engine.paths()
    assert {"/containers/prune", "/images/prune", "/volumes/prune"} <= set(engine.paths())
