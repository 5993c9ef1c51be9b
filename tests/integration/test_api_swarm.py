"""``docker.api``'s swarm, node, service, task, secret and config calls against a swarm of
two private daemons on a private network (the shared daemon's swarm state is never
touched): ``node1`` initialises it with ``init_swarm``, ``node2`` joins and leaves with
``join_swarm``/``leave_swarm``. Everything is removed at the module's end."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from aiodock import APIClient, APIError, NotFound, types

from ..conftest import TEST_IMAGE, TEST_LABELS
from .private_daemon import PrivateDaemon, PrivateNetwork

T = TypeVar("T")
pytestmark = [pytest.mark.needs("swarm"), pytest.mark.asyncio(loop_scope="module")]
NETWORK_ARGS = ("--bridge=none", "--userland-proxy=false")
ON_MANAGER = {"Constraints": ["node.role==manager"]}


@dataclass
class Swarm:
    manager: APIClient
    worker: APIClient
    manager_address: str
    worker_address: str
    node_id: str


async def poll(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 60.0
) -> T:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if done(result):
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {timeout}s; last: {result!r}")
        await asyncio.sleep(0.25)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def swarm(daemon: None) -> AsyncIterator[Swarm]:
    """Two private daemons; node1 is a swarm manager made with ``init_swarm``."""
    async with PrivateNetwork() as network:
        daemons = [PrivateDaemon(network_args=NETWORK_ARGS, hostname=f"api{i}") for i in (1, 2)]
        clients: list[APIClient] = []
        try:
            addresses = [await network.attach(d) for d in daemons]
            await asyncio.gather(*(d.start() for d in daemons))
            await daemons[0].load_image()
            clients = [APIClient(d.url, timeout=60) for d in daemons]
            manager, worker = clients
            node_id = await manager.init_swarm(
                advertise_addr=addresses[0],
                listen_addr=f"{addresses[0]}:2377",
                swarm_spec=manager.create_swarm_spec(dispatcher_heartbeat_period=1_000_000_000),
            )
            yield Swarm(manager, worker, addresses[0], addresses[1], node_id)
        finally:
            for client in clients:
                await client.close()
            for daemon_ in daemons:
                await daemon_.close()


def unique(prefix: str) -> str:
    return f"aiodock-api-{prefix}-{uuid.uuid4().hex[:8]}"


async def test_init_inspect_and_update_swarm(swarm: Swarm) -> None:
    api = swarm.manager
    inspected = await api.inspect_swarm()
    assert inspected["Spec"]["Dispatcher"]["HeartbeatPeriod"] == 1_000_000_000
    assert (await api.info())["Swarm"]["NodeID"] == swarm.node_id

    spec = inspected["Spec"]
    spec["Labels"] = {"aiodock.api": "1"}
    assert await api.update_swarm(inspected["Version"]["Index"], spec) is True
    again = await api.inspect_swarm()
    assert again["Spec"]["Labels"] == {"aiodock.api": "1"}
    with pytest.raises(APIError, match="out of sequence"):  # the version given is sent
        await api.update_swarm(inspected["Version"]["Index"], spec)

    tokens = again["JoinTokens"]
    await api.update_swarm(again["Version"]["Index"], again["Spec"], rotate_worker_token=True)
    rotated = await api.inspect_swarm()
    assert rotated["JoinTokens"]["Worker"] != tokens["Worker"]
    assert rotated["JoinTokens"]["Manager"] == tokens["Manager"]


async def test_unlock_key_and_unlock(swarm: Swarm) -> None:
    api = swarm.manager
    current = await api.inspect_swarm()
    locked = {**current["Spec"], "EncryptionConfig": {"AutoLockManagers": True}}
    await api.update_swarm(current["Version"]["Index"], locked)
    try:
        key = await api.get_unlock_key()
        assert key["UnlockKey"].startswith("SWMKEY-")
        with pytest.raises(APIError, match="not locked"):  # running, hence not locked
            await api.unlock_swarm(key)
    finally:
        current = await api.inspect_swarm()
        unlocked = {**current["Spec"], "EncryptionConfig": {"AutoLockManagers": False}}
        await api.update_swarm(current["Version"]["Index"], unlocked)
    assert (await api.inspect_swarm())["Spec"]["EncryptionConfig"]["AutoLockManagers"] is False


async def test_secret_and_config_calls(swarm: Swarm) -> None:
    api = swarm.manager
    name = unique("secret")
    created = await api.create_secret(name, b"s3cret", labels=TEST_LABELS)
    assert set(created) == {"ID"}
    inspected = await api.inspect_secret(created["ID"])
    assert inspected["Spec"]["Name"] == name and "Data" not in inspected["Spec"]
    assert [s["ID"] for s in await api.secrets(filters={"name": name})] == [created["ID"]]
    assert await api.remove_secret(created["ID"]) is True
    with pytest.raises(NotFound):
        await api.inspect_secret(created["ID"])

    name = unique("config")
    made = await api.create_config(name, "key=value", labels=TEST_LABELS)
    config = await api.inspect_config(made["ID"])
    assert base64.b64decode(config["Spec"]["Data"]) == b"key=value"
    assert config["Spec"]["Labels"] == TEST_LABELS
    assert [c["Spec"]["Name"] for c in await api.configs(filters={"id": made["ID"]})] == [name]
    assert await api.remove_config(name) is True
    assert await api.configs(filters={"name": name}) == []


async def test_service_calls(swarm: Swarm) -> None:
    api = swarm.manager
    name = unique("web")
    template = {
        "ContainerSpec": {
            "Image": TEST_IMAGE,
            "Command": ["sh", "-c", 'echo "hello $STAGE"; exec sleep 600'],
            "Env": ["STAGE=one"],
            "StopSignal": "SIGKILL",
        },
        "Placement": ON_MANAGER,
        "RestartPolicy": {"Condition": "none"},
    }
    created = await api.create_service(
        template, name=name, labels=TEST_LABELS, networks=["host"], mode="replicated"
    )
    service_id = created["ID"]
    try:
        inspected = await api.inspect_service(service_id)
        assert inspected["Spec"]["Name"] == name
        assert inspected["Spec"]["TaskTemplate"]["Networks"][0]["Target"]
        assert "TaskTemplate" in (await api.inspect_service(name, insert_defaults=True))["Spec"]
        listed = await api.services(filters={"name": name}, status=True)
        assert [s["ID"] for s in listed] == [service_id]
        assert "ServiceStatus" in listed[0]

        def running(tasks: list[dict[str, Any]]) -> bool:
            return any(t["Status"]["State"] == "running" for t in tasks)

        tasks = await poll(lambda: api.tasks(filters={"service": service_id}), running)
        task = await api.inspect_task(tasks[0]["ID"])
        assert task["ServiceID"] == service_id

        async def output() -> bytes:
            chunks = api.service_logs(service_id, stdout=True, stderr=True)
            async with chunks:
                return b"".join([chunk async for chunk in chunks])

        assert b"hello one" in await poll(output, lambda data: b"hello one" in data)

        # read again: the swarm's allocator moves the version on after the create
        version = (await api.inspect_service(service_id))["Version"]["Index"]
        answer = await api.update_service(
            service_id,
            version,
            task_template={"ContainerSpec": {"Env": ["STAGE=two"]}},
            fetch_current_spec=True,
        )
        assert "Warnings" in answer
        updated = await api.inspect_service(service_id)
        container = updated["Spec"]["TaskTemplate"]["ContainerSpec"]
        assert container["Env"] == ["STAGE=two"]
        assert container["Image"] == TEST_IMAGE  # kept from the current spec
        assert updated["Spec"]["Labels"] == TEST_LABELS
        assert updated["Spec"]["TaskTemplate"]["Networks"]  # kept too
        with pytest.raises(APIError, match="out of sequence"):
            await api.update_service(service_id, version, name=name, fetch_current_spec=True)
    finally:
        assert await api.remove_service(service_id) is True
    with pytest.raises(NotFound):
        await api.inspect_service(service_id)


async def test_typed_container_spec_with_secret_and_config_names(swarm: Swarm) -> None:
    docker = swarm.manager.docker
    secret = await docker.secrets.create(unique("pw"), b"hunter2", labels=TEST_LABELS)
    config = await docker.configs.create(unique("conf"), b"level=3", labels=TEST_LABELS)
    show = f"cat /run/secrets/{secret.name} /{config.name}; echo; exec sleep 600"
    spec = types.ServiceSpec(
        types.TaskTemplate(
            types.ContainerSpec(
                TEST_IMAGE,
                command=["sh", "-c", show],
                secrets=[secret.name],
                configs=[config.id],
                stop_signal="SIGKILL",
            ),
            placement=types.Placement(constraints=["node.role==manager"]),
            networks=["host"],
        ),
        name=unique("reader"),
        labels=TEST_LABELS,
    )
    service = await docker.services.create(spec=spec)
    try:
        container = service.attrs["Spec"]["TaskTemplate"]["ContainerSpec"]
        assert container["Secrets"][0]["SecretID"] == secret.id
        assert container["Configs"][0]["ConfigName"] == config.name

        async def output() -> bytes:
            return await service.logs()

        assert b"hunter2level=3" in await poll(output, lambda data: b"hunter2level=3" in data)
    finally:
        await service.remove()
        await secret.remove()
        await config.remove()


async def test_join_update_node_leave_and_remove(swarm: Swarm) -> None:
    manager, worker = swarm.manager, swarm.worker
    token = (await manager.inspect_swarm())["JoinTokens"]["Worker"]
    joined = await worker.join_swarm(
        [f"{swarm.manager_address}:2377"],
        token,
        listen_addr=f"{swarm.worker_address}:2377",
        advertise_addr=swarm.worker_address,
    )
    assert joined is True
    worker_id = (await worker.info())["Swarm"]["NodeID"]
    nodes = await poll(manager.nodes, lambda found: len(found) == 2)
    assert {n["ID"] for n in nodes} == {swarm.node_id, worker_id}
    assert [n["ID"] for n in await manager.nodes(filters={"role": "worker"})] == [worker_id]

    node = await manager.inspect_node(worker_id)
    spec = {**node["Spec"], "Availability": "drain", "Labels": {"aiodock.api": "1"}}
    assert await manager.update_node(worker_id, node["Version"]["Index"], spec) is True
    changed = await manager.inspect_node(worker_id)
    assert changed["Spec"]["Availability"] == "drain"
    assert changed["Spec"]["Labels"] == {"aiodock.api": "1"}

    assert await worker.leave_swarm() is True
    assert (await worker.info())["Swarm"]["LocalNodeState"] == "inactive"
    assert await worker.leave_swarm(force=True) is True  # in no swarm: docker-py's True
    with pytest.raises(APIError):
        await worker.leave_swarm()
    assert await manager.remove_node(worker_id, force=True) is True
    assert [n["ID"] for n in await manager.nodes()] == [swarm.node_id]


async def test_manager_leaves_last(swarm: Swarm) -> None:
    assert await swarm.manager.leave_swarm(force=True) is True
    assert (await swarm.manager.info())["Swarm"]["LocalNodeState"] == "inactive"
