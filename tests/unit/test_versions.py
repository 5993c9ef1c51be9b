"""Version-aware requests against fake engines of each API version: every entry of
``aiodock.versions.FEATURES`` is refused below (or above) its range before anything is
sent, and sent where the daemon expects it inside the range."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from aiodock import Docker, InvalidArgument, NotSupported
from aiodock.containers import Container
from aiodock.images import Image
from aiodock.networks import Network
from aiodock.process import attach_container
from aiodock.types import Healthcheck, Mount
from aiodock.versions import FEATURES, PODMAN_BROKEN, PODMAN_IGNORES, Feature, Target
from tests.unit.fake_engine import FakeEngine, Start, fake_engine

__all__ = ["fake_engine"]

Call = Callable[[Docker], Awaitable[Any]]
Sent = Callable[[FakeEngine], Any]

ARM = {"os": "linux", "architecture": "arm64"}


def _container(docker: Docker) -> Container:
    return Container(docker, {"Id": "c1", "Config": {"Tty": False}})


def _create(**options: Any) -> Call:
    return lambda docker: docker.containers.create("busybox", **options)


def _created(engine: FakeEngine) -> Any:
    return engine.last("POST", "/containers/create").body


def _query(method: str, path: str, key: str) -> Sent:
    return lambda engine: engine.last(method, path).query.get(key)


async def _read(stream: Any) -> None:
    async with stream:
        async for _ in stream:
            pass


@dataclass(frozen=True)
class Case:
    key: str
    call: Call
    sent: Sent
    expected: Any


CASES = [
    Case(
        "create.kernel_memory",
        _create(kernel_memory="64m"),
        lambda e: _created(e)["HostConfig"]["KernelMemory"],
        64 * 1024**2,
    ),
    Case(
        "create.console_size",
        _create(console_size=(40, 120)),
        lambda e: _created(e)["HostConfig"]["ConsoleSize"],
        [40, 120],
    ),
    Case(
        "create.annotations",
        _create(annotations={"a": "1"}),
        lambda e: _created(e)["HostConfig"]["Annotations"],
        {"a": "1"},
    ),
    Case(
        "create.healthcheck.start_interval",
        _create(healthcheck=Healthcheck("true", start_period="30s", start_interval="1s")),
        lambda e: _created(e)["Healthcheck"]["StartInterval"],
        1_000_000_000,
    ),
    Case(
        "create.mounts.subpath",
        _create(mounts=[Mount("/data", "vol", subpath="sub/dir")]),
        lambda e: _created(e)["HostConfig"]["Mounts"][0]["VolumeOptions"],
        {"Subpath": "sub/dir"},
    ),
    Case(
        "create.endpoint.mac_address",
        _create(network="net1", networking_config={"net1": {"MacAddress": "02:42:ac:11:00:99"}}),
        lambda e: _created(e)["NetworkingConfig"]["EndpointsConfig"]["net1"],
        {"MacAddress": "02:42:ac:11:00:99"},
    ),
    Case(
        "create.endpoint.gw_priority",
        _create(networking_config={"net1": {"GwPriority": 10}}),
        lambda e: _created(e)["NetworkingConfig"]["EndpointsConfig"]["net1"],
        {"GwPriority": 10},
    ),
    Case(
        "update.kernel_memory",
        lambda docker: _container(docker).update(kernel_memory="64m"),
        lambda e: e.last("POST", "/containers/c1/update").body,
        {"KernelMemory": 64 * 1024**2},
    ),
    Case(
        "stop.signal",
        lambda docker: _container(docker).stop(signal="SIGINT"),
        _query("POST", "/containers/c1/stop", "signal"),
        ["SIGINT"],
    ),
    Case(
        "restart.signal",
        lambda docker: _container(docker).restart(timeout=3, signal=15),
        lambda e: e.last("POST", "/containers/c1/restart").query,
        {"t": ["3"], "signal": ["15"]},
    ),
    Case(
        "exec.console_size",
        lambda docker: docker.exec.create("c1", ["sh"], tty=True, console_size=(24, 80)),
        lambda e: e.last("POST", "/containers/c1/exec").body["ConsoleSize"],
        [24, 80],
    ),
    Case(
        "connect.mac_address",
        lambda docker: Network(docker, {"Id": "n1"}).connect("c1", mac_address="02:42:00:00:00:01"),
        lambda e: e.last("POST", "/networks/n1/connect").body["EndpointConfig"],
        {"MacAddress": "02:42:00:00:00:01"},
    ),
    Case(
        "connect.gw_priority",
        lambda docker: Network(docker, {"Id": "n1"}).connect("c1", gw_priority=-5),
        lambda e: e.last("POST", "/networks/n1/connect").body["EndpointConfig"],
        {"GwPriority": -5},
    ),
    Case(
        "images.list.shared_size",
        lambda docker: docker.images.list(sparse=True, shared_size=True),
        _query("GET", "/images/json", "shared-size"),
        ["1"],
    ),
    Case(
        "images.list.manifests",
        lambda docker: docker.images.list(sparse=True, manifests=True),
        _query("GET", "/images/json", "manifests"),
        ["1"],
    ),
    Case(
        "images.get.platform",
        lambda docker: docker.images.get("app", platform="linux/arm64"),
        _query("GET", "/images/app/json", "platform"),
        [json.dumps(ARM, separators=(",", ":"))],
    ),
    Case(
        "images.history.platform",
        lambda docker: Image(docker, {"Id": "app"}).history(platform=ARM),
        _query("GET", "/images/app/history", "platform"),
        [json.dumps(ARM, separators=(",", ":"))],
    ),
    Case(
        "images.save.platform",
        lambda docker: docker.images.save("app", platform="linux/arm64").read(),
        _query("GET", "/images/app/get", "platform"),
        [json.dumps(ARM, separators=(",", ":"))],
    ),
    Case(
        "images.load.platform",
        lambda docker: _read(docker.images.load(b"", platform="linux/arm64")),
        _query("POST", "/images/load", "platform"),
        [json.dumps(ARM, separators=(",", ":"))],
    ),
    Case(
        "images.push.platform",
        lambda docker: _read(docker.images.push("localhost:5000/app", "1", platform=ARM)),
        _query("POST", "/images/localhost:5000/app/push", "platform"),
        [json.dumps(ARM, separators=(",", ":"))],
    ),
    Case(
        "images.remove.platforms",
        lambda docker: docker.images.remove("app", platforms=["linux/arm64", "linux/amd64"]),
        _query("DELETE", "/images/app", "platforms"),
        [
            json.dumps(ARM, separators=(",", ":")),
            json.dumps({"os": "linux", "architecture": "amd64"}, separators=(",", ":")),
        ],
    ),
    Case(
        "build_prune.max_used_space",
        lambda docker: docker.images.prune_builds(max_used_space="1g"),
        _query("POST", "/build/prune", "max-used-space"),
        [str(1024**3)],
    ),
    Case(
        "build_prune.min_free_space",
        lambda docker: docker.images.prune_builds(min_free_space="10g"),
        _query("POST", "/build/prune", "min-free-space"),
        [str(10 * 1024**3)],
    ),
    Case(
        "volumes.prune.all",
        lambda docker: docker.volumes.prune(filters={"all": False}),
        lambda e: json.loads(e.last("POST", "/volumes/prune").query["filters"][0]),
        {"all": ["false"]},
    ),
]


def test_every_feature_has_a_case() -> None:
    assert sorted(case.key for case in CASES) == sorted(FEATURES)


def _outside(feature: Feature) -> str:
    """A version outside the feature's range."""
    if feature.since is not None:
        major, minor = feature.since.split(".")
        return f"{major}.{int(minor) - 1}"
    assert feature.until is not None
    major, minor = feature.until.split(".")
    return f"{major}.{int(minor) + 1}"


def _inside(feature: Feature) -> str:
    return feature.since or feature.until or "1.41"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
async def test_refused_outside_its_versions(fake_engine: Start, case: Case) -> None:
    feature = FEATURES[case.key]
    docker, engine = await fake_engine(api=_outside(feature))
    with pytest.raises(InvalidArgument) as caught:
        await case.call(docker)
    message = str(caught.value)
    assert feature.name in message
    assert f"API {feature.since or feature.until}" in message
    assert f"the daemon speaks API {_outside(feature)}" in message
    assert engine.paths() == ["/_ping"]  # refused before anything else went out


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
async def test_sent_inside_its_versions(fake_engine: Start, case: Case) -> None:
    docker, engine = await fake_engine(api=_inside(FEATURES[case.key]))
    engine.answers[("POST", "/containers/create")] = {"Id": "c1"}
    engine.answers[("POST", "/containers/c1/exec")] = {"Id": "e1"}
    engine.answers[("GET", "/images/json")] = []
    engine.answers[("DELETE", "/images/app")] = []
    await case.call(docker)
    assert case.sent(engine) == case.expected


@pytest.mark.parametrize(
    ("api", "network", "where"),
    [
        ("1.43", None, None),
        ("1.44", None, "bridge"),
        ("1.44", "net1", "net1"),
        ("1.52", "net1", "net1"),
    ],
)
async def test_mac_address_goes_where_the_version_expects_it(
    fake_engine: Start, api: str, network: str | None, where: str | None
) -> None:
    docker, engine = await fake_engine(api=api)
    engine.answers[("POST", "/containers/create")] = {"Id": "c1"}
    mac = "02:42:ac:11:00:99"
    await docker.containers.create("busybox", mac_address=mac, network=network)
    body = _created(engine)
    if where is None:
        assert body["MacAddress"] == mac
        assert "NetworkingConfig" not in body
    else:
        assert "MacAddress" not in body
        assert body["NetworkingConfig"]["EndpointsConfig"][where] == {"MacAddress": mac}


async def test_mac_address_conflicting_with_the_endpoint_is_refused(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.44")
    with pytest.raises(InvalidArgument, match="differs from the MacAddress of the endpoint"):
        await docker.containers.create(
            "busybox",
            mac_address="02:42:ac:11:00:99",
            network="net1",
            networking_config={"net1": {"MacAddress": "02:42:ac:11:00:01"}},
        )
    assert engine.paths() == ["/_ping"]


@pytest.mark.parametrize(
    ("api", "name"),
    [("1.47", "keep-storage"), ("1.48", "reserved-space"), ("1.52", "reserved-space")],
)
@pytest.mark.parametrize("keyword", ["keep_storage", "reserved_space"])
async def test_build_cache_kept_space_under_the_versions_name(
    fake_engine: Start, api: str, name: str, keyword: str
) -> None:
    docker, engine = await fake_engine(api=api)
    await docker.images.prune_builds(**{keyword: "2g"})
    query = engine.last("POST", "/build/prune").query
    assert query == {name: [str(2 * 1024**3)]}


@pytest.mark.parametrize(
    ("api", "filters", "sent"),
    [
        ("1.41", None, None),
        ("1.41", {"all": True}, None),
        ("1.41", {"label": "a"}, {"label": ["a"]}),
        ("1.42", None, {"all": ["true"]}),
        ("1.51", {"label": "a"}, {"label": ["a"], "all": ["true"]}),
        ("1.51", {"all": "0"}, {"all": ["false"]}),
    ],
)
async def test_volume_prune_removes_named_volumes_on_every_version(
    fake_engine: Start, api: str, filters: dict[str, Any] | None, sent: dict[str, Any] | None
) -> None:
    docker, engine = await fake_engine(api=api)
    await docker.volumes.prune(filters=filters)
    query = engine.last("POST", "/volumes/prune").query
    assert (json.loads(query["filters"][0]) if "filters" in query else None) == sent


async def test_bad_values_are_refused_before_anything_is_sent(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.56")
    with pytest.raises(InvalidArgument, match="platform: 'arm64' is not like linux/amd64"):
        await docker.images.get("app", platform="arm64")
    with pytest.raises(InvalidArgument, match="platform"):
        docker.images.save("app", platform={"os": "linux"})
    with pytest.raises(InvalidArgument, match=r"console_size: expected \(height, width\)"):
        await docker.containers.create("busybox", console_size=(24,))
    with pytest.raises(InvalidArgument, match="console_size"):
        await docker.exec.create("c1", ["sh"], console_size="24x80")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="gw_priority must be an integer"):
        await Network(docker, {"Id": "n1"}).connect("c1", gw_priority="1")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="subpath apply to volume mounts only"):
        Mount("/data", "/tmp", type="bind", subpath="x")
    with pytest.raises(InvalidArgument, match="one setting"):
        await docker.images.prune_builds(keep_storage="1g", reserved_space="1g")
    with pytest.raises(InvalidArgument, match="platforms: expected a non-empty list"):
        await docker.images.remove("app", platforms="linux/arm64")  # type: ignore[arg-type]
    assert engine.paths() == []


async def test_kernel_memory_message(fake_engine: Start) -> None:
    docker, _ = await fake_engine(api="1.51")
    with pytest.raises(InvalidArgument) as caught:
        await docker.containers.create("busybox", kernel_memory="64m")
    assert str(caught.value) == (
        "kernel_memory is only in API 1.41 and older (later daemons ignore it); "
        "the daemon speaks API 1.51"
    )


PODMAN_CASES = [case for case in CASES if case.key in PODMAN_IGNORES]


def test_every_podman_gap_has_a_case() -> None:
    assert sorted(case.key for case in PODMAN_CASES) == sorted(PODMAN_IGNORES)


@pytest.mark.parametrize("case", PODMAN_CASES, ids=lambda case: case.key)
async def test_podman_refuses_what_it_ignores(fake_engine: Start, case: Case) -> None:
    docker, engine = await fake_engine(api="1.44", podman="5.8.6")
    with pytest.raises(
        NotSupported, match=rf"^Podman 5\.8\.6 {re.escape(PODMAN_IGNORES[case.key])}$"
    ):
        await case.call(docker)
    assert engine.paths() == ["/_ping"]


@pytest.mark.parametrize("api", ["1.41", "1.44"])
async def test_podman_mac_address_on_its_default_network(fake_engine: Start, api: str) -> None:
    docker, engine = await fake_engine(api=api, podman="4.3.1")
    engine.answers[("POST", "/containers/create")] = {"Id": "c1"}
    await docker.containers.create("busybox", mac_address="02:42:ac:11:00:99")
    body = _created(engine)
    assert "MacAddress" not in body  # Podman ignores the container-wide field
    assert body["NetworkingConfig"]["EndpointsConfig"] == {
        "podman": {"MacAddress": "02:42:ac:11:00:99"}
    }


async def test_podman_volume_prune_sends_no_all_filter(fake_engine: Start) -> None:
    docker, engine = await fake_engine(api="1.44", podman="5.8.6")
    await docker.volumes.prune(filters={"label": "a"})
    query = engine.last("POST", "/volumes/prune").query
    assert json.loads(query["filters"][0]) == {"label": ["a"]}


BROKEN_CALLS: dict[str, Call] = {
    "attach.logs": lambda docker: attach_container(
        docker, "c1", logs=True, stream=False
    ).__aenter__(),
    "container.update": lambda docker: _container(docker).update(cpu_shares=512),
}


def test_every_podman_4_gap_has_a_call() -> None:
    assert sorted(BROKEN_CALLS) == sorted(PODMAN_BROKEN)


@pytest.mark.parametrize("key", sorted(BROKEN_CALLS))
async def test_podman_4_refuses_what_it_gets_wrong(fake_engine: Start, key: str) -> None:
    docker, engine = await fake_engine(api="1.41", podman="4.3.1")
    fixed, reason = PODMAN_BROKEN[key]
    with pytest.raises(NotSupported, match=rf"^Podman 4\.3\.1 {re.escape(reason)}$"):
        await BROKEN_CALLS[key](docker)
    assert engine.paths() == ["/_ping"]
    for podman in (f"{fixed}.0.0", f"{fixed}.8.6-dev", None):
        Target("1.41", podman).check(key)  # fixed there
