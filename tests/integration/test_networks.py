"""Networks against the real daemon: create (IPAM, options), list, get, connect with
aliases and static addresses, disconnect, remove, prune, and the Network handle."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import suppress

import pytest

from aiodock import Docker, DockerError, InvalidArgument, NotFound
from aiodock.containers import Container
from aiodock.networks import Network
from aiodock.types import IPAMConfig, IPAMPool
from tests.engines import Engine


def _subnet() -> tuple[str, str]:
    """A /24 unlikely to clash with other tests' networks: (subnet, prefix without .0)."""
    prefix = f"10.{random.randint(160, 250)}.{random.randint(0, 255)}"
    return f"{prefix}.0/24", prefix


@pytest.fixture
async def cleanup(docker: Docker) -> AsyncIterator[list[Network | Container]]:
    """Objects to remove after the test (containers first)."""
    made: list[Network | Container] = []
    yield made
    for obj in sorted(made, key=lambda o: isinstance(o, Network)):
        with suppress(DockerError):
            if isinstance(obj, Container):
                await obj.remove(force=True)
            else:
                await obj.remove()


async def _create_network(
    docker: Docker,
    test_labels: dict[str, str],
    cleanup: list[Network | Container],
    *,
    labels: dict[str, str] | None = None,
    **kwargs: object,
) -> Network:
    """A labelled network with a random /24 (unless ``ipam`` is given), removed after the test."""
    if "ipam" not in kwargs:
        kwargs["ipam"] = IPAMConfig(pool_configs=[IPAMPool(subnet=_subnet()[0])])
    network = await docker.networks.create(
        f"adk-net-{uuid.uuid4().hex[:10]}",
        labels={**test_labels, **(labels or {})},
        **kwargs,  # type: ignore[arg-type]
    )
    cleanup.append(network)
    return network


async def test_create_get_list_remove(
    docker: Docker, labels: dict[str, str], cleanup: list[Network | Container], engine: Engine
) -> None:
    subnet, prefix = _subnet()
    mark = uuid.uuid4().hex
    network = await _create_network(
        docker,
        labels,
        cleanup,
        driver="bridge",
        options={"com.docker.network.driver.mtu": "1400"},
        ipam=IPAMConfig(
            pool_configs=[
                IPAMPool(
                    subnet=subnet,
                    iprange=f"{prefix}.128/25",
                    gateway=f"{prefix}.1",
                    aux_addresses={"reserved": f"{prefix}.200"},
                )
            ]
        ),
        internal=True,
        attachable=True,
        scope="local",
        labels={"adk.mark": mark},
    )
    assert isinstance(network, Network)
    assert network.name.startswith("adk-net-") and len(network.id) == 64
    assert network.driver == "bridge" and network.scope == "local"
    assert network.internal
    # attachable lets swarm services' tasks join: an engine without swarm keeps no such flag
    assert network.attachable or engine.lacks("swarm") is not None
    assert network.labels["adk.mark"] == mark
    if engine.lacks("network-options-readback") is None:
        assert network.options["com.docker.network.driver.mtu"] == "1400"
    pool = {"Subnet": subnet, "Gateway": f"{prefix}.1"}
    if engine.lacks("ipam-readback") is None:
        pool.update(IPRange=f"{prefix}.128/25", AuxiliaryAddresses={"reserved": f"{prefix}.200"})
    assert network.ipam["Config"] == [pool]

    by_name = await docker.networks.get(network.name)
    assert by_name == network and by_name.attrs["Id"] == network.id

    listed = await docker.networks.list(filters={"label": f"adk.mark={mark}"})
    assert [n.id for n in listed] == [network.id]
    assert "Containers" not in listed[0].attrs or not listed[0].attrs["Containers"]
    by_names = await docker.networks.list(names=[network.name], filters={"driver": "bridge"})
    assert network in by_names
    by_ids = await docker.networks.list(ids=[network.id])
    assert [n.name for n in by_ids] == [network.name]
    greedy = await docker.networks.list(filters={"label": f"adk.mark={mark}"}, greedy=True)
    assert greedy[0].attrs["Containers"] == {}
    assert await docker.networks.list(filters={"label": f"adk.mark={uuid.uuid4().hex}"}) == []

    await network.remove()
    with pytest.raises(NotFound):
        await docker.networks.get(network.id)
    with pytest.raises(NotFound):
        await docker.networks.remove(network.id)


async def test_ipv6_network(
    docker: Docker, labels: dict[str, str], cleanup: list[Network | Container]
) -> None:
    v6 = f"fd00:ad{random.randint(16, 255):02x}:{random.randint(1, 0xFFFF):x}::/64"
    network = await _create_network(
        docker,
        labels,
        cleanup,
        enable_ipv6=True,
        ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=_subnet()[0]), IPAMPool(subnet=v6)]),
    )
    assert network.attrs["EnableIPv6"] is True
    assert v6 in [pool["Subnet"] for pool in network.ipam["Config"]]


async def test_alias_reachable_static_ipv4_and_containers(
    docker: Docker,
    labels: dict[str, str],
    test_image: str,
    cleanup: list[Network | Container],
    engine: Engine,
) -> None:
    subnet, prefix = _subnet()
    network = await _create_network(
        docker, labels, cleanup, ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)])
    )
    server = await docker.containers.create(
        test_image, ["sleep", "60"], network=network.name, labels=labels
    )
    cleanup.append(server)
    # Attach again with an alias and a static address from the pool.
    await network.disconnect(server)
    await network.connect(
        server,
        aliases=["db", "db-alias"],
        ipv4_address=f"{prefix}.77",
        driver_opt={"com.example.opt": "1"},
    )
    await server.start()
    await server.reload()
    endpoint = server.attrs["NetworkSettings"]["Networks"][network.name]
    assert endpoint["IPAddress"] == f"{prefix}.77"
    if engine.lacks("endpoint-ipam-readback") is None:
        assert endpoint["IPAMConfig"]["IPv4Address"] == f"{prefix}.77"
    assert {"db", "db-alias"} <= set(endpoint["Aliases"])
    if engine.lacks("network-options-readback") is None:
        assert endpoint["DriverOpts"] == {"com.example.opt": "1"}

    # Another container on the network reaches it by its alias, at the static address.
    out = await docker.containers.run(
        test_image,
        ["sh", "-c", "ping -c1 -W5 db && ping -c1 -W5 db-alias"],
        network=network.name,
        labels=labels,
        remove=True,
        cap_add=["NET_RAW"],  # Docker grants it by default, Podman 5 does not
    )
    text = out.decode()
    assert f"PING db ({prefix}.77)" in text and f"PING db-alias ({prefix}.77)" in text
    assert text.count("1 packets received") == 2

    # The handle lists the attached container as a Container handle after reload().
    await network.reload()
    attached = network.containers
    assert attached == [server]
    assert isinstance(attached[0], Container) and attached[0].id == server.id
    assert attached[0].name == server.name
    await attached[0].reload()
    assert attached[0].attrs["State"]["Running"] is True

    # A container given by name; legacy links and link-local addresses.
    client = await docker.containers.create(
        test_image, ["true"], network=network.name, labels=labels
    )
    cleanup.append(client)
    await network.disconnect(client.id)
    await network.connect(client.id, links={server.id: "linked"}, link_local_ips=["169.254.9.9"])
    await client.reload()
    endpoint = client.attrs["NetworkSettings"]["Networks"][network.name]
    if engine.lacks("endpoint-links") is None:
        assert endpoint["Links"] and endpoint["Links"][0].endswith(":linked")
    if engine.lacks("endpoint-ipam-readback") is None:
        assert endpoint["IPAMConfig"]["LinkLocalIPs"] == ["169.254.9.9"]

    # Forced disconnect of the running container.
    await network.disconnect(server, force=True)
    await network.reload()
    assert server.id not in (network.attrs.get("Containers") or {})
    await server.remove(force=True)


async def test_connect_errors(
    docker: Docker, labels: dict[str, str], cleanup: list[Network | Container]
) -> None:
    network = await _create_network(docker, labels, cleanup)
    with pytest.raises(NotFound):
        await network.connect("adk-no-such-container")
    with pytest.raises(InvalidArgument, match="ipv4_address"):
        await network.connect("x", ipv4_address="fd00::1")
    with pytest.raises(InvalidArgument, match="aliases"):
        await network.connect("x", aliases="db")
    with pytest.raises(InvalidArgument, match="container"):
        await network.connect(42)  # type: ignore[arg-type]


async def test_prune_only_labelled(
    docker: Docker, labels: dict[str, str], cleanup: list[Network | Container]
) -> None:
    mark = uuid.uuid4().hex
    doomed = await _create_network(docker, labels, cleanup, labels={"adk.prune": mark})
    kept = await _create_network(docker, labels, cleanup)
    result = await docker.networks.prune(filters={"label": f"adk.prune={mark}"})
    assert result["NetworksDeleted"] == [doomed.name]
    with pytest.raises(NotFound):
        await doomed.reload()
    await kept.reload()
    assert (await docker.networks.prune(filters={"label": f"adk.prune={mark}"}))[
        "NetworksDeleted"
    ] in (None, [])


async def test_invalid_arguments_fail_before_any_request(docker: Docker) -> None:
    with pytest.raises(InvalidArgument, match="unknown filter 'colour'"):
        await docker.networks.list(filters={"colour": "red"})
    with pytest.raises(InvalidArgument, match="unknown filter 'dangling'"):
        await docker.networks.prune(filters={"dangling": True})
    with pytest.raises(InvalidArgument, match="scope"):
        await docker.networks.create("adk-x", scope="planet")
    with pytest.raises(InvalidArgument, match="subnet"):
        IPAMPool(subnet="10.0.0.0/99")
    with pytest.raises(InvalidArgument, match="gateway"):
        IPAMPool(gateway="not-an-ip")
    with pytest.raises(InvalidArgument, match="ipam"):
        await docker.networks.create("adk-x", ipam="10.0.0.0/24")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="names"):
        await docker.networks.list(names="adk")
