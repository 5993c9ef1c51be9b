"""Forming the swarm: init, join with worker and manager tokens, bad tokens, leave,
promote/demote, and a locked manager unlocked (autolock). The manager restarts before any
node changes role: a node demoted moments before has to renew its certificate with it."""

from __future__ import annotations

import pytest

from aiodock import APIError, Docker, InvalidArgument, NotFound, ServiceUnavailable
from aiodock.nodes import Node

from .cluster import Cluster, change_node, poll
from .conftest import SESSION_LOOP

pytestmark = SESSION_LOOP


async def test_one_manager_and_two_workers(cluster: Cluster, manager: Docker) -> None:
    await manager.swarm.reload()
    assert manager.swarm.id and set(manager.swarm.join_tokens) == {"Worker", "Manager"}
    nodes = await manager.nodes.list()
    by_name = {node.hostname: node for node in nodes}
    assert sorted(by_name) == ["node1", "node2", "node3"]
    assert {name: node.role for name, node in by_name.items()} == {
        "node1": "manager",
        "node2": "worker",
        "node3": "worker",
    }
    assert all(node.state == "ready" and node.availability == "active" for node in nodes)
    assert by_name["node1"].is_leader and by_name["node1"].address == cluster["node1"].address
    assert {by_name[n.name].address for n in cluster.nodes} == {n.address for n in cluster.nodes}
    assert (await manager.nodes.get(by_name["node2"].id)).hostname == "node2"
    assert [n.hostname for n in await manager.nodes.list(filters={"role": "worker"})] in (
        ["node2", "node3"],
        ["node3", "node2"],
    )

    # A worker is in the swarm but cannot manage it.
    worker = cluster["node2"].docker
    info = (await worker.info())["Swarm"]
    assert info["LocalNodeState"] == "active" and not info["ControlAvailable"]
    with pytest.raises(ServiceUnavailable, match="not a swarm manager"):
        await worker.nodes.list()
    with pytest.raises(InvalidArgument, match="is not a swarm manager"):
        await cluster["node3"].docker.swarm.join_via(worker)


async def test_autolocked_manager_restarts_locked_and_is_unlocked(
    cluster: Cluster, manager: Docker
) -> None:
    await manager.swarm.update(autolock_managers=True)
    key = await manager.swarm.unlock_key()
    assert key.startswith("SWMKEY-1-")
    node1 = cluster["node1"]
    await node1.daemon.restart()
    assert await poll(node1.swarm_state, lambda state: state in ("locked", "active")) == "locked"
    with pytest.raises(ServiceUnavailable, match=r"locked|unlock"):
        await manager.nodes.list()
    with pytest.raises(APIError):
        await manager.swarm.unlock("SWMKEY-1-" + "A" * 43)
    await manager.swarm.unlock(key)
    await poll(node1.swarm_state, lambda state: state == "active")
    await cluster.wait_ready(manager)
    await manager.swarm.update(autolock_managers=False)
    assert manager.swarm.attrs["Spec"]["EncryptionConfig"]["AutoLockManagers"] is False


async def test_leave_bad_tokens_and_join_as_manager(cluster: Cluster, manager: Docker) -> None:
    node3 = cluster["node3"]
    first = cluster["node1"]
    old_id = await node3.node_id()
    await node3.docker.swarm.leave()
    assert await node3.swarm_state() == "inactive"
    await poll(lambda: manager.nodes.get(old_id), lambda node: node.state == "down")

    remote = [f"{first.address}:2377"]
    join = {"listen_addr": f"{node3.address}:2377", "advertise_addr": node3.address}
    with pytest.raises(InvalidArgument, match="not a swarm join token"):
        await node3.docker.swarm.join(remote, "SWMTKN-nonsense", **join)
    await manager.swarm.reload()
    token = manager.swarm.join_tokens["Worker"]
    wrong_secret = token[: token.rindex("-") + 1] + "0" * 25
    with pytest.raises(APIError, match="valid join token") as caught:
        await node3.docker.swarm.join(remote, wrong_secret, **join)
    assert caught.value.status < 500 or "join token" in caught.value.message
    assert await node3.swarm_state() == "inactive"

    await node3.docker.swarm.join_via(manager, "manager", **join)
    new_id = await node3.node_id()
    assert new_id and new_id != old_id
    joined = await poll(
        lambda: manager.nodes.get(new_id),
        lambda node: node.manager_status.get("Reachability") == "reachable",
    )
    assert joined.role == "manager" and not joined.is_leader
    assert len(await node3.docker.nodes.list()) == 4  # a manager now; the old entry is down

    # The entry node3 left behind is down: removing it needs no force.
    await manager.nodes.remove(old_id)
    with pytest.raises(NotFound):
        await manager.nodes.get(old_id)

    joined = await change_node(manager, new_id, Node.demote)
    assert joined.role == "worker"
    await poll(node3.docker.info, lambda info: not info["Swarm"]["ControlAvailable"])
    await cluster.wait_ready(manager)


async def test_promote_and_demote(cluster: Cluster, manager: Docker) -> None:
    node2 = cluster["node2"]
    node = await change_node(manager, await node2.node_id(), Node.promote)
    assert node.role == "manager"
    await poll(node2.docker.info, lambda info: info["Swarm"]["ControlAvailable"])
    await poll(node.reload, lambda _: node.manager_status.get("Reachability") == "reachable")
    # A manager now: it sees the swarm as node1 does.
    assert {n.id for n in await node2.docker.nodes.list()} == {
        n.id for n in await manager.nodes.list()
    }
    node = await change_node(manager, node.id, Node.demote)
    assert node.role == "worker"
    await poll(node2.docker.info, lambda info: not info["Swarm"]["ControlAvailable"])
    with pytest.raises(ServiceUnavailable):
        await poll(node2.docker.nodes.list, lambda _: False, timeout=10)
